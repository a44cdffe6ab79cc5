/**
 * A sale or cashbook change reported by the vendor (webhook, polling) drops the cached
 * answers it makes stale: the next list asks the vendor again instead of waiting out its TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayCache } from '../../src/cache/gateway-cache.ts';
import { invalidateOnLiveEvents } from '../../src/cache/live-invalidation.ts';
import type { LiveEvent, LiveEvents } from '../../src/live/events.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';

const SALES = '{ sales(first: 5, connections: ["demo-kash"]) { edges { node { id total { amount } } } } }';
const CASHBOOKS = '{ cashbooks(first: 3, connections: ["demo-kash"]) { edges { node { id state } } } }';
const ITEMS = '{ items(first: 3, connections: ["demo-kash"]) { edges { node { id name } } } }';

describe('cache invalidation by live events', () => {
  let stack: TestStack;
  const cache = new GatewayCache();
  const live = new InMemoryLiveEvents({ capacity: 100 });
  const stop = new AbortController();
  const invalidated: LiveEvent[] = [];
  let following: Promise<void>;

  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, gateway: { cache, live } });
    following = invalidateOnLiveEvents(cache, live, { connections: stack.connections.keys(), signal: stop.signal, onInvalidated: (event) => invalidated.push(event) });
  });
  afterAll(async () => {
    stop.abort();
    await following;
    await live.close();
    await stack.close();
  });

  async function callsOf(query: string): Promise<number> {
    stack.resetSimulators();
    const { errors } = await stack.query(query);
    expect(errors).toBeUndefined();
    await cache.settled();
    return Object.values(stack.upstreamCalls()).reduce((a, b) => a + b, 0);
  }

  async function publishAndWait(event: Parameters<InMemoryLiveEvents['publish']>[0]): Promise<void> {
    const before = invalidated.length;
    await live.publish(event);
    await expect.poll(() => invalidated.length).toBe(before + 1);
  }

  it('asks the vendor again for sales after a webhook reported one, and keeps the catalogue cached', async () => {
    expect(await callsOf(SALES)).toBeGreaterThan(0);
    expect(await callsOf(ITEMS)).toBeGreaterThan(0);
    expect(await callsOf(SALES)).toBe(0);

    await publishAndWait({ type: 'saleCreated', connection: 'demo-kash', id: '900001', occurredAt: new Date().toISOString(), via: 'WEBHOOK' });
    expect(await callsOf(SALES)).toBeGreaterThan(0);
    expect(await callsOf(ITEMS)).toBe(0);
  });

  it('asks again for cashbooks after polling saw one open', async () => {
    expect(await callsOf(CASHBOOKS)).toBeGreaterThan(0);
    expect(await callsOf(CASHBOOKS)).toBe(0);
    await publishAndWait({ type: 'cashbookChanged', connection: 'demo-kash', id: 'cb-1', version: 'OPEN', occurredAt: new Date().toISOString(), via: 'POLLING' });
    expect(await callsOf(CASHBOOKS)).toBeGreaterThan(0);
  });

  it('leaves our own writes to the mutation, which invalidated before answering', async () => {
    await callsOf(SALES);
    expect(await callsOf(SALES)).toBe(0);
    await live.publish({ type: 'saleCreated', connection: 'demo-kash', id: '900002', occurredAt: new Date().toISOString(), via: 'GATEWAY' });
    // A later non-GATEWAY event proves the GATEWAY one was passed over, not merely slow.
    await publishAndWait({ type: 'cashbookChanged', connection: 'demo-tactill', id: 'cb-2', version: 'OPEN', occurredAt: new Date().toISOString(), via: 'POLLING' });
    expect(invalidated.map((event) => event.id)).not.toContain('900002');
    expect(await callsOf(SALES)).toBe(0);
  });
});

describe('following the log', () => {
  it('follows it again when its stream ends (a subscriber left too far behind is cut off)', async () => {
    const event: LiveEvent = { eventId: '1-0', type: 'saleCreated', connection: 'c', id: '7', occurredAt: new Date().toISOString(), via: 'POLLING' };
    let subscriptions = 0;
    const live = {
      subscribe: () => {
        subscriptions += 1;
        // The first stream ends at once, as a cut-off one does; the second brings an event.
        return (async function* () {
          if (subscriptions > 1) yield event;
        })();
      },
    } as unknown as LiveEvents;
    const cache = new GatewayCache();
    const stop = new AbortController();
    const invalidated: LiveEvent[] = [];
    const following = invalidateOnLiveEvents(cache, live, { connections: ['c'], signal: stop.signal, onInvalidated: (e) => invalidated.push(e) });
    await expect.poll(() => invalidated, { timeout: 5_000 }).toEqual([event]);
    stop.abort();
    await following;
    expect(subscriptions).toBeGreaterThanOrEqual(2);
  });
});
