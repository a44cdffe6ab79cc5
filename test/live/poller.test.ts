/**
 * The poller's since-cursor over a vendor whose list we control: sales sharing a timestamp,
 * arriving across polls, pages, a failing vendor, an open breaker, and the timer loop.
 */
import { describe, expect, it } from 'vitest';
import type { ListRequest } from '../../src/core/adapter.ts';
import type { ConnectionHealth } from '../../src/core/breaker.ts';
import type { Connection } from '../../src/core/connection.ts';
import type { SaleFilter, SaleRecord } from '../../src/core/model.ts';
import { sortRecords } from '../../src/core/ordering.ts';
import type { LiveEvent } from '../../src/live/events.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { InMemoryPollState } from '../../src/live/poll-state.ts';
import { LivePoller } from '../../src/live/poller.ts';

/** A vendor with a sales list only, paged by offset, newest first, honouring `from`. */
class FakeShop {
  readonly sales: SaleRecord[] = [];
  readonly calls: Array<{ from?: string; cursor: string | null }> = [];
  failing = false;
  breaker: ConnectionHealth['state'] = 'CLOSED';

  add(id: string, createdAt: string): void {
    this.sales.push({ kind: 'sale', id, number: id, createdAt, total: { amount: '1.00', currency: 'EUR' } as never, locationId: null, customerId: null, cashbookId: null, note: null, raw: {} } as unknown as SaleRecord);
  }

  connection(id = 'shop'): Connection {
    return {
      id,
      name: id,
      vendor: 'tactill',
      health: () => ({ state: this.breaker, recentFailures: 0, lastError: null }),
      adapter: {
        vendor: 'tactill',
        currency: 'EUR',
        sources: {
          sale: {
            list: async (request: ListRequest<SaleFilter>) => {
              this.calls.push({ from: request.filter.from, cursor: request.cursor });
              if (this.failing) throw new Error('vendor down');
              const matching = sortRecords('sale', this.sales.filter((sale) => !request.filter.from || Date.parse(sale.createdAt) >= Date.parse(request.filter.from)));
              const offset = Number(request.cursor ?? 0);
              const records = matching.slice(offset, offset + request.limit);
              return { records, nextCursor: offset + request.limit < matching.length ? String(offset + request.limit) : null, totalCount: matching.length };
            },
          },
        },
      },
    };
  }
}

/** Follows the log from now on; `drain()` hands out what it published meanwhile. */
function record(log: InMemoryLiveEvents): { drain(): Promise<LiveEvent[]> } {
  const events = log.subscribe({ types: ['saleCreated'], connections: ['shop', 'marker'] })[Symbol.asyncIterator]();
  return {
    async drain() {
      // A marker published last: everything before it has been delivered.
      const marker = await log.publish({ type: 'saleCreated', connection: 'marker', id: `m${Math.random()}`, occurredAt: '2026-01-01T00:00:00Z', via: 'GATEWAY' });
      const received: LiveEvent[] = [];
      for (let next = await events.next(); !next.done && !(marker.published && next.value.eventId === marker.event.eventId); next = await events.next()) received.push(next.value);
      return received;
    },
  };
}

const T = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, seconds)).toISOString();

