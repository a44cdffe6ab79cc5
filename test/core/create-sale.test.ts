import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteRefusedError, type SaleDraft, type SaleWriter, type VendorAdapter } from '../../src/core/adapter.ts';
import type { Connection } from '../../src/core/connection.ts';
import { createSale, type CreateSaleInput } from '../../src/core/create-sale.ts';
import type { WriteOutcome, WriteStore } from '../../src/core/write-once.ts';
import { VendorTimeoutError, VendorUnavailableError } from '../../src/core/errors.ts';
import type { ItemRecord, SaleRecord } from '../../src/core/model.ts';
import { memoryStores, redisStores } from '../support/shared-stores.ts';

const items: Record<string, ItemRecord> = Object.fromEntries(
  [['1', '0.10'], ['2', '0.20'], ['3', '1.005']].map(([id, price]) => [
    id,
    { kind: 'item', id: id!, name: `Item ${id}`, code: null, barcode: null, price: { amount: price!, currency: 'EUR' }, taxRate: '20', category: null, stock: null, raw: {} },
  ]),
);

/** A vendor that stores sales in memory; `failNext` makes the next write fail after (or before) storing. */
function fakeVendor() {
  const sales: Array<SaleRecord & { reference: string }> = [];
  const vendor = {
    sales,
    writes: 0,
    lookups: 0,
    failNext: null as null | 'timeout-after-write' | 'timeout-before-write' | 'failure-before-write',
    lookupsFail: false,
  };
  const writer: SaleWriter = {
    unitPricePlaces: 4,
    quantityPlaces: 3,
    async create(draft: SaleDraft) {
      vendor.writes += 1;
      await new Promise((resolve) => setImmediate(resolve));
      const failure = vendor.failNext;
      vendor.failNext = null;
      if (failure === 'timeout-before-write') throw new VendorTimeoutError({ vendor: 'tactill', connection: 'c' });
      if (failure === 'failure-before-write') throw new VendorUnavailableError({ vendor: 'tactill', connection: 'c', status: 503 });
      if (draft.payments.some((payment) => payment.method === 'bitcoin')) throw new WriteRefusedError('VALIDATION', 'Unknown payment method bitcoin', 'payments[0].method');
      const sale = {
        kind: 'sale' as const,
        id: String(sales.length + 1),
        number: `N${sales.length + 1}`,
        createdAt: '2026-11-20T10:00:00Z',
        total: { amount: draft.total.toFixedAtLeast(2), currency: 'EUR' },
        locationId: null,
        customerId: null,
        cashbookId: null,
        note: draft.note,
        lines: draft.lines.map((line) => ({ itemId: line.itemId, name: line.item.name, quantity: line.quantity.toString(), unitPrice: { amount: line.unitPrice.toString(), currency: 'EUR' }, discount: { amount: line.discount.toFixedAtLeast(2), currency: 'EUR' }, total: { amount: line.total.toFixedAtLeast(2), currency: 'EUR' }, taxRate: null })),
        payments: [],
        raw: {},
        reference: draft.reference,
      };
      sales.push(sale);
      if (failure === 'timeout-after-write') throw new VendorTimeoutError({ vendor: 'tactill', connection: 'c' });
      return sale;
    },
    async findByReference(draft) {
      vendor.lookups += 1;
      if (vendor.lookupsFail) throw new VendorTimeoutError({ vendor: 'tactill', connection: 'c' });
      return sales.find((sale) => sale.reference === draft.reference) ?? null;
    },
  };
  const adapter: VendorAdapter = { vendor: 'tactill', currency: 'EUR', sources: {}, writers: { sale: writer } };
  const connection: Connection = { id: 'c', name: 'c', vendor: 'tactill', adapter };
  return { vendor, connection };
}

const input = (overrides: Partial<CreateSaleInput> = {}): CreateSaleInput => ({
  locationId: null,
  customerId: null,
  lines: [
    { itemId: '1', quantity: '1', unitPrice: null, discount: null },
    { itemId: '2', quantity: '1', unitPrice: null, discount: null },
  ],
  payments: [{ method: 'CASH', amount: { amount: '0.30', currency: 'EUR' } }],
  note: null,
  ...overrides,
});

function run(connection: Connection, store: WriteStore, key: string, saleInput = input()) {
  return createSale(
    { tenant: 't', idempotencyKey: key, connection, input: saleInput },
    { store, loadItems: async (ids) => ids.map((id) => items[id] ?? null), options: {} },
  );
}

