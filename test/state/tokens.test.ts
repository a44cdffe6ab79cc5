/**
 * The token store's contract over memory and a real redis-server, and `sharedToken`: of
 * many callers in several replicas that find no token, one buys it and all use it.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryTokenStore, sharedToken, tokenKey, type TokenStore } from '../../src/core/token-store.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { RedisTokenStore } from '../../src/state/tokens.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

interface Kind {
  readonly name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Stores that see the same tokens: one per replica. */
  replicas(count: number): TokenStore[];
}

const memory: Kind = {
  name: 'memory',
  setUp: async () => {},
  tearDown: async () => {},
  // One process: its "replicas" are one store.
  replicas: (count) => {
    const store = new InMemoryTokenStore();
    return Array.from({ length: count }, () => store);
  },
};

function redisKind(): Kind {
  let server: RedisServer;
  const connections: Redis[] = [];
  let run = 0;
  return {
    name: 'redis',
    setUp: async () => {
      server = await startRedisServer();
    },
    tearDown: async () => {
      await Promise.all(connections.map((redis) => closeRedis(redis)));
      await server.stop();
    },
    replicas: (count) => {
      const namespace = `test-${(run += 1)}:`;
      return Array.from({ length: count }, () => {
        const redis = createRedis(server.url, { role: 'test' });
        connections.push(redis);
        return new RedisTokenStore(redis, namespace);
      });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([memory, redisKind()])('token store: $name', (kind) => {
  beforeAll(() => kind.setUp());
  afterAll(() => kind.tearDown());

  it('keeps a token until its time to live has passed', async () => {
    const [store] = kind.replicas(1);
    await store!.set('k', 'token-1', 40);
    expect(await store!.get('k')).toBe('token-1');
    await sleep(80);
    expect(await store!.get('k')).toBeUndefined();
  });

  it('deletes a refused token only while it is still the stored one', async () => {
    const [a, b] = kind.replicas(2);
    await a!.set('k', 'old', 60_000);
    // Replica b already replaced the refused token with a fresh one.
    await b!.set('k', 'fresh', 60_000);
    expect(await a!.deleteIfEqual('k', 'old')).toBe(false);
    expect(await a!.get('k')).toBe('fresh');
    expect(await b!.deleteIfEqual('k', 'fresh')).toBe(true);
    expect(await a!.get('k')).toBeUndefined();
  });

  it('gives the buying lock to one caller at a time, and only its owner releases it', async () => {
    const [a, b] = kind.replicas(2);
    const locks = await Promise.all([a!.tryLock('k', 60_000), b!.tryLock('k', 60_000), a!.tryLock('k', 60_000)]);
    expect(locks.filter(Boolean)).toHaveLength(1);
    expect(await b!.tryLock('other', 60_000)).toBeDefined();
    await locks.find(Boolean)!();
    expect(await b!.tryLock('k', 60_000)).toBeDefined();
  });

  it('lets a lock whose holder died expire', async () => {
    const [a, b] = kind.replicas(2);
    expect(await a!.tryLock('k', 30)).toBeDefined();
    expect(await b!.tryLock('k', 30)).toBeUndefined();
    await sleep(60);
    expect(await b!.tryLock('k', 30)).toBeDefined();
  });

  it('buys one token for many callers in several replicas at once', async () => {
    const replicas = kind.replicas(3);
    let bought = 0;
    const buy = async (): Promise<string> => {
      bought += 1;
      await sleep(30);
      return `token-${bought}`;
    };
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, index) => sharedToken(replicas[index % 3]!, 'k', buy, { ttlMs: 60_000 })));
    expect(bought).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
  });

  it("passes the vendor's refusal of a login to the caller, and stores nothing", async () => {
    const [store] = kind.replicas(1);
    const refusal = new Error('login refused');
    await expect(sharedToken(store!, 'k', () => Promise.reject(refusal), { ttlMs: 60_000 })).rejects.toBe(refusal);
    expect(await store!.get('k')).toBeUndefined();
    expect(await store!.tryLock('k', 60_000)).toBeDefined();
  });
});

describe('sharedToken without its store', () => {
  it('buys a token of its own when the store cannot be reached', async () => {
    const down: TokenStore = {
      get: () => Promise.reject(new Error('connection refused')),
      set: () => Promise.reject(new Error('connection refused')),
      deleteIfEqual: () => Promise.reject(new Error('connection refused')),
      tryLock: () => Promise.reject(new Error('connection refused')),
    };
    let bought = 0;
    expect(await sharedToken(down, 'k', async () => `token-${(bought += 1)}`, { ttlMs: 60_000 })).toBe('token-1');
    expect(bought).toBe(1);
  });
});

describe('tokenKey', () => {
  it('names the vendor and connection, and hides the credentials behind a hash', () => {
    const key = tokenKey('incocloud', 'paris', ['https://incocloud.com', 'app-id', 'very-secret']);
    expect(key).toMatch(/^incocloud:paris:[0-9a-f]{32}$/);
    expect(key).not.toContain('very-secret');
    expect(tokenKey('incocloud', 'paris', ['https://incocloud.com', 'app-id', 'rotated-secret'])).not.toBe(key);
  });
});
