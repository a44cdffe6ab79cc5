import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TTL_SECONDS, EntityCache, ttlSecondsOf } from '../../src/cache/entity-cache.ts';
import { MemoryStore } from '../../src/cache/memory-store.ts';
import type { BatchLoad, VendorAdapter } from '../../src/core/adapter.ts';
import type { Connection } from '../../src/core/connection.ts';
import { RequestLoaders } from '../../src/core/loaders.ts';
import type { CustomerRecord } from '../../src/core/model.ts';
import { cacheLookups } from '../../src/observability/metrics.ts';

function customer(id: string): CustomerRecord {
  return { kind: 'customer', id, name: `Customer ${id}`, firstName: null, lastName: null, company: null, email: null, phone: null, vatNumber: null, raw: {} };
}

const known = new Set(['1', '2', '3']);

/** A byIds vendor that logs every id it is asked for, and fails on demand. */
function vendor() {
  const asked: string[][] = [];
  let failing = false;
  const batch: BatchLoad<CustomerRecord> = {
    strategy: 'byIds',
    maxBatchSize: 100,
    load: async (ids) => {
      asked.push([...ids]);
      if (failing) throw new Error('vendor down');
      return ids.filter((id) => known.has(id)).map(customer);
    },
  };
  const adapter: VendorAdapter = { vendor: 'tactill', currency: 'EUR', sources: { customer: { batch } } };
  const connections = new Map<string, Connection>([['c', { id: 'c', name: 'c', vendor: 'tactill', adapter }]]);
  return { asked, connections, fail: (value: boolean) => (failing = value) };
}

async function lookups(result: 'hit' | 'miss'): Promise<number> {
  const metric = await cacheLookups.get();
  return metric.values.filter((v) => v.labels.cache === 'entity' && v.labels.kind === 'customer' && v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
}

describe('entity cache behind the request loaders', () => {
  let now: number;
  let cache: EntityCache;
  beforeEach(() => {
    now = 0;
    cache = new EntityCache(new MemoryStore({ maxEntries: 100, now: () => now }), ttlSecondsOf({}));
  });

  it('serves a record another request loaded, without asking the vendor', async () => {
    const v = vendor();
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    const hitsBefore = await lookups('hit');
    const record = await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    expect(record).toEqual(customer('1'));
    expect(v.asked).toEqual([['1']]);
    expect((await lookups('hit')) - hitsBefore).toBe(1);
  });

  it('asks the vendor for the misses only, still as one batch', async () => {
    const v = vendor();
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    const loaders = new RequestLoaders(v.connections, {}, true, cache);
    const records = await Promise.all(['1', '2', '3'].map((id) => loaders.load('c', 'customer', id)));
    expect(records.map((record) => record?.id)).toEqual(['1', '2', '3']);
    expect(v.asked).toEqual([['1'], ['2', '3']]);
    expect(loaders.calls.map((call) => call.ids)).toEqual([['2', '3']]);
  });

  it('asks again once the kind\'s TTL has passed', async () => {
    const v = vendor();
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    now += DEFAULT_TTL_SECONDS.customer * 1000 - 1;
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    expect(v.asked).toHaveLength(1);
    now += 1;
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    expect(v.asked).toHaveLength(2);
  });

  it('never keeps an unknown id or a failure', async () => {
    const v = vendor();
    expect(await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '999')).toBeNull();
    expect(await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '999')).toBeNull();
    v.fail(true);
    await expect(new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '2')).rejects.toThrow('vendor down');
    v.fail(false);
    expect(await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '2')).toEqual(customer('2'));
    expect(v.asked).toEqual([['999'], ['999'], ['2'], ['2']]);
  });

  it('stores what a list primed, so a later lookup costs nothing', async () => {
    const v = vendor();
    new RequestLoaders(v.connections, {}, true, cache).prime('c', 'customer', customer('3'));
    await cache.settled();
    await Promise.resolve();
    await cache.settled();
    expect(await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '3')).toEqual(customer('3'));
    expect(v.asked).toEqual([]);
  });

  it('reads from the vendor after bypassSharedReads, and still stores the answer', async () => {
    const v = vendor();
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    const writer = new RequestLoaders(v.connections, {}, true, cache);
    writer.bypassSharedReads();
    await writer.load('c', 'customer', '1');
    expect(v.asked).toEqual([['1'], ['1']]);
  });

  it('caches nothing of a kind whose TTL is 0, nor for the naive gateway', async () => {
    const v = vendor();
    const off = new EntityCache(new MemoryStore({ maxEntries: 100 }), ttlSecondsOf({ ttlSeconds: { customer: 0 } }));
    await new RequestLoaders(v.connections, {}, true, off).load('c', 'customer', '1');
    await new RequestLoaders(v.connections, {}, true, off).load('c', 'customer', '1');
    await new RequestLoaders(v.connections, {}, false, cache).load('c', 'customer', '2');
    await new RequestLoaders(v.connections, {}, false, cache).load('c', 'customer', '2');
    expect(v.asked).toEqual([['1'], ['1'], ['2'], ['2']]);
  });

  it('forgets records our own write changed', async () => {
    const v = vendor();
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    await cache.invalidate('c', 'customer', ['1']);
    await new RequestLoaders(v.connections, {}, true, cache).load('c', 'customer', '1');
    expect(v.asked).toEqual([['1'], ['1']]);
  });

  it('treats an unreachable store as a miss, never as a failed lookup', async () => {
    const v = vendor();
    const broken = new EntityCache(
      { getMany: () => Promise.reject(new Error('down')), setMany: () => Promise.reject(new Error('down')), deleteMany: () => Promise.reject(new Error('down')) },
      ttlSecondsOf({}),
    );
    expect(await new RequestLoaders(v.connections, {}, true, broken).load('c', 'customer', '1')).toEqual(customer('1'));
    await expect(broken.invalidate('c', 'customer', ['1'])).resolves.toBeUndefined();
  });
});