// The same specification whichever store holds the keys: this process's memory, or Redis.
describe.each([memoryStores(), redisStores()])('createSale (idempotency keys in $name)', (kind) => {
  beforeAll(() => kind.setUp());
  afterAll(() => kind.tearDown());
  const newStore = (): WriteStore => kind.create<WriteOutcome<unknown>>();

  it('writes a sale whose total is exactly the sum of its lines: 0.10 + 0.20 = 0.30', async () => {
    const { vendor, connection } = fakeVendor();
    const outcome = await run(connection, newStore(), 'k1');
    expect(outcome.errors).toEqual([]);
    expect(outcome.record?.total).toEqual({ amount: '0.30', currency: 'EUR' });
    expect(vendor.sales).toHaveLength(1);
  });

  it('writes once when 50 identical requests race on one key, and answers all of them alike', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => run(connection, store, 'race')));
    expect(vendor.writes).toBe(1);
    expect(new Set(outcomes.map((outcome) => outcome.record?.id))).toEqual(new Set(['1']));
  });

  it('writes once when identical requests race through two replicas of the gateway', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    const replicas = [store, kind.peer(store)];
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, index) => run(connection, replicas[index % 2]!, 'replicas')));
    expect(vendor.writes).toBe(1);
    expect(new Set(outcomes.map((outcome) => outcome.record?.id))).toEqual(new Set(['1']));
  });

  it('refuses the same key with a different input', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    await run(connection, store, 'k');
    const outcome = await run(connection, store, 'k', input({ note: 'changed' }));
    expect(outcome.errors).toEqual([{ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey', message: expect.any(String) }]);
    expect(vendor.writes).toBe(1);
  });

  it('validates before any write and names each field at fault', async () => {
    const { vendor, connection } = fakeVendor();
    const outcome = await run(
      connection,
      newStore(),
      'v',
      input({
        lines: [
          { itemId: '404', quantity: '1', unitPrice: null, discount: null },
          { itemId: '1', quantity: '0', unitPrice: null, discount: null },
          { itemId: '1', quantity: '1.0001', unitPrice: null, discount: null },
          { itemId: '1', quantity: '1', unitPrice: { amount: '1.00', currency: 'USD' }, discount: null },
          { itemId: '1', quantity: '1', unitPrice: { amount: '1.00001', currency: 'EUR' }, discount: null },
          { itemId: '1', quantity: '1', unitPrice: null, discount: { amount: '5.00', currency: 'EUR' } },
        ],
      }),
    );
    expect(outcome.errors.map((error) => [error.code, error.field])).toEqual([
      ['NOT_FOUND', 'lines[0].item'],
      ['VALIDATION', 'lines[1].quantity'],
      ['VALIDATION', 'lines[2].quantity'],
      ['VALIDATION', 'lines[3].unitPrice'],
      ['VALIDATION', 'lines[4].unitPrice'],
      ['VALIDATION', 'lines[5].discount'],
    ]);
    expect(vendor.writes).toBe(0);
  });

  it('refuses payments that do not add up to the total, and a sale without lines', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    const short = await run(connection, store, 'p', input({ payments: [{ method: 'CASH', amount: { amount: '0.29', currency: 'EUR' } }] }));
    expect(short.errors).toEqual([{ code: 'VALIDATION', field: 'payments', message: 'payments add up to 0.29, the sale totals 0.30' }]);
    const empty = await run(connection, store, 'e', input({ lines: [], payments: null }));
    expect(empty.errors[0]).toMatchObject({ code: 'VALIDATION', field: 'lines' });
    expect(vendor.writes).toBe(0);
  });

  it('rounds each line half away from zero: 1 × 1.005 is 1.01', async () => {
    const { connection } = fakeVendor();
    const outcome = await run(connection, newStore(), 'r', input({ lines: [{ itemId: '3', quantity: '1', unitPrice: null, discount: null }], payments: null }));
    expect(outcome.record?.total.amount).toBe('1.01');
  });

  it("reports the vendor's refusal as a typed error and replays it for the same key", async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    const bitcoin = input({ payments: [{ method: 'bitcoin', amount: { amount: '0.30', currency: 'EUR' } }] });
    const first = await run(connection, store, 'b', bitcoin);
    const again = await run(connection, store, 'b', bitcoin);
    expect(first.errors).toEqual([{ code: 'VALIDATION', field: 'payments[0].method', message: 'Unknown payment method bitcoin' }]);
    expect(again).toEqual(first);
    expect(vendor.writes).toBe(1);
  });

  it('finds the sale by its reference when the answer to the write was lost, without writing twice', async () => {
    const { vendor, connection } = fakeVendor();
    vendor.failNext = 'timeout-after-write';
    const outcome = await run(connection, newStore(), 'lost');
    expect(outcome.errors).toEqual([]);
    expect(outcome.record?.id).toBe('1');
    expect(vendor.sales).toHaveLength(1);
    expect(vendor.lookups).toBe(1);
  });

  it('answers the vendor error and frees the key when the vendor failed and holds no sale', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    vendor.failNext = 'failure-before-write';
    await expect(run(connection, store, 'retry')).rejects.toMatchObject({ extensions: { code: 'VENDOR_UNAVAILABLE', retryable: true } });
    const retried = await run(connection, store, 'retry');
    expect(retried.record?.id).toBe('1');
    expect(vendor.sales).toHaveLength(1);
  });

  it('keeps the key after a timeout even when the sale is not there yet, and the retry asks again before writing', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    vendor.failNext = 'timeout-before-write';
    const first = await run(connection, store, 'slow');
    expect(first.errors).toEqual([{ code: 'OUTCOME_UNKNOWN', field: null, message: expect.any(String) }]);
    const retried = await run(connection, store, 'slow');
    expect(retried.record?.id).toBe('1');
    expect(vendor.lookups).toBe(2);
    expect(vendor.sales).toHaveLength(1);
  });

  it('answers OUTCOME_UNKNOWN when the vendor cannot be asked, and the retry reconciles instead of writing again', async () => {
    const { vendor, connection } = fakeVendor();
    const store = newStore();
    vendor.failNext = 'timeout-after-write';
    vendor.lookupsFail = true;
    const unknown = await run(connection, store, 'u');
    expect(unknown.errors).toEqual([{ code: 'OUTCOME_UNKNOWN', field: null, message: expect.any(String) }]);
    vendor.lookupsFail = false;
    const reconciled = await run(connection, store, 'u');
    expect(reconciled.record?.id).toBe('1');
    expect(vendor.writes).toBe(1);
  });

  it('says UNSUPPORTED where the vendor cannot create sales', async () => {
    const connection: Connection = { id: 'x', name: 'x', vendor: 'kash', adapter: { vendor: 'kash', currency: 'EUR', sources: {} } };
    const outcome = await run(connection, newStore(), 'n');
    expect(outcome.errors[0]?.code).toBe('UNSUPPORTED');
  });

  it('totals any lines exactly: awkward prices, fractional quantities, discounts (property)', async () => {
    // An independent oracle in integer ten-millionths: quantity (≤3 places) × price (≤4 places).
    const line = fc.record({
      priceUnits: fc.integer({ min: 1, max: 99_999_999 }), // 0.0001 … 9999.9999
      quantityMilli: fc.integer({ min: 1, max: 50_000 }), // 0.001 … 50
      discountPercent: fc.integer({ min: 0, max: 50 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 6 }), async (lines) => {
        const { connection } = fakeVendor();
        const catalogue = new Map<string, ItemRecord>();
        let expectedCents = 0n;
        const saleLines = lines.map((l, index) => {
          const price = String(l.priceUnits).padStart(5, '0');
          const priceText = `${price.slice(0, -4)}.${price.slice(-4)}`;
          const quantity = String(l.quantityMilli).padStart(4, '0');
          const quantityText = `${quantity.slice(0, -3)}.${quantity.slice(-3)}`;
          const exact = BigInt(l.priceUnits) * BigInt(l.quantityMilli); // units of 1e-7
          const grossCents = (exact + 50_000n) / 100_000n; // half up, all positive
          const discountCents = (grossCents * BigInt(l.discountPercent)) / 100n;
          expectedCents += grossCents - discountCents;
          const id = `p${index}`;
          catalogue.set(id, { ...items['1']!, id, price: { amount: priceText, currency: 'EUR' } });
          const discount = `${discountCents / 100n}.${String(discountCents % 100n).padStart(2, '0')}`;
          return { itemId: id, quantity: quantityText, unitPrice: null, discount: { amount: discount, currency: 'EUR' } };
        });
        const outcome = await createSale(
          { tenant: 't', idempotencyKey: 'p', connection, input: input({ lines: saleLines, payments: null }) },
          { store: newStore(), loadItems: async (ids) => ids.map((id) => catalogue.get(id) ?? null), options: {} },
        );
        expect(outcome.errors).toEqual([]);
        const expected = `${expectedCents / 100n}.${String(expectedCents % 100n).padStart(2, '0')}`;
        expect(outcome.record!.total.amount).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
