/**
 * The live-event log's contract, for both logs: in this process, and a Redis Stream on a real
 * redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { LiveEvent, LiveEventInput, LiveEvents } from '../../src/live/events.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { RedisLiveEvents } from '../../src/live/redis-events.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

let redisServer: RedisServer;
const clients: Redis[] = [];
let namespaces = 0;

beforeAll(async () => {
  redisServer = await startRedisServer();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redisServer.stop();
});

interface LogKind {
  readonly name: string;
  create(options?: { capacity?: number }): Promise<LiveEvents>;
}

const KINDS: LogKind[] = [
  { name: 'in memory', create: async (options = {}) => new InMemoryLiveEvents(options) },
  {
    name: 'Redis Stream',
    async create(options = {}) {
      const redis = new Redis(redisServer.url, { keyPrefix: 'posgraph:' });
      clients.push(redis);
      // A namespace per log: each test starts from an empty stream.
      const events = new RedisLiveEvents({ redis, capacity: options.capacity, namespace: `test-${++namespaces}`, blockMs: 200 });
      await events.ready;
      return events;
    },
  },
];

let sales = 0;
function sale(connection = 'shop-a', id = `s${++sales}`): LiveEventInput {
  return { type: 'saleCreated', connection, id, occurredAt: '2026-12-01T10:00:00.000Z', via: 'POLLING' };
}

const ALL = { types: ['saleCreated', 'cashbookChanged'] as const, connections: ['shop-a', 'shop-b'] };

async function take(iterable: AsyncIterable<LiveEvent>, count: number): Promise<LiveEvent[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  const taken: LiveEvent[] = [];
  while (taken.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

describe.each(KINDS)('the live-event log ($name)', (kind) => {
  it('delivers published events to matching subscribers in order, with increasing ids', async () => {
    const log = await kind.create();
    const saleA = log.subscribe({ types: ['saleCreated'], connections: ['shop-a'] });
    const everything = log.subscribe(ALL);
    const published = [sale('shop-a'), sale('shop-b'), sale('shop-a'), { ...sale('shop-a'), type: 'cashbookChanged' as const, version: 'OPEN' }];
    const results = [];
    for (const event of published) results.push(await log.publish(event));
    const ids = results.map((result) => (result.published ? result.event.eventId : null));

    expect((await take(saleA, 2)).map((event) => [event.connection, event.id, event.eventId])).toEqual([
      ['shop-a', published[0]!.id, ids[0]],
      ['shop-a', published[2]!.id, ids[2]],
    ]);
    expect((await take(everything, 4)).map((event) => event.eventId)).toEqual(ids);
    expect(ids.every((id, index) => index === 0 || compare(id!, ids[index - 1]!) > 0)).toBe(true);
    await log.close();
  });

  it('publishes the same change once, whichever source reports it first', async () => {
    const log = await kind.create();
    const first = sale();
    expect(await log.publish({ ...first, via: 'GATEWAY' })).toMatchObject({ published: true });
    expect(await log.publish({ ...first, via: 'POLLING' })).toEqual({ published: false, reason: 'duplicate' });
    expect(await log.publish({ ...first, via: 'WEBHOOK' })).toEqual({ published: false, reason: 'duplicate' });
    // A cashbook's opening and closing are two changes.
    const cashbook = { type: 'cashbookChanged' as const, connection: 'shop-a', id: 'c1', occurredAt: '2026-12-01T10:00:00.000Z', via: 'POLLING' as const };
    expect(await log.publish({ ...cashbook, version: 'OPEN' })).toMatchObject({ published: true });
    expect(await log.publish({ ...cashbook, version: 'CLOSED' })).toMatchObject({ published: true });
    expect(await log.publish({ ...cashbook, version: 'CLOSED' })).toMatchObject({ published: false });
    await log.close();
  });

  it('replays the events after Last-Event-ID, then follows live ones without repeating any', async () => {
    const log = await kind.create();
    const results = [];
    for (let index = 0; index < 4; index += 1) results.push(await log.publish(sale()));
    const ids = results.map((result) => (result.published ? result.event.eventId : ''));

    const resumed = log.subscribe(ALL, { lastEventId: ids[1] });
    const live = await log.publish(sale());
    const received = await take(resumed, 3);
    expect(received.map((event) => event.eventId)).toEqual([ids[2], ids[3], live.published ? live.event.eventId : '']);
    await log.close();
  });

  it('replays nothing for an id it cannot read, and everything it holds for one older than its log', async () => {
    const log = await kind.create();
    const a = await log.publish(sale());
    const b = await log.publish(sale());
    const garbage = log.subscribe(ALL, { lastEventId: 'not-an-id' });
    const ancient = log.subscribe(ALL, { lastEventId: '1-0' });
    const c = await log.publish(sale());
    const id = (result: Awaited<ReturnType<LiveEvents['publish']>>) => (result.published ? result.event.eventId : '');
    expect((await take(garbage, 1)).map((event) => event.eventId)).toEqual([id(c)]);
    expect((await take(ancient, 3)).map((event) => event.eventId)).toEqual([id(a), id(b), id(c)]);
    await log.close();
  });

  it('keeps a bounded log: a client too far behind is replayed the latest events only', async () => {
    const log = await kind.create({ capacity: 3 });
    const ids: string[] = [];
    for (let index = 0; index < 200; index += 1) {
      const result = await log.publish(sale());
      if (result.published) ids.push(result.event.eventId);
    }
    const resumed = log.subscribe(ALL, { lastEventId: ids[0] });
    const tail = await log.publish(sale());
    const tailId = tail.published ? tail.event.eventId : '';
    const received: LiveEvent[] = [];
    for await (const event of resumed) {
      received.push(event);
      if (event.eventId === tailId) break;
    }
    // Redis trims to about the capacity (MAXLEN ~), never below it.
    expect(received.length).toBeGreaterThanOrEqual(4);
    expect(received.length).toBeLessThan(200);
    expect(received.map((event) => event.eventId).slice(0, -1)).toEqual(ids.slice(-(received.length - 1)));
    await log.close();
  });

  it('ends a waiting subscription at once when it is returned or its signal fires', async () => {
    const log = await kind.create();
    const returned = log.subscribe(ALL)[Symbol.asyncIterator]();
    const pending = returned.next();
    await returned.return!();
    expect(await pending).toEqual({ done: true, value: undefined });

    const abort = new AbortController();
    const aborted = log.subscribe(ALL, { signal: abort.signal })[Symbol.asyncIterator]();
    const waiting = aborted.next();
    abort.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    // Nothing is delivered to them any more.
    await log.publish(sale());
    expect(await returned.next()).toEqual({ done: true, value: undefined });
    await log.close();
  });
});

describe('a slow subscriber', () => {
  it('is ended, with what was buffered handed out first, rather than buffer without bound', async () => {
    const { EventStream } = await import('../../src/live/event-stream.ts');
    let ended = 0;
    const stream = new EventStream({ filter: ALL, maxBuffered: 3, onEnd: () => (ended += 1) });
    stream.replayed([]);
    for (let index = 1; index <= 5; index += 1) stream.deliver({ ...sale(), eventId: `100-${index}` });
    const received: string[] = [];
    for await (const event of stream) received.push(event.eventId);
    expect(received).toEqual(['100-1', '100-2', '100-3']);
    expect(ended).toBe(1);
  });
});

function compare(a: string, b: string): number {
  const [ams, aseq] = a.split('-').map(Number);
  const [bms, bseq] = b.split('-').map(Number);
  return ams! - bms! || aseq! - bseq!;
}
