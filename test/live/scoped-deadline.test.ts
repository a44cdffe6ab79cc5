/**
 * Deadlines under long-lived signals — a subscription's request, a poller's life: they fire
 * when the parent does or their deadline passes, and leave nothing behind in the parent once
 * released, however many were made (AbortSignal.any would keep one entry each in Node 20).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { InMemoryPollState } from '../../src/live/poll-state.ts';
import { LivePoller } from '../../src/live/poller.ts';
import { scopedDeadline } from '../../src/live/scoped-deadline.ts';
import { eventSignal } from '../../src/schema/subscriptions.ts';

/** What a signal holds for others: its listeners, and the signals AbortSignal.any made from it. */
function held(signal: AbortSignal): { listeners: number; dependants: number } {
  const symbol = Object.getOwnPropertySymbols(signal).find((candidate) => candidate.description === 'kDependantSignals');
  const dependants = symbol ? ((signal as unknown as Record<symbol, Set<unknown>>)[symbol]?.size ?? 0) : 0;
  return { listeners: getEventListeners(signal, 'abort').length, dependants };
}

describe('scopedDeadline', () => {
  it('fires when its parent does, or at its deadline, and lets go of the parent when released', async () => {
    const parent = new AbortController();
    const scoped = scopedDeadline(parent.signal, 10_000);
    expect(held(parent.signal)).toEqual({ listeners: 1, dependants: 0 });
    parent.abort(new Error('stopped'));
    expect(scoped.signal.aborted).toBe(true);
    expect(scopedDeadline(parent.signal, 10_000).signal.aborted).toBe(true);

    const other = new AbortController();
    const late = scopedDeadline(other.signal, 20);
    late.release();
    expect(held(other.signal)).toEqual({ listeners: 0, dependants: 0 });
    await new Promise((resolve) => late.signal.addEventListener('abort', resolve, { once: true }));
    expect((late.signal.reason as Error).name).toBe('TimeoutError');
  });
});

describe('the signal of each subscription event', () => {
  it('holds one listener on the request, whatever the number of events, and fires when the client leaves', () => {
    const request = new AbortController();
    const subscription = {};
    let current: AbortSignal | undefined;
    for (let index = 0; index < 1_000; index += 1) current = eventSignal(subscription, request.signal, 10_000);
    expect(held(request.signal)).toEqual({ listeners: 1, dependants: 0 });
    request.abort(new Error('client left'));
    expect(current!.aborted).toBe(true);
  });
});

describe('the poller', () => {
  it('holds nothing on its own stop signal between polls, however many it ran', async () => {
    const connection = {
      id: 'shop',
      name: 'shop',
      vendor: 'tactill',
      adapter: { vendor: 'tactill', currency: 'EUR', sources: { sale: { list: async () => ({ records: [], nextCursor: null, totalCount: 0 }) } } },
    } as unknown as Connection;
    const poller = new LivePoller({ connections: new Map([['shop', connection]]), events: new InMemoryLiveEvents(), state: new InMemoryPollState() });
    for (let index = 0; index < 50; index += 1) await poller.pollOnce('shop');
    expect(held((poller as unknown as { stopping: AbortController }).stopping.signal)).toEqual({ listeners: 0, dependants: 0 });
    await poller.stop();
  });
});
