/**
 * One connection's rate budget shared by replicas: CallLimiters in "different processes"
 * (each over its own Redis connection) take their tokens from one bucket in a real
 * redis-server, while each keeps its own in-flight cap and FIFO queue.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CallLimiter, type Release, type SharedTokenBucket } from '../../src/core/limiter.ts';
import { RedisRateBudgets } from '../../src/state/rate-budget.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

let server: RedisServer;
const connections: Redis[] = [];
let run = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => closeRedis(redis)));
  await server.stop();
});

/** A bucket for `connection` as one replica sees it, over a Redis connection of its own. */
function replicaBucket(namespace: string, connection = 'shop'): SharedTokenBucket {
  const redis = createRedis(server.url, { role: 'test' });
  connections.push(redis);
  return new RedisRateBudgets(redis, namespace).bucket(connection);
}

const namespace = (): string => `test-${(run += 1)}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `count` acquisitions and records the grants as they come. */
function ask(limiter: CallLimiter, count: number, signal?: AbortSignal) {
  const granted: number[] = [];
  const releases: Release[] = [];
  const settled = Array.from({ length: count }, (_, index) =>
    limiter.acquire(signal).then(
      (release) => {
        granted.push(index);
        releases.push(release);
      },
      (reason: unknown) => reason,
    ),
  );
  return { granted, releases, settled };
}

describe('shared rate budget (Redis token bucket)', () => {
  it('grants one burst between all replicas, not one each', async () => {
    const space = namespace();
    // 3 back to back, then one token every ~17 minutes: nothing refills during the test.
    const options = { maxConcurrency: 10, ratePerSecond: 0.001, burst: 3 };
    const replicas = [new CallLimiter({ ...options, sharedBucket: replicaBucket(space) }), new CallLimiter({ ...options, sharedBucket: replicaBucket(space) })];
    const abort = new AbortController();
    const asks = replicas.map((limiter) => ask(limiter, 5, abort.signal));
    await vi.waitFor(() => expect(asks[0]!.granted.length + asks[1]!.granted.length).toBe(3));
    await sleep(100);
    expect(asks[0]!.granted.length + asks[1]!.granted.length).toBe(3);
    expect(replicas[0]!.waiting + replicas[1]!.waiting).toBe(7);

    // Whoever still waits may give up, and sends nothing.
    abort.abort(new Error('deadline'));
    const outcomes = await Promise.all(asks.flatMap((a) => a.settled));
    expect(outcomes.filter((outcome) => outcome instanceof Error)).toHaveLength(7);
    expect(replicas[0]!.waiting + replicas[1]!.waiting).toBe(0);
  });

  it('keeps separate budgets for separate connections', async () => {
    const space = namespace();
    const options = { maxConcurrency: 10, ratePerSecond: 0.001, burst: 2 };
    const abort = new AbortController();
    const paris = ask(new CallLimiter({ ...options, sharedBucket: replicaBucket(space, 'paris') }), 3, abort.signal);
    const lyon = ask(new CallLimiter({ ...options, sharedBucket: replicaBucket(space, 'lyon') }), 3, abort.signal);
    await vi.waitFor(() => expect([paris.granted.length, lyon.granted.length]).toEqual([2, 2]));
    abort.abort(new Error('done'));
    await Promise.all([...paris.settled, ...lyon.settled]);
  });

  it('grants in FIFO order as tokens come back', async () => {
    const limiter = new CallLimiter({ maxConcurrency: 10, ratePerSecond: 100, burst: 1, sharedBucket: replicaBucket(namespace()) });
    const asked = ask(limiter, 5);
    await Promise.all(asked.settled);
    expect(asked.granted).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps the in-flight cap per process', async () => {
    const space = namespace();
    const options = { maxConcurrency: 1, ratePerSecond: 1_000, burst: 100 };
    const a = new CallLimiter({ ...options, sharedBucket: replicaBucket(space) });
    const b = new CallLimiter({ ...options, sharedBucket: replicaBucket(space) });
    const inA = ask(a, 2);
    const inB = ask(b, 1);
    await vi.waitFor(() => expect([inA.granted.length, inB.granted.length]).toEqual([1, 1]));
    expect(a.waiting).toBe(1);
    inA.releases[0]!();
    await vi.waitFor(() => expect(inA.granted).toEqual([0, 1]));
    for (const release of [...inA.releases, ...inB.releases]) release();
  });

  it('says how long until the next token when the bucket is empty', async () => {
    const bucket = replicaBucket(namespace());
    expect(await bucket.take(1, 1)).toBe(0);
    const wait = await bucket.take(1, 1);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(1_000);
  });

  it("falls back to this process's own bucket while the shared one fails", async () => {
    const unreachable: SharedTokenBucket = { take: () => Promise.reject(new Error('connection refused')) };
    const limiter = new CallLimiter({ maxConcurrency: 10, ratePerSecond: 0.001, burst: 2, sharedBucket: unreachable });
    const asked = ask(limiter, 3, AbortSignal.timeout(300));
    await vi.waitFor(() => expect(asked.granted).toEqual([0, 1]));
    const outcomes = await Promise.all(asked.settled);
    expect(outcomes.filter((outcome) => outcome !== undefined)).toHaveLength(1);
  });
});
