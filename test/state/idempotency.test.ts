/**
 * The idempotency store's contract, run over the in-memory store and the Redis one (a real
 * redis-server). Where Redis serves several replicas, "another replica" is a second store
 * over its own connection on the same keys.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryIdempotencyStore } from '../../src/core/idempotency.ts';
import { memoryStores, redisStores } from '../support/shared-stores.ts';

describe.each([memoryStores(), redisStores()])('idempotency store: $name', (kind) => {
  beforeAll(() => kind.setUp());
  afterAll(() => kind.tearDown());

  it('lets exactly one of many racing claims own a key, across replicas', async () => {
    const store = kind.create<string>();
    const other = kind.peer(store);
    const claims = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? store : other).claim('k', 'fp', `ref-${index}`)));
    const owners = claims.filter((claim) => claim.claimed);
    expect(owners).toEqual([{ claimed: true, reference: expect.stringMatching(/^ref-/), reconcile: false }]);
    expect(claims.filter((claim) => !claim.claimed)).toHaveLength(39);
    for (const claim of claims) if (!claim.claimed) expect(claim.record).toEqual({ state: 'pending', fingerprint: 'fp', reference: owners[0]!.reference });
  });

  it('replays the completed payload to every later claim, whatever its fingerprint', async () => {
    const store = kind.create<{ sale: string; total: string }>();
    await store.claim('k', 'fp', 'ref');
    await store.complete('k', { sale: 's1', total: '0.30' });
    expect(await kind.peer(store).claim('k', 'fp', 'other')).toEqual({ claimed: false, record: { state: 'done', fingerprint: 'fp', reference: 'ref', payload: { sale: 's1', total: '0.30' } } });
    expect(await store.claim('k', 'another', 'other')).toMatchObject({ claimed: false, record: { state: 'done', fingerprint: 'fp' } });
  });

  it('claims an unknown outcome again with its first reference, to reconcile — only for the same input', async () => {
    const store = kind.create<string>();
    await store.claim('k', 'fp', 'first');
    await store.markUnknown('k');
    expect(await store.claim('k', 'different', 'second')).toEqual({ claimed: false, record: { state: 'unknown', fingerprint: 'fp', reference: 'first' } });
    expect(await kind.peer(store).claim('k', 'fp', 'second')).toEqual({ claimed: true, reference: 'first', reconcile: true });
    expect(await store.claim('k', 'fp', 'third')).toMatchObject({ claimed: false, record: { state: 'pending', reference: 'first' } });
  });

  it('frees a released key for a new claim', async () => {
    const store = kind.create<string>();
    await store.claim('k', 'fp', 'first');
    await store.release('k');
    expect(await store.waitForSettled('k', 0)).toBeUndefined();
    expect(await kind.peer(store).claim('k', 'fp', 'second')).toEqual({ claimed: true, reference: 'second', reconcile: false });
  });

  it("wakes a waiter when another replica settles the key, with the settled record", async () => {
    const store = kind.create<string>();
    const other = kind.peer(store);
    await store.claim('k', 'fp', 'ref');
    const waiting = other.waitForSettled('k', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.complete('k', 'payload');
    expect(await waiting).toEqual({ state: 'done', fingerprint: 'fp', reference: 'ref', payload: 'payload' });
  });

  it('stops waiting after the timeout and answers the key still pending', async () => {
    const store = kind.create<string>();
    await store.claim('k', 'fp', 'ref');
    expect(await kind.peer(store).waitForSettled('k', 30)).toEqual({ state: 'pending', fingerprint: 'fp', reference: 'ref' });
  });

  it('forgets a key once its time to live has passed', async () => {
    const store = kind.create<string>({ ttlMs: 40 });
    await store.claim('k', 'fp', 'ref');
    await store.complete('k', 'payload');
    expect(await store.waitForSettled('k', 0)).toMatchObject({ state: 'done' });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.waitForSettled('k', 0)).toBeUndefined();
    expect(await store.claim('k', 'fp', 'new')).toEqual({ claimed: true, reference: 'new', reconcile: false });
  });

  it('keys are independent', async () => {
    const store = kind.create<string>();
    expect((await store.claim('a', 'fp', 'ra')).claimed).toBe(true);
    expect((await store.claim('b', 'fp', 'rb')).claimed).toBe(true);
    await store.complete('a', 'A');
    expect(await store.waitForSettled('b', 0)).toEqual({ state: 'pending', fingerprint: 'fp', reference: 'rb' });
  });
});

describe('Redis idempotency store: a replica that dies while writing', () => {
  const kind = redisStores();
  beforeAll(() => kind.setUp());
  afterAll(() => kind.tearDown());

  it('counts a claim whose lease ran out as unknown, so the next identical request reconciles', async () => {
    const store = kind.create<string>({ leaseMs: 30 });
    await store.claim('k', 'fp', 'ref');
    // The owner never completes (its process died).
    await new Promise((resolve) => setTimeout(resolve, 60));
    const survivor = kind.peer(store);
    expect(await survivor.waitForSettled('k', 0)).toEqual({ state: 'unknown', fingerprint: 'fp', reference: 'ref' });
    expect(await survivor.claim('k', 'fp', 'other')).toEqual({ claimed: true, reference: 'ref', reconcile: true });
  });

  it('keeps a different input out even after the lease ran out', async () => {
    const store = kind.create<string>({ leaseMs: 30 });
    await store.claim('k', 'fp', 'ref');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await kind.peer(store).claim('k', 'other-input', 'x')).toMatchObject({ claimed: false, record: { fingerprint: 'fp' } });
  });
});

describe('the in-memory idempotency store', () => {
  it('forgets expired keys that nobody asks about again, and only those', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const store = new InMemoryIdempotencyStore<string>(60_000);
      for (let index = 0; index < 100; index += 1) {
        await store.claim(`old-${index}`, 'fp', 'ref');
        await store.complete(`old-${index}`, 'payload');
      }
      await store.claim('settled-later', 'fp', 'ref');
      vi.advanceTimersByTime(30_000);
      await store.claim('claimed-later', 'fp', 'ref');
      // Settling restarts a key's time: it outlives a key claimed before it settled.
      vi.advanceTimersByTime(10_000);
      await store.complete('settled-later', 'payload');
      vi.advanceTimersByTime(20_001);
      await store.claim('new', 'fp', 'ref');
      expect([...(store as unknown as { entries: Map<string, unknown> }).entries.keys()]).toEqual(['claimed-later', 'settled-later', 'new']);
      vi.advanceTimersByTime(30_000);
      await store.claim('newer', 'fp', 'ref');
      expect([...(store as unknown as { entries: Map<string, unknown> }).entries.keys()]).toEqual(['settled-later', 'new', 'newer']);
    } finally {
      vi.useRealTimers();
    }
  });
});
