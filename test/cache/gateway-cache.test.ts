import { describe, expect, it } from 'vitest';
import { GatewayCache, invalidateAfterWrite } from '../../src/cache/gateway-cache.ts';
import { encodeGlobalId } from '../../src/core/ids.ts';
import type { ItemRecord, PaymentRecord, SaleRecord } from '../../src/core/model.ts';

const money = (amount: string) => ({ amount, currency: 'EUR' });
const item = (id: string): ItemRecord => ({ kind: 'item', id, name: `Item ${id}`, code: null, barcode: null, price: money('1.00'), taxRate: null, category: null, stock: '5', raw: {} });
const payment: PaymentRecord = { kind: 'payment', id: 'p1', saleId: 's1', method: 'Cash', methodType: 'CASH', amount: money('2.00'), createdAt: null, cashbookId: null, raw: {} };
const sale: SaleRecord = {
  kind: 'sale',
  id: 's1',
  number: '1',
  createdAt: '2026-11-20T10:00:00.000Z',
  total: money('2.00'),
  locationId: null,
  customerId: null,
  cashbookId: null,
  note: null,
  lines: [{ itemId: 'i1', name: null, quantity: '2', unitPrice: money('1.00'), discount: money('0.00'), total: money('2.00'), taxRate: null }],
  payments: [payment],
  raw: {},
};

async function cachedIds(cache: GatewayCache, kind: 'item' | 'payment' | 'sale', ids: string[]): Promise<string[]> {
  return [...(await cache.entities.getMany('c', kind, ids)).keys()];
}

describe('what our own writes invalidate', () => {
  it('a sale: its record, its payments, the sold items — not the other items', async () => {
    const cache = new GatewayCache();
    await cache.entities.setMany('c', 'item', [item('i1'), item('i2')]);
    await cache.entities.setMany('c', 'payment', [payment]);
    await cache.entities.setMany('c', 'sale', [sale]);
    await cache.afterWrite('c', 'sale', sale);
    expect(await cachedIds(cache, 'item', ['i1', 'i2'])).toEqual(['i2']);
    expect(await cachedIds(cache, 'payment', ['p1'])).toEqual([]);
    expect(await cachedIds(cache, 'sale', ['s1'])).toEqual([]);
  });

  it('a sale: every answer holding sales or payments, and the answers holding a sold item', async () => {
    const cache = new GatewayCache();
    const store = cache.responses;
    const answer = (name: string) => ({ data: { name } });
    store.set('sales-list', answer('sales'), [{ typename: 'SaleConnection' }], 60_000);
    store.set('payments-list', answer('payments'), [{ typename: 'Payment', id: 'x' }], 60_000);
    store.set('sold-item', answer('i1'), [{ typename: 'Item', id: encodeGlobalId({ type: 'Item', connection: 'c', id: 'i1' }) }], 60_000);
    store.set('other-item', answer('i2'), [{ typename: 'Item', id: encodeGlobalId({ type: 'Item', connection: 'c', id: 'i2' }) }], 60_000);
    store.set('customers', answer('customers'), [{ typename: 'Customer', id: 'y' }], 60_000);
    await cache.settled();
    await cache.afterWrite('c', 'sale', sale);
    const left = await Promise.all(['sales-list', 'payments-list', 'sold-item', 'other-item', 'customers'].map(async (key) => [key, (await store.get(key))?.data]));
    expect(left).toEqual([
      ['sales-list', undefined],
      ['payments-list', undefined],
      ['sold-item', undefined],
      ['other-item', { name: 'i2' }],
      ['customers', { name: 'customers' }],
    ]);
  });

  it('runs only when something was or may have been written', async () => {
    const cache = new GatewayCache();
    await cache.entities.setMany('c', 'sale', [sale]);
    await invalidateAfterWrite({ cache }, 'c', 'sale', { record: null, errors: [{ code: 'VALIDATION', field: 'lines', message: 'no lines' }] });
    expect(await cachedIds(cache, 'sale', ['s1'])).toEqual(['s1']);
    // The outcome is unknown: the cashbook being closed may have changed.
    await cache.entities.setMany('c', 'cashbook', [{ kind: 'cashbook', id: 'k1', name: null, state: 'OPEN', openedAt: null, closedAt: null, openingAmount: null, closingAmount: null, locationId: null, raw: {} }]);
    await invalidateAfterWrite({ cache }, 'c', 'cashbook', { record: null, errors: [{ code: 'OUTCOME_UNKNOWN', field: null, message: 'lost' }] }, ['k1']);
    expect([...(await cache.entities.getMany('c', 'cashbook', ['k1'])).keys()]).toEqual([]);
    await expect(invalidateAfterWrite({}, 'c', 'sale', { record: sale, errors: [] })).resolves.toBeUndefined();
  });

  it('refuses a negative TTL', () => {
    expect(() => new GatewayCache({ ttlSeconds: { sale: -1 } })).toThrow('cache.ttlSeconds.sale must be 0 or more seconds, got -1');
  });
});
