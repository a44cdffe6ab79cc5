import { describe, expect, it } from 'vitest';
import { ResponseStore, ttlPerCoordinate } from '../../src/cache/response-cache.ts';
import { DEFAULT_TTL_SECONDS } from '../../src/cache/entity-cache.ts';

describe('response store', () => {
  it('stamps what it keeps with Cache-Control, and adds Age when it serves it again', async () => {
    let now = 50_000;
    const store = new ResponseStore(
      (() => {
        const kept = new Map<string, unknown>();
        return { set: (id: string, data: unknown) => void kept.set(id, JSON.parse(JSON.stringify(data))), get: (id: string) => (kept.get(id) as never) ?? null, invalidate: () => {} };
      })(),
      () => now,
    );
    const result = { data: { a: 1 } };
    store.set('k', result, [], 300_000);
    expect((result as { extensions?: any }).extensions.http.headers['Cache-Control']).toBe('private, max-age=300');
    now += 12_500;
    const served = (await store.get('k')) as { extensions: any };
    expect(served.extensions.http.headers).toEqual({ 'Cache-Control': 'private, max-age=300', Age: '12' });
  });

  it('answers a miss, not an error, when its store cannot be reached', async () => {
    const down = new ResponseStore({ set: () => Promise.reject(new Error('down')), get: () => Promise.reject(new Error('down')), invalidate: () => Promise.reject(new Error('down')) });
    expect(await down.get('k')).toBeNull();
    down.set('k', { data: {} }, [], 1_000);
    await expect(down.invalidate([{ typename: 'Sale' }])).resolves.toBeUndefined();
    await expect(down.settled()).resolves.toBeUndefined();
  });

  it('gives each kind\'s types its TTL, and never caches introspection or live health', () => {
    const ttls = ttlPerCoordinate(DEFAULT_TTL_SECONDS);
    expect(ttls).toMatchObject({ Item: 300_000, ItemConnection: 300_000, SaleEdge: 10_000, Customer: 60_000, ConnectionHealth: 0, 'Query.__schema': 0, 'Query.__type': 0 });
  });
});
