/**
 * The idempotency stores a contract test runs over: in memory, and in a real redis-server.
 * Each `create()` gives a store of its own (its own namespace in Redis), as a fresh
 * InMemoryIdempotencyStore is; `peer(store)` gives a second handle on the same keys over
 * another connection — what another replica sees.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { InMemoryIdempotencyStore, type IdempotencyStore } from '../../src/core/idempotency.ts';
import { RedisIdempotencyStore, type RedisIdempotencyOptions } from '../../src/state/idempotency.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

export interface StoreKind {
  readonly name: 'memory' | 'redis';
  /** Starts what the stores need (redis-server); call in beforeAll. */
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  create<T>(options?: RedisIdempotencyOptions & { ttlMs?: number }): IdempotencyStore<T>;
  /** The same keys, seen through another connection (another replica); memory has one process only. */
  peer<T>(store: IdempotencyStore<T>): IdempotencyStore<T>;
}

export function memoryStores(): StoreKind {
  return {
    name: 'memory',
    setUp: async () => {},
    tearDown: async () => {},
    create: <T>(options: { ttlMs?: number } = {}) => new InMemoryIdempotencyStore<T>(options.ttlMs),
    peer: (store) => store,
  };
}

export function redisStores(): StoreKind {
  let server: RedisServer | undefined;
  const connections: Redis[] = [];
  const stores: Array<RedisIdempotencyStore<unknown>> = [];
  const namespaces = new WeakMap<object, { options: RedisIdempotencyOptions }>();
  const connect = (): Redis => {
    const redis = createRedis(server!.url, { role: 'test' });
    connections.push(redis);
    return redis;
  };
  let shared: Redis | undefined;
  const make = <T>(options: RedisIdempotencyOptions, redis: Redis): RedisIdempotencyStore<T> => {
    const store = new RedisIdempotencyStore<T>(redis, options);
    stores.push(store as RedisIdempotencyStore<unknown>);
    namespaces.set(store, { options });
    return store;
  };
  return {
    name: 'redis',
    setUp: async () => {
      server = await startRedisServer();
    },
    tearDown: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await Promise.all(connections.map((redis) => closeRedis(redis)));
      await server?.stop();
    },
    // Stores of one test file share a connection; a peer has its own, as another process would.
    create: <T>(options: RedisIdempotencyOptions = {}) => make<T>({ ...options, namespace: `test-${randomUUID()}:` }, (shared ??= connect())),
    peer: <T>(store: IdempotencyStore<T>) => make<T>(namespaces.get(store)!.options, connect()),
  };
}
