/**
 * The live-event log's contract, for both logs: in this process, and a Redis Stream on a real
 * redis-server.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import type { LiveEvent, LiveEventInput, LiveEvents } from '../../src/live/events.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { RedisLiveEvents } from '../../src/live/redis-events.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

let redisServer: RedisServer;
const clients: Redis[] = [];
let namespaces = 0;
const streamKeys = new Map<LiveEvents, string>();

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
  /** How many events the log holds now. */
  held(log: LiveEvents): Promise<number>;
}

const KINDS: LogKind[] = [
  { name: 'in memory', create: async (options = {}) => new InMemoryLiveEvents(options), held: async (log) => (log as unknown as { log: unknown[] }).log.length },
  {
    name: 'Redis Stream',
    async create(options = {}) {
      const redis = new Redis(redisServer.url, { keyPrefix: 'posgraph:' });
      clients.push(redis);
      // A namespace per log: each test starts from an empty stream.
      const namespace = `test-${++namespaces}`;
      const events = new RedisLiveEvents({ redis, capacity: options.capacity, namespace, blockMs: 200 });
      streamKeys.set(events, `${namespace}:events`);
      await events.ready;
      return events;
    },
    held: async (log) => clients[0]!.xlen(streamKeys.get(log)!),
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

  it('fails with EVENTS_MISSED, replaying nothing, for an id that is not one of its own', async () => {
    const log = await kind.create();
    await log.publish(sale());
    // Garbage, an id older than anything this log held (an earlier life of it), one it never gave.
    for (const lastEventId of ['not-an-id', '1-0', '99999999999999-0']) {
      expect(await resume(log, lastEventId, null), lastEventId).toBe('EVENTS_MISSED');
    }
    await log.close();
  });

  it('keeps a bounded log: a client whose last event it still holds is replayed the rest, one further behind is told it missed events', async () => {
    const log = await kind.create({ capacity: 3 });
    const ids: string[] = [];
    for (let index = 0; index < 200; index += 1) {
      const result = await log.publish(sale());
      if (result.published) ids.push(result.event.eventId);
    }
    const tail = await log.publish(sale());
    const tailId = tail.published ? tail.event.eventId : '';
    // From the newest back: every id resumes until the first one the log cannot answer for.
    let oldest = ids.length - 1;
    let replayed: string[] = [];
    for (let index = ids.length - 1; index >= 0; index -= 1) {
      const outcome = await resume(log, ids[index]!, tailId);
      if (outcome === 'EVENTS_MISSED') break;
      expect(outcome).toEqual([...ids.slice(index + 1), tailId]);
      [oldest, replayed] = [index, outcome as string[]];
    }
    // The oldest id that resumes is the oldest the log holds: the replay is all the rest.
    expect(replayed).toHaveLength((await kind.held(log)) - 1);
    expect(replayed.length).toBeGreaterThanOrEqual(2);
    expect(oldest).toBeGreaterThan(0);
    expect(await resume(log, ids[0]!, tailId)).toBe('EVENTS_MISSED');
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

describe('the Redis Stream log across a Redis restart', () => {
  it('reports the outage once, then follows the new stream, with nothing printed by ioredis', async () => {
    const first = await startRedisServer();
    const printed = vi.spyOn(console, 'error');
    const readErrors: Error[] = [];
    // As in production: the shared connection of src/state, its reader duplicated from it.
    const redis = createRedis(first.url, { role: 'test' });
    const log = new RedisLiveEvents({ redis, blockMs: 200, onReadError: (error) => readErrors.push(error) });
    const restarted = { stop: async () => {} };
    try {
      await log.ready;
      const followed = log.subscribe(ALL)[Symbol.asyncIterator]();
      const before = await log.publish(sale());
      expect((await followed.next()).value).toMatchObject({ eventId: before.published && before.event.eventId });

      await first.stop();
      await vi.waitFor(() => expect(readErrors).toHaveLength(1), { timeout: 5_000 });
      // The reader goes on retrying (every 500 ms) without saying so again.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(readErrors).toHaveLength(1);

      // The same address, an empty Redis (nothing was saved): a new stream.
      const child = spawn('redis-server', ['--port', String(first.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      restarted.stop = () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))));
      const after = await vi.waitFor(() => log.publish(sale()), { timeout: 10_000, interval: 100 });
      expect((await followed.next()).value).toMatchObject({ eventId: after.published && after.event.eventId });
      expect(readErrors).toHaveLength(1);
      expect(printed.mock.calls.filter((call) => String(call[0]).includes('ioredis'))).toEqual([]);
    } finally {
      printed.mockRestore();
      await log.close();
      await closeRedis(redis);
      await restarted.stop();
      await first.stop();
    }
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

/**
 * Resumes after `lastEventId`: the ids replayed up to `untilId` (then it returns the
 * subscription), or the code of the error the subscription failed with.
 */
async function resume(log: LiveEvents, lastEventId: string, untilId: string | null): Promise<string[] | string> {
  const received: string[] = [];
  try {
    for await (const event of log.subscribe(ALL, { lastEventId })) {
      received.push(event.eventId);
      if (event.eventId === untilId) break;
    }
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
  return received;
}

function compare(a: string, b: string): number {
  const [ams, aseq] = a.split('-').map(Number);
  const [bms, bseq] = b.split('-').map(Number);
  return ams! - bms! || aseq! - bseq!;
}