describe('LivePoller', () => {
  it('takes its bearings first, then publishes each new sale once, even when several share a timestamp', async () => {
    const shop = new FakeShop();
    shop.add('1', T(0));
    shop.add('2', T(5));
    const log = new InMemoryLiveEvents();
    const recorder = record(log);
    const poller = new LivePoller({ connections: new Map([['shop', shop.connection()]]), events: log, state: new InMemoryPollState(), pageSize: 2 });

    expect(await poller.pollOnce('shop')).toEqual({ status: 'BASELINE' });
    // Two more at the cursor's very instant, one of them seen only on the next poll.
    shop.add('3', T(5));
    expect(await poller.pollOnce('shop')).toMatchObject({ status: 'POLLED', published: 1 });
    shop.add('4', T(5));
    shop.add('5', T(9));
    shop.add('6', T(9));
    shop.add('7', T(12));
    shop.calls.length = 0;
    expect(await poller.pollOnce('shop')).toMatchObject({ status: 'POLLED', published: 4 });
    // From the cursor on, in pages of 2: [7, 6], [5, 4], [3, 2]; nothing older is read.
    expect(shop.calls).toEqual([
      { from: T(5), cursor: null },
      { from: T(5), cursor: '2' },
      { from: T(5), cursor: '4' },
    ]);
    expect(await poller.pollOnce('shop')).toMatchObject({ status: 'POLLED', published: 0 });

    const events = await recorder.drain();
    // Oldest first within a poll, each sale once, via POLLING.
    expect(events.map((event) => [event.id, event.via])).toEqual([
      ['3', 'POLLING'],
      ['4', 'POLLING'],
      ['5', 'POLLING'],
      ['6', 'POLLING'],
      ['7', 'POLLING'],
    ]);
    expect(events.find((event) => event.id === '7')!.occurredAt).toBe(T(12));
  });

  it('publishes nothing twice when it crashed after publishing but before saving its cursor', async () => {
    const shop = new FakeShop();
    shop.add('1', T(0));
    const log = new InMemoryLiveEvents();
    const recorder = record(log);
    const state = new InMemoryPollState();
    const connections = new Map([['shop', shop.connection()]]);
    await new LivePoller({ connections, events: log, state }).pollOnce('shop');
    shop.add('2', T(1));
    const saved = await state.load('shop', 'sale');
    await new LivePoller({ connections, events: log, state }).pollOnce('shop');
    // As if the cursor had not been saved: the next run reads sale 2 again.
    await state.save('shop', 'sale', saved!);
    expect(await new LivePoller({ connections, events: log, state }).pollOnce('shop')).toMatchObject({ status: 'POLLED', published: 0 });
    expect((await recorder.drain()).map((event) => event.id)).toEqual(['2']);
  });

  it('leaves a connection alone while its breaker is open', async () => {
    const shop = new FakeShop();
    shop.breaker = 'OPEN';
    const poller = new LivePoller({ connections: new Map([['shop', shop.connection()]]), events: new InMemoryLiveEvents(), state: new InMemoryPollState() });
    expect(await poller.pollOnce('shop')).toEqual({ status: 'SKIPPED', reason: 'CIRCUIT_OPEN' });
    expect(shop.calls).toEqual([]);
  });

  it('polls on its own once started, reports failures, and keeps going after them', async () => {
    const shop = new FakeShop();
    shop.add('1', T(0));
    const log = new InMemoryLiveEvents();
    const errors: string[] = [];
    const poller = new LivePoller({
      connections: new Map([['shop', shop.connection()]]),
      events: log,
      state: new InMemoryPollState(),
      intervalMs: 20,
      onError: (connection, error) => errors.push(`${connection}: ${error.message}`),
    });
    const received = log.subscribe({ types: ['saleCreated'], connections: ['shop'] })[Symbol.asyncIterator]();
    poller.start();
    await waitUntil(() => shop.calls.length >= 1);
    shop.failing = true;
    await waitUntil(() => errors.length >= 1);
    shop.failing = false;
    shop.add('2', T(1));
    expect((await received.next()).value).toMatchObject({ id: '2', via: 'POLLING' });
    await poller.stop();
    const callsAtStop = shop.calls.length;
    expect(errors[0]).toBe('shop: vendor down');
    // Stopped means stopped: no poll is planned any more.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(shop.calls.length).toBe(callsAtStop);
  });

  it('polls a connection whose vendor pushes only rarely, or not at all when told so', () => {
    const shop = new FakeShop();
    const pushed = { ...shop.connection('pushed'), webhook: { secret: 's', read: () => [] } };
    const connections = new Map<string, Connection>([['shop', shop.connection()], ['pushed', pushed], ['quiet', shop.connection('quiet')]]);
    const poller = new LivePoller({ connections, events: new InMemoryLiveEvents(), state: new InMemoryPollState(), intervalMs: 5_000, perConnection: { quiet: { pollIntervalMs: false } } });
    expect(Object.fromEntries(poller.schedule)).toEqual({ shop: 5_000, pushed: 60_000 });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
