/**
 * The entity cache in Redis, shared by every replica. Each record is one string key
 * (`posgraph:entity:<connection>:<kind>:<id>` with the shared connection's prefix) written
 * with its TTL, in the exact encoding of codec.ts. A batch is one MGET; a store is one
 * pipeline of SET … PX.
 */
import type { Redis } from 'ioredis';
import { decodeCacheValue, encodeCacheValue } from './codec.ts';
import type { CacheStore } from './entity-cache.ts';

export class RedisStore implements CacheStore {
  constructor(private readonly redis: Redis) {}

  async getMany(keys: readonly string[]): Promise<Array<unknown | undefined>> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.map((text) => {
      if (text === null) return undefined;
      try {
        return decodeCacheValue(text);
      } catch {
        // An entry this version cannot read (written by another, or damaged) is a miss.
        return undefined;
      }
    });
  }

  async setMany(entries: ReadonlyArray<{ readonly key: string; readonly value: unknown; readonly ttlMs: number }>): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    let queued = 0;
    for (const { key, value, ttlMs } of entries) {
      let text: string;
      try {
        text = encodeCacheValue(value);
      } catch {
        continue; // a record that cannot be stored exactly is not stored at all
      }
      pipeline.set(key, text, 'PX', Math.max(1, Math.round(ttlMs)));
      queued += 1;
    }
    if (queued > 0) await pipeline.exec();
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys);
  }
}
