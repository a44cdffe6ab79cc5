/**
 * The shared lane over a real redis-server, each "replica" with a Redis connection of its
 * own: the mutex lets one holder through at a time and serves waiters in the order they
 * came, a crashed holder's lease frees the lock, a waiter whose signal fires stops waiting
 * and leaves its place; the counter never answers a value twice nor goes backwards; and
 * Redis out of reach is reported once, without waiting for it on every call.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Unlock } from '../../src/core/shared-lane.ts';
import { LaneUnavailableError, RedisCounter, RedisLanes, RedisMutex } from '../../src/state/lane.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { captureLogger } from '../capture-logger.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

let server: RedisServer;
const connections: Redis[] = [];
/** Reads what the lanes wrote. */
let inspector: Redis;
let run = 0;

beforeAll(async () => {
  server = await startRedisServer();
  inspector = connect();
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => closeRedis(redis)));
  await server?.stop();
});

function connect(url = server.url): Redis {
  const redis = createRedis(url, { role: 'test' });
  connections.push(redis);
  return redis;
}

/** Mutexes that share one namespace, each over its own connection: one per replica. */
function replicaMutexes(count: number): { mutexes: RedisMutex[]; redis: Redis[]; namespace: string } {
  const namespace = `lane-test-${(run += 1)}:`;
  const redis = Array.from({ length: count }, () => connect());
  return { namespace, redis, mutexes: redis.map((connection) => new RedisMutex(connection, { namespace })) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `count` waiters queue for `key` (they have looked at the taken lock at least once). */
async function waitersQueued(namespace: string, key: string, count: number): Promise<void> {
  while ((await inspector.zcard(`${namespace}${key}:queue`)) < count) await sleep(2);
}

describe('RedisMutex', () => {
  it('lets one holder through at a time, whichever replica asks', async () => {
    const { mutexes } = replicaMutexes(4);
    let inside = 0;
    let mostInside = 0;
    let entries = 0;
    await Promise.all(
      mutexes.flatMap((mutex) =>
        Array.from({ length: 5 }, async () => {
          const unlock = await mutex.lock('shop', { leaseMs: 10_000 });
          inside += 1;
          entries += 1;
          mostInside = Math.max(mostInside, inside);
          await sleep(1);
          inside -= 1;
          await unlock();
        }),
      ),
    );
    expect(entries).toBe(20);
    expect(mostInside).toBe(1);
  });

  it('keeps lanes of different keys apart', async () => {
    const { mutexes } = replicaMutexes(2);
    const first = await mutexes[0]!.lock('sofia', { leaseMs: 10_000 });
    const second = await mutexes[1]!.lock('plovdiv', { leaseMs: 10_000 });
    await Promise.all([first(), second()]);
  });

  it('serves waiters in the order they came: a replica that gives the lock back and asks again queues behind the others', async () => {
    const { mutexes, namespace } = replicaMutexes(3);
    const [busy, second, third] = mutexes as [RedisMutex, RedisMutex, RedisMutex];
    const order: string[] = [];
    const take = async (mutex: RedisMutex, name: string): Promise<Unlock> => {
      const unlock = await mutex.lock('shop', { leaseMs: 10_000 });
      order.push(name);
      return unlock;
    };
    const held = await take(busy, 'busy');
    const secondTurn = take(second, 'second');
    await waitersQueued(namespace, 'shop', 1);
    const thirdTurn = take(third, 'third');
    await waitersQueued(namespace, 'shop', 2);
    await held();
    const busyAgain = take(busy, 'busy');
    await (await secondTurn)();
    await (await thirdTurn)();
    await (await busyAgain)();
    expect(order).toEqual(['busy', 'second', 'third', 'busy']);
  });

  it('frees the lock of a holder that died when its lease runs out', async () => {
    const { mutexes, redis, namespace } = replicaMutexes(2);
    await mutexes[0]!.lock('shop', { leaseMs: 300 });
    // The holder's process is gone: its connection closes and it never gives the lock back.
    redis[0]!.disconnect();
    const lockKey = `${namespace}shop:lock`;
    expect(await inspector.pttl(lockKey)).toBeGreaterThan(0);
    const unlock = await mutexes[1]!.lock('shop', { leaseMs: 10_000 });
    expect(await inspector.pttl(lockKey)).toBeGreaterThan(300);
    await unlock();
    expect(await inspector.exists(lockKey)).toBe(0);
  });

  it("does not let a holder whose lease ran out free its successor's lock", async () => {
    const { mutexes } = replicaMutexes(3);
    const late = await mutexes[0]!.lock('shop', { leaseMs: 100 });
    const successor = await mutexes[1]!.lock('shop', { leaseMs: 10_000 });
    await late();
    // Still the successor's: a third replica waits until its signal fires.
    const refused = mutexes[2]!.lock('shop', { leaseMs: 10_000, signal: AbortSignal.timeout(150) });
    await expect(refused).rejects.toMatchObject({ name: 'TimeoutError' });
    await successor();
    await (await mutexes[2]!.lock('shop', { leaseMs: 10_000 }))();
  });

  it('stops waiting when the signal fires, and leaves its place in the queue', async () => {
    const { mutexes, namespace } = replicaMutexes(3);
    const held = await mutexes[0]!.lock('shop', { leaseMs: 10_000 });
    const controller = new AbortController();
    const gaveUp = mutexes[1]!.lock('shop', { leaseMs: 10_000, signal: controller.signal });
    await waitersQueued(namespace, 'shop', 1);
    controller.abort(new Error('the request ended'));
    await expect(gaveUp).rejects.toThrow('the request ended');
    expect(await inspector.zcard(`${namespace}shop:queue`)).toBe(0);
    // The next waiter is not held up by the one that left: it takes the lock as soon as it is free.
    await held();
    const unlock = await mutexes[2]!.lock('shop', { leaseMs: 10_000 });
    await unlock();
  });

  it('takes nothing for a signal that has already fired', async () => {
    const { mutexes, namespace } = replicaMutexes(1);
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(mutexes[0]!.lock('shop', { leaseMs: 10_000, signal: controller.signal })).rejects.toThrow('too late');
    expect(await inspector.exists(`${namespace}shop:lock`)).toBe(0);
  });
});

describe('RedisCounter', () => {
  it('answers max(last + 1, floor): never below the floor, never going backwards', async () => {
    const counter = new RedisCounter(connect(), `counter-test-${(run += 1)}:`);
    expect(await counter.next('shop', 1_700_000_000)).toBe(1_700_000_000);
    expect(await counter.next('shop', 1_700_000_000)).toBe(1_700_000_001);
    // A caller whose clock is behind still gets a higher value.
    expect(await counter.next('shop', 1_600_000_000)).toBe(1_700_000_002);
    expect(await counter.next('shop', 1_800_000_000)).toBe(1_800_000_000);
    expect(await counter.next('other', 5)).toBe(5);
  });

  it('never answers a value twice to replicas asking at once, each seeing its own values rise', async () => {
    const namespace = `counter-test-${(run += 1)}:`;
    const counters = Array.from({ length: 4 }, () => new RedisCounter(connect(), namespace));
    const seen = await Promise.all(
      counters.map(async (counter, index) => {
        const values: number[] = [];
        for (let call = 0; call < 25; call += 1) values.push(await counter.next('shop', 1_000 + index * 7));
        return values;
      }),
    );
    for (const values of seen) for (let i = 1; i < values.length; i += 1) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(new Set(seen.flat()).size).toBe(100);
  });

  it('keeps the counter without expiry, so it cannot restart below values it handed out', async () => {
    const namespace = `counter-test-${(run += 1)}:`;
    await new RedisCounter(connect(), namespace).next('shop', 42);
    expect(await inspector.pttl(`${namespace}shop:counter`)).toBe(-1);
  });

  it('refuses a floor that Lua numbers would not hold exactly', async () => {
    const counter = new RedisCounter(connect(), `counter-test-${(run += 1)}:`);
    await expect(counter.next('shop', 2 ** 53)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('RedisLanes when Redis is out of reach', () => {
  it('rejects, says so in one warn line without the URL password, and leaves Redis alone while cooling off', async () => {
    const gone = await startRedisServer();
    await gone.stop();
    const redis = connect(gone.url.replace('redis://', 'redis://:hunter2-password@'));
    const { logger, lines } = captureLogger('info');
    const lanes = new RedisLanes(redis, { logger, namespace: `lanes-test-${(run += 1)}:`, coolOffMs: 60_000 });

    await expect(lanes.lock('icash:abc', { leaseMs: 1_000 })).rejects.toBeInstanceOf(Error);
    await expect(lanes.next('icash:abc', 1)).rejects.toBeInstanceOf(LaneUnavailableError);
    await expect(lanes.lock('icash:abc', { leaseMs: 1_000 })).rejects.toBeInstanceOf(LaneUnavailableError);

    const warnings = lines.filter((line) => line.msg === 'Shared lane unavailable; this process orders its own calls only');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, lane: 'icash:abc' });
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('does not count an abandoned wait as Redis failing', async () => {
    const { logger, lines } = captureLogger('info');
    const namespace = `lanes-test-${(run += 1)}:`;
    const holder = new RedisLanes(connect(), { namespace });
    const waiter = new RedisLanes(connect(), { logger, namespace });
    const held = await holder.lock('icash:abc', { leaseMs: 10_000 });
    await expect(waiter.lock('icash:abc', { leaseMs: 10_000, signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
    await held();
    await (await waiter.lock('icash:abc', { leaseMs: 10_000 }))();
    expect(await waiter.next('icash:abc', 1)).toBe(1);
    expect(lines).toEqual([]);
  });
});
