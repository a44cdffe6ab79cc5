/**
 * The entity cache of one process: a map bounded by entry count, least recently used out
 * first, each entry dropped once its TTL has passed. Records are kept as they are (they are
 * never mutated once read), so nothing is copied or serialised.
 */
import type { CacheStore } from './entity-cache.ts';

interface Entry {
  readonly value: unknown;
  readonly expiresAt: number;
}

export interface MemoryStoreOptions {
  readonly maxEntries: number;
  /** Milliseconds; Date.now unless a test controls time. */
  readonly now?: () => number;
}

export class MemoryStore implements CacheStore {
  // A Map iterates in insertion order; re-inserting on each hit keeps the least recently used first.
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async getMany(keys: readonly string[]): Promise<Array<unknown | undefined>> {
    const now = this.now();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      if (!entry) return undefined;
      this.entries.delete(key);
      if (entry.expiresAt <= now) return undefined;
      this.entries.set(key, entry);
      return entry.value;
    });
  }

  async setMany(entries: ReadonlyArray<{ readonly key: string; readonly value: unknown; readonly ttlMs: number }>): Promise<void> {
    const now = this.now();
    for (const { key, value, ttlMs } of entries) {
      this.entries.delete(key);
      this.entries.set(key, { value, expiresAt: now + ttlMs });
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }
}
