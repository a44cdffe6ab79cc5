/**
 * Vendor tokens in Redis, shared by every replica (the contract is core/token-store.ts).
 * The lock is `SET NX PX` with an owner id, released only by its owner; both deletes
 * compare before they remove, atomically, in a script.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TokenStore } from '../core/token-store.ts';
import { deleteIfEqual } from './redis.ts';

export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: Redis,
    /** Under the connection's `posgraph:` prefix; tests give each store its own. */
    private readonly namespace = 'token:',
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.valueKey(key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.valueKey(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async deleteIfEqual(key: string, value: string): Promise<boolean> {
    return deleteIfEqual(this.redis, this.valueKey(key), value);
  }

  async tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const owner = randomUUID();
    const lock = this.lockKey(key);
    const taken = await this.redis.set(lock, owner, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    if (taken !== 'OK') return undefined;
    return async () => {
      await deleteIfEqual(this.redis, lock, owner);
    };
  }

  private valueKey(key: string): string {
    return `${this.namespace}${key}`;
  }

  private lockKey(key: string): string {
    return `${this.namespace}lock:${key}`;
  }
}
