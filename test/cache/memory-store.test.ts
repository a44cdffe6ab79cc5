import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/cache/memory-store.ts';

function clockedStore(maxEntries = 10) {
  let now = 1_000;
  const store = new MemoryStore({ maxEntries, now: () => now });
  return { store, advance: (ms: number) => (now += ms) };
}

describe('in-memory cache store', () => {
  it('serves an entry until its TTL has passed, then forgets it', async () => {
    const { store, advance } = clockedStore();
    await store.setMany([{ key: 'a', value: 1, ttlMs: 1_000 }]);
    advance(999);
    expect(await store.getMany(['a'])).toEqual([1]);
    advance(1);
    expect(await store.getMany(['a'])).toEqual([undefined]);
    expect(store.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently used first', async () => {
    const { store } = clockedStore(2);
    await store.setMany([
      { key: 'a', value: 'A', ttlMs: 60_000 },
      { key: 'b', value: 'B', ttlMs: 60_000 },
    ]);
    await store.getMany(['a']);
    await store.setMany([{ key: 'c', value: 'C', ttlMs: 60_000 }]);
    expect(await store.getMany(['a', 'b', 'c'])).toEqual(['A', undefined, 'C']);
    expect(store.size).toBe(2);
  });

  it('deletes on demand', async () => {
    const { store } = clockedStore();
    await store.setMany([{ key: 'a', value: 1, ttlMs: 60_000 }]);
    await store.deleteMany(['a', 'missing']);
    expect(await store.getMany(['a'])).toEqual([undefined]);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(/maxEntries must be a positive integer, got 0/);
  });
});
