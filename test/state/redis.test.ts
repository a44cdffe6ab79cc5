/**
 * The Redis connection and the shared state built on it: keys under `posgraph:`, memory
 * without a URL, and — with Redis away — a logged warning that keeps the password out, and
 * writes refused with SHARED_STATE_UNAVAILABLE rather than risked twice.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WriteOutcome } from '../../src/core/write-once.ts';
import { RedisIdempotencyStore } from '../../src/state/idempotency.ts';
import { closeRedis, createRedis, redactRedisUrl } from '../../src/state/redis.ts';
import { createSharedState } from '../../src/state/shared-state.ts';
import { captureLogger } from '../capture-logger.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('shared state', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  it('lives in this process without REDIS_URL', async () => {
    const state = createSharedState({});
    expect([state.kind, state.rateBudgets, state.redis]).toEqual(['memory', undefined, undefined]);
    expect(await state.idempotency.claim('k', 'fp', 'ref')).toEqual({ claimed: true, reference: 'ref', reconcile: false });
    await state.close();
  });

  it('keeps every key it writes under posgraph:', async () => {
    const state = createSharedState({ redisUrl: server.url });
    await state.idempotency.claim('["t","createSale","k"]', 'fp', 'ref');
    await state.tokens.set('kash:paris:abc', 'token', 60_000);
    await state.rateBudgets!.bucket('paris').take(20, 100);
    const inspector = createRedis(server.url, { role: 'test' });
    const keys = (await inspector.call('KEYS', '*')) as string[];
    await closeRedis(inspector);
    await state.close();
    expect(keys.sort()).toEqual([
      expect.stringMatching(/^posgraph:idempotency:[0-9a-f]{64}$/),
      'posgraph:rate:paris',
      'posgraph:token:kash:paris:abc',
    ]);
  });
});

describe('Redis out of reach', () => {
  it('masks the password of the URL', () => {
    expect(redactRedisUrl('redis://:s3cret@cache.internal:6380/2')).toBe('redis://:***@cache.internal:6380/2');
    expect(redactRedisUrl('rediss://app:s3cret@cache.internal')).toBe('rediss://***:***@cache.internal');
  });

  it('logs that Redis is unavailable without the password, and refuses the claim with SHARED_STATE_UNAVAILABLE', async () => {
    const { logger, lines } = captureLogger();
    const redis = createRedis(`redis://:s3cret-password@127.0.0.1:${await closedPort()}`, { role: 'shared-state', logger });
    const store = new RedisIdempotencyStore<WriteOutcome<unknown>>(redis);
    await expect(store.claim('k', 'fp', 'ref')).rejects.toMatchObject({ extensions: { code: 'SHARED_STATE_UNAVAILABLE', retryable: true } });
    await vi.waitFor(() => expect(lines.some((line) => line.msg === 'Redis unavailable; retrying')).toBe(true));
    expect(JSON.stringify(lines)).not.toContain('s3cret-password');
    await store.close();
    await closeRedis(redis);
  });
});
