import { describe, expect, it } from 'vitest';
import type { BatchLoad, VendorAdapter } from '../../src/core/adapter.ts';
import type { Connection } from '../../src/core/connection.ts';
import { RequestLoaders } from '../../src/core/loaders.ts';
import type { CustomerRecord } from '../../src/core/model.ts';

function customer(id: string): CustomerRecord {
  return { kind: 'customer', id, name: `Customer ${id}`, firstName: null, lastName: null, company: null, email: null, phone: null, vatNumber: null, raw: {} };
}

function loadersWith(batch: BatchLoad<CustomerRecord>): RequestLoaders {
  const adapter: VendorAdapter = { vendor: 'tactill', currency: 'EUR', sources: { customer: { batch } } };
  const connection: Connection = { id: 'c', name: 'c', vendor: 'tactill', adapter };
  return new RequestLoaders(new Map([['c', connection]]));
}

const known = new Set(Array.from({ length: 300 }, (_, i) => String(i + 1)));

describe('request loaders', () => {
  it('coalesces the ids asked for in one tick into one byIds call, chunked at the vendor maximum', async () => {
    const calls: string[][] = [];
    const loaders = loadersWith({
      strategy: 'byIds',
      maxBatchSize: 100,
      load: async (ids) => {
        calls.push([...ids]);
        return ids.filter((id) => known.has(id)).map(customer);
      },
    });
    const ids = Array.from({ length: 250 }, (_, i) => String(i + 1));
    const records = await Promise.all([...ids, ...ids].map((id) => loaders.load('c', 'customer', id)));
    expect(records.map((record) => record?.id)).toEqual([...ids, ...ids]);
    expect(calls.map((call) => call.length)).toEqual([100, 100, 50]);
    expect(loaders.calls).toHaveLength(3);
  });

  it('scans a whole list once per request, however many batches ask', async () => {
    let scans = 0;
    const loaders = loadersWith({
      strategy: 'scan',
      load: async () => {
        scans += 1;
        return [...known].map(customer);
      },
    });
    await Promise.all(['1', '2'].map((id) => loaders.load('c', 'customer', id)));
    await loaders.load('c', 'customer', '3');
    expect(await loaders.load('c', 'customer', '999')).toBeNull();
    expect(scans).toBe(1);
  });

  it('calls one id at a time with bounded concurrency for `each`', async () => {
    let inFlight = 0;
    let peak = 0;
    const loaders = loadersWith({
      strategy: 'each',
      concurrency: 3,
      load: async (id) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return known.has(id) ? customer(id) : null;
      },
    });
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => loaders.load('c', 'customer', String(i + 1))));
    expect(records.every((record) => record !== null)).toBe(true);
    expect(peak).toBe(3);
  });

  it('fails only the key whose `each` call failed', async () => {
    const loaders = loadersWith({
      strategy: 'each',
      concurrency: 2,
      load: async (id) => {
        if (id === '2') throw new Error('vendor said no');
        return customer(id);
      },
    });
    const results = await Promise.allSettled(['1', '2', '3'].map((id) => loaders.load('c', 'customer', id)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('fails every key of a failed byIds batch with that error', async () => {
    const loaders = loadersWith({ strategy: 'byIds', maxBatchSize: 10, load: async () => Promise.reject(new Error('down')) });
    const results = await Promise.allSettled(['1', '2'].map((id) => loaders.load('c', 'customer', id)));
    expect(results.map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['down', 'down']);
  });

  it('serves primed records without a call', async () => {
    const loaders = loadersWith({ strategy: 'byIds', maxBatchSize: 10, load: async () => Promise.reject(new Error('must not be called')) });
    loaders.prime('c', 'customer', customer('7'));
    expect((await loaders.load('c', 'customer', '7'))?.name).toBe('Customer 7');
    expect(loaders.calls).toHaveLength(0);
  });

  it('answers null for a kind the vendor cannot look up, without a call', async () => {
    const loaders = loadersWith({ strategy: 'byIds', maxBatchSize: 10, load: async () => [] });
    expect(await loaders.load('c', 'booking', '1')).toBeNull();
    expect(loaders.calls).toHaveLength(0);
  });

  it('fails only the key whose record the vendor sent malformed', async () => {
    const loaders = loadersWith({
      strategy: 'byIds',
      maxBatchSize: 10,
      load: async (ids) => ids.map((id) => (id === '2' ? { id: '2', reason: 'email is not a string' } : customer(id))),
    });
    const results = await Promise.allSettled(['1', '2', '3'].map((id) => loaders.load('c', 'customer', id)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
  });
});
