import { isRejection } from '../../../src/core/adapter.ts';
/**
 * createSale at iCash against its simulator on loopback (no mocks): the adapter's writer,
 * the core's createSale over it, and the GraphQL gateway. The sale is built in steps on a
 * TEMP operation; every failure must leave no TEMP operation with lines behind and no
 * completed sale (docs/vendors/icash.md "Writes").
 */
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteRefusedError, type SaleDraft, type SaleWriter, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { createSale, type CreateSaleDependencies, type CreateSaleInput } from '../../../src/core/create-sale.ts';
import { VendorError } from '../../../src/core/errors.ts';
import { HttpTransport } from '../../../src/core/http.ts';
import { InMemoryIdempotencyStore } from '../../../src/core/idempotency.ts';
import { encodeGlobalId } from '../../../src/core/ids.ts';
import type { ItemRecord, SaleRecord } from '../../../src/core/model.ts';
import { Decimal, money, sumDecimals } from '../../../src/core/money.ts';
import { createConnections, parseConfig } from '../../../src/config.ts';
import { createGateway, type Gateway } from '../../../src/server.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { icashAdapterModule, type IcashSettings } from '../../../src/vendors/icash/adapter.ts';
import { IcashClient } from '../../../src/vendors/icash/client.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';
import type { IcashOperationDetail, IcashSaleItem } from '../../../src/vendors/icash/wire.ts';
import { ICASH_IMPORT_SOURCE, icashDiscountPercent, icashLineTotal } from '../../../src/vendors/icash/writer.ts';

const SEED = 103;
const SALES = 200;
const CONNECTION = 'icash-writer';
const METHOD = (name: string): string => `/clientapi/v1/${name}`;
const data = createDataset({ seed: SEED, sales: SALES, pricePlaces: 4, currency: 'EUR' });
const eur = (amount: string) => money(amount, 'EUR');
const d = (text: string) => Decimal.parse(text);
/** A weighed item (sold by the kilogram) of the dataset. */
const weighed = data.items.find((item) => item.soldByWeight)!;

let running: RunningSimulator;
let settings: IcashSettings;
let adapter: VendorAdapter;
let writer: SaleWriter;
/** Another client of the same account, to look at operations the way iCash stores them. */
let probe: IcashClient;
let keyCounter = 0;

async function simulatorCounts(): Promise<{ sales: number; payments: number }> {
  const response = await request(`${running.url}/__sim/info`);
  return ((await response.body.json()) as { counts: { sales: number; payments: number } }).counts;
}

/** Every operation written by the gateway, with its lines and payments, in any status. */
async function gatewayOperations(reference?: string): Promise<IcashOperationDetail[]> {
  const rows = [];
  for await (const row of probe.allOperations({ ImportSource: ICASH_IMPORT_SOURCE, ImportRefID: reference, OperationStatus: ['TEMP', 'NORMAL'] })) rows.push(row);
  return Promise.all(rows.map((row) => probe.getOperation(row.OperationID)));
}

/** What a failed write may leave: TEMP operations, never one with a line, never a printed one. */
async function expectNothingLeft(reference?: string): Promise<void> {
  const operations = await gatewayOperations(reference);
  for (const operation of operations) {
    if (reference !== undefined) expect(operation.OperationStatus).toBe('TEMP');
    if (operation.OperationStatus === 'TEMP') expect(operation.SaleItems).toEqual([]);
  }
}

async function loadItems(ids: readonly string[]): Promise<Array<ItemRecord | null>> {
  const batch = adapter.sources.item!.batch!;
  if (batch.strategy !== 'byIds') throw new Error('iCash items are expected by ids');
  const found = new Map((await batch.load(ids, {})).filter((item): item is ItemRecord => !isRejection(item)).map((item) => [item.id, item]));
  return ids.map((id) => found.get(id) ?? null);
}

interface LineSpec {
  readonly item: number;
  readonly quantity: string;
  readonly unitPrice?: string;
  readonly discount?: string;
}

/** A draft as the core builds it: the items read before the write, exact line totals. */
async function draftOf(lines: readonly LineSpec[], extra: Partial<SaleDraft> = {}): Promise<SaleDraft> {
  const items = await loadItems(lines.map((line) => String(line.item)));
  const draftLines = lines.map((spec, index) => {
    const item = items[index]!;
    const quantity = d(spec.quantity);
    const unitPrice = d(spec.unitPrice ?? item.price.amount);
    const discount = d(spec.discount ?? '0.00');
    return { itemId: String(spec.item), item, quantity, unitPrice, discount, total: quantity.mul(unitPrice).round(2).sub(discount) };
  });
  keyCounter += 1;
  const total = sumDecimals(draftLines.map((line) => line.total)).round(2);
  return {
    reference: `pg-icash-test-${keyCounter}-${Date.now() % 1_000_000}`,
    locationId: null,
    customerId: null,
    lines: draftLines,
    payments: [{ method: 'Cash', amount: total }],
    total,
    note: null,
    ...extra,
  };
}

async function refusalOf(promise: Promise<unknown>): Promise<WriteRefusedError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WriteRefusedError);
    return error as WriteRefusedError;
  }
  throw new Error('expected the write to be refused');
}

/** Forbids (or allows again) selling an item at iCash, as a shop would meanwhile. */
async function forbidSales(itemId: number, forbid: 0 | 1): Promise<void> {
  const row = (await probe.getSaleItems({ SaleItemID: itemId })).Data[0]!;
  await probe.addSaleItem({
    EditSaleItemID: itemId,
    SaleItemInventoryID: row.SaleItemInventoryID,
    SaleItemName: row.SaleItemName,
    SaleItemCashRegisterName: row.SaleItemCashRegisterName,
    SaleItemType: row.SaleItemType,
    SaleItemPrimaryMeasureUnitID: row.SaleItemPrimaryMeasureUnitID,
    SaleItemTaxGroupID: row.SaleItemTaxGroupID,
    SaleItemSellPrice: row.SaleItemSellPrice,
    SaleItemForbidSales: forbid,
  } as Parameters<IcashClient['addSaleItem']>[0]);
}

beforeAll(async () => {
  running = await startSimulator(createIcashSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  settings = icashAdapterModule.demoSettings(running.url);
  adapter = icashAdapterModule.createAdapter(settings, { connectionId: CONNECTION, transport: new HttpTransport() });
  writer = adapter.writers!.sale!;
  probe = new IcashClient({ connection: 'probe', baseUrl: running.url, credentials: { api_key: settings.api_key, secret_key: settings.secret_key, WareHouseID: settings.WareHouseID, UserID: settings.UserID } });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => running.reset());

describe('iCash arithmetic', () => {
  it('finds the percent that gives back a discount to the cent, or none', () => {
    expect(icashDiscountPercent(1000n, 100n)?.toString()).toBe('10.00');
    expect(icashDiscountPercent(10n, 1n)?.toString()).toBe('10.00');
    expect(icashDiscountPercent(1234n, 0n)?.toString()).toBe('0.00');
    expect(icashDiscountPercent(300n, 100n)?.toString()).toBe('33.33');
    // 1000.00 has no percent of two decimals worth 0.01; 100 % is out of iCash's range.
    expect(icashDiscountPercent(100_000n, 1n)).toBeNull();
    expect(icashDiscountPercent(100_000n, 100_000n)).toBeNull();
    // …but 99.99 % of a small line rounds to all of it.
    expect(icashDiscountPercent(500n, 500n)?.toString()).toBe('99.99');
  });

  it('every answer reproduces the discount exactly, and none is missed', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10_000_000n }), fc.bigInt({ min: 0n, max: 10_000_000n }), (gross, wanted) => {
        const discount = wanted > gross ? gross : wanted;
        const percent = icashDiscountPercent(gross, discount);
        const grossDecimal = Decimal.of(gross, 2);
        if (percent !== null) {
          expect(icashLineTotal(grossDecimal, Decimal.of(1n, 0), percent).discount.equals(Decimal.of(discount, 2))).toBe(true);
        } else {
          // No k in 0…9999 works: checked on both neighbours of the exact ratio.
          const exact = (discount * 10_000n) / gross;
          for (const k of [exact - 1n, exact, exact + 1n].filter((value) => value >= 0n && value <= 9_999n)) {
            expect(icashLineTotal(grossDecimal, Decimal.of(1n, 0), Decimal.of(k, 2)).discount.equals(Decimal.of(discount, 2))).toBe(false);
          }
        }
      }),
    );
  });
});

describe('the writer', () => {
  it('takes 5 decimals of unit price and of quantity (DECIMAL(10,5))', () => {
    expect([writer.unitPricePlaces, writer.quantityPlaces]).toEqual([5, 5]);
  });

  it('writes a sale with a weighed quantity, awkward prices, a discount and two payments, once; lists and lookups see it', async () => {
    const before = await simulatorCounts();
    const weighedGross = d('0.755').mul(d(weighed.price)).round(2);
    const draft = await draftOf(
      [
        { item: 1, quantity: '1' }, // 0.10
        { item: 2, quantity: '1' }, // 0.20
        { item: 9, quantity: '1.5', discount: '5.00' }, // 1.5 × 33.3333 = 49.99995 → 50.00 − 5.00 (10 %)
        { item: weighed.id, quantity: '0.755' },
      ],
      { locationId: '2', customerId: '7', note: 'Table 4' },
    );
    expect([data.items[0]!.price, data.items[1]!.price, data.items[8]!.price]).toEqual(['0.10', '0.20', '33.3333']);
    const total = d('45.30').add(weighedGross);
    expect(draft.total.equals(total)).toBe(true);
    const withPayments: SaleDraft = { ...draft, payments: [{ method: 'cash', amount: d('0.30') }, { method: 'CARD', amount: total.sub(d('0.30')) }] };

    const sale = await writer.create(withPayments, {});
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 2 });
    expect(sale).toMatchObject({ kind: 'sale', total: eur(total.toString()), locationId: '2', customerId: '7', cashbookId: '40', note: 'Table 4' });
    expect(sale.number).toMatch(/^\d+$/);
    expect(sale.lines).toEqual([
      { itemId: '1', name: null, quantity: '1', unitPrice: eur('0.10'), discount: eur('0.00'), total: eur('0.10'), taxRate: null },
      { itemId: '2', name: null, quantity: '1', unitPrice: eur('0.20'), discount: eur('0.00'), total: eur('0.20'), taxRate: null },
      { itemId: '9', name: null, quantity: '1.5', unitPrice: eur('33.3333'), discount: eur('5.00'), total: eur('45.00'), taxRate: null },
      { itemId: String(weighed.id), name: null, quantity: '0.755', unitPrice: eur(weighed.price), discount: eur('0.00'), total: eur(weighedGross.toString()), taxRate: null },
    ]);
    expect(sale.payments!.map((payment) => [payment.method, payment.methodType, payment.amount.amount])).toEqual([
      ['Cash', 'CASH', '0.30'],
      ['Card', 'CARD', total.sub(d('0.30')).toFixedAtLeast(2)],
    ]);
    const [operation] = await gatewayOperations(draft.reference);
    expect(operation).toMatchObject({ OperationID: Number(sale.id), OperationStatus: 'NORMAL', OperationType: 'Sell', OperationStoreID: 2, OperationContragentID: 7 });
    expect(operation!.SaleItems.map((line) => line.SaleItemDiscount)).toEqual(['0.00', '0.00', '10.00', '0.00']);

    // The next list read has it first (newest); the lookup by reference finds it whole.
    const page = await adapter.sources.sale!.list!({ filter: {}, cursor: null, limit: 1 });
    expect(page.records[0]).toMatchObject({ id: sale.id, total: sale.total });
    running.reset();
    expect(await writer.findByReference(withPayments, {})).toEqual(sale);
    expect(running.stats().total).toBeGreaterThan(0);
  });

  it('writes at the first register when the draft names no location, and a sale of 0 needs no payment', async () => {
    const draft = await draftOf([{ item: 1, quantity: '1', unitPrice: '0' }], { payments: [] });
    const sale = await writer.create(draft, {});
    expect(sale).toMatchObject({ locationId: '1', cashbookId: '39', total: eur('0.00'), customerId: null, note: null, payments: [] });
  });

  it('finds nothing for a reference never written, and throws when iCash cannot be asked', async () => {
    const draft = await draftOf([{ item: 1, quantity: '1' }]);
    expect(await writer.findByReference(draft, {})).toBeNull();
    running.addFault({ route: METHOD('operations-list'), errorRate: 1, times: 1 });
    await expect(writer.findByReference(draft, {})).rejects.toBeInstanceOf(VendorError);
  });

  describe('refuses, writing nothing', () => {
    it.each<[string, () => Promise<SaleDraft>, string, string | null, RegExp]>([
      [
        'an unknown payment method (VALIDATION)',
        async () => {
          const draft = await draftOf([{ item: 3, quantity: '2' }]);
          return { ...draft, payments: [{ method: 'Bitcoin', amount: draft.total }] };
        },
        'VALIDATION',
        'payments[0].method',
        /No iCash pay type named or of type "Bitcoin" \(pay types: Cash, Card, Cheque, Voucher\)/,
      ],
      [
        'a discount no percent of two decimals gives (VALIDATION)',
        () => draftOf([{ item: 9, quantity: '30', discount: '0.01' }]), // 999.999 → 1000.00; 0.01 % of it is 0.10
        'VALIDATION',
        'lines[0].discount',
        /no such percent gives exactly 0\.01/,
      ],
      [
        'a quantity beyond DECIMAL(10,5) (VALIDATION)',
        () => draftOf([{ item: 1, quantity: '100000' }]),
        'VALIDATION',
        'lines[0].quantity',
        /up to 99999\.99999/,
      ],
      [
        'a sale left unpaid, which print-operation would pay (UNSUPPORTED)',
        () => draftOf([{ item: 3, quantity: '1' }], { payments: [] }),
        'UNSUPPORTED',
        'payments',
        /only once it is paid/,
      ],
      [
        'a location without a register (NOT_FOUND)',
        () => draftOf([{ item: 3, quantity: '1' }], { locationId: '99' }),
        'NOT_FOUND',
        'location',
        /No location 99/,
      ],
      [
        'a customer iCash does not know, refused by new-operation (NOT_FOUND)',
        () => draftOf([{ item: 3, quantity: '1' }], { customerId: '987654' }),
        'NOT_FOUND',
        'customer',
        /Wrong value for ContragentID/,
      ],
    ])('%s', async (_, build, code, field, message) => {
      const before = await simulatorCounts();
      const draft = await build();
      const refusal = await refusalOf(writer.create(draft, {}));
      expect([refusal.code, refusal.field]).toEqual([code, field]);
      expect(refusal.message).toMatch(message);
      expect(await simulatorCounts()).toEqual(before);
      expect(await gatewayOperations(draft.reference)).toEqual([]);
      expect(running.stats().byRoute[`POST ${METHOD('add-operation-sale-item')}`]).toBeUndefined();
    });

    it('an item iCash refuses midway (forbidden since it was read): the lines already in are removed (VENDOR_REJECTED)', async () => {
      const before = await simulatorCounts();
      const draft = await draftOf([{ item: 3, quantity: '1' }, { item: 4, quantity: '2' }]);
      await forbidSales(4, 1);
      try {
        const refusal = await refusalOf(writer.create(draft, {}));
        expect(refusal).toMatchObject({ code: 'VENDOR_REJECTED', field: 'lines[1].item', message: 'Wrong value for SaleItemID' });
        expect(running.stats().byRoute[`POST ${METHOD('add-operation-sale-item')}`]).toBe(2);
        expect(running.stats().byRoute[`POST ${METHOD('del-operation-sale-item')}`]).toBe(1);
        expect(await simulatorCounts()).toEqual(before);
        const left = await gatewayOperations(draft.reference);
        expect(left.map((operation) => [operation.OperationStatus, operation.SaleItems.length, operation.Payments.length])).toEqual([['TEMP', 0, 0]]);
        // Read again now, the item says so before anything is written.
        const fresh = await draftOf([{ item: 4, quantity: '1' }]);
        expect((fresh.lines[0]!.item.raw as IcashSaleItem).SaleItemForbidSales).toBe(1);
        expect(await refusalOf(writer.create(fresh, {}))).toMatchObject({ code: 'VENDOR_REJECTED', field: 'lines[0].item' });
        expect(await gatewayOperations(fresh.reference)).toEqual([]);
      } finally {
        await forbidSales(4, 0);
      }
    });
  });

  describe('a failed step', () => {
    it('a payment refused midway (injected 500): lines removed, the error kept, no sale', async () => {
      const before = await simulatorCounts();
      const draft = await draftOf([{ item: 1, quantity: '2' }, { item: 5, quantity: '1' }]);
      running.addFault({ route: METHOD('add-operation-payment'), errorRate: 1, times: 1 });
      await expect(writer.create(draft, {})).rejects.toMatchObject({ code: 'VENDOR_UNAVAILABLE', status: 500 });
      expect(running.stats().byRoute[`POST ${METHOD('print-operation')}`]).toBeUndefined();
      expect(await simulatorCounts()).toEqual(before);
      const left = await gatewayOperations(draft.reference);
      expect(left.map((operation) => [operation.OperationStatus, operation.SaleItems.length])).toEqual([['TEMP', 0]]);
      // Asked by its reference, the write is not there, and may be made again: once.
      expect(await writer.findByReference(draft, {})).toBeNull();
      const sale = await writer.create(draft, {});
      expect(await writer.findByReference(draft, {})).toEqual(sale);
      expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
    });

    it('print-operation whose answer is lost: the printed sale is recognised, not undone', async () => {
      const before = await simulatorCounts();
      const draft = await draftOf([{ item: 7, quantity: '3' }]); // 3 × 19.999 = 59.997 → 60.00
      running.addFault({ route: METHOD('print-operation'), malformed: 'truncated', times: 1 });
      const sale = await writer.create(draft, {});
      expect(sale).toMatchObject({ total: eur('60.00'), lines: [{ itemId: '7', quantity: '3', total: eur('60.00') }] });
      expect(running.stats().byRoute[`POST ${METHOD('del-operation-sale-item')}`]).toBeUndefined();
      expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
    });

    it('a TEMP operation with lines left by an interrupted write is undone by findByReference', async () => {
      const draft = await draftOf([{ item: 1, quantity: '1' }]);
      const { OperationID } = await probe.newOperation({ ImportSource: ICASH_IMPORT_SOURCE, ImportRefID: draft.reference, OperationType: 'Sell', CashRegisterID: 39, StoreID: 1 });
      await probe.addOperationSaleItem({ OperationID, SaleItemID: 1, Qty: '1', SaleItemSinglePrice: '0.10' });
      expect(await writer.findByReference(draft, {})).toBeNull();
      expect((await probe.getOperation(OperationID)).SaleItems).toEqual([]);
    });
  });
});

describe('through the core createSale', () => {
  let connection: Connection;
  const input = (lines: CreateSaleInput['lines'], total: string): CreateSaleInput => ({
    locationId: '3',
    customerId: null,
    lines,
    payments: [{ method: 'Card', amount: eur(total) }],
    note: null,
  });
  const run = (store: CreateSaleDependencies['store'], key: string, saleInput: CreateSaleInput, signal?: AbortSignal) =>
    createSale({ tenant: 't', idempotencyKey: key, connection, input: saleInput }, { store, loadItems, options: { signal } });

  beforeAll(() => {
    connection = { id: CONNECTION, name: CONNECTION, vendor: 'icash', adapter };
  });

  it('a timeout on print-operation: undone, reported unknown, and the retry writes exactly one sale', async () => {
    const store: CreateSaleDependencies['store'] = new InMemoryIdempotencyStore();
    const before = await simulatorCounts();
    const saleInput = input([{ itemId: '2', quantity: '4', unitPrice: null, discount: null }], '0.80');
    running.addFault({ route: METHOD('print-operation'), latencyMs: 2_000, times: 1 });
    const first = await run(store, 'timeout-print', saleInput, AbortSignal.timeout(300));
    expect(first).toMatchObject({ record: null, errors: [{ code: 'OUTCOME_UNKNOWN' }] });
    // Undone before the error was reported (on its own deadline): the TEMP operation has no line left.
    expect(running.stats().byRoute[`POST ${METHOD('del-operation-sale-item')}`]).toBe(1);
    await expectNothingLeft();
    expect(await simulatorCounts()).toEqual(before);
    // The kit does not run a handler whose client hung up: let the sleeping request end.
    await new Promise((resolve) => setTimeout(resolve, 1_900));

    const second = await run(store, 'timeout-print', saleInput);
    expect(second.errors).toEqual([]);
    expect(second.record).toMatchObject({ total: eur('0.80'), locationId: '3' });
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
    expect(await run(store, 'timeout-print', saleInput)).toEqual(second);
    await expectNothingLeft();
  });

  it('new-operation written but its answer lost: found by reference, undone, unknown, and written once on retry', async () => {
    const store: CreateSaleDependencies['store'] = new InMemoryIdempotencyStore();
    const before = await simulatorCounts();
    const saleInput = input([{ itemId: '3', quantity: '1', unitPrice: null, discount: null }], '0.30');
    running.addFault({ route: METHOD('new-operation'), malformed: 'truncated', times: 1 });
    // The connection dropped mid-answer: the gateway cannot know the vendor is done, so it keeps the key.
    expect(await run(store, 'lost-new-operation', saleInput)).toMatchObject({ record: null, errors: [{ code: 'OUTCOME_UNKNOWN' }] });
    expect(running.stats().byRoute[`POST ${METHOD('operations-list')}`]).toBe(1);
    expect(await simulatorCounts()).toEqual(before);
    const outcome = await run(store, 'lost-new-operation', saleInput);
    expect(outcome).toMatchObject({ errors: [], record: { total: eur('0.30') } });
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
    await expectNothingLeft();
  });

  it('print-operation written but its answer lost: the sale, once', async () => {
    const store: CreateSaleDependencies['store'] = new InMemoryIdempotencyStore();
    const before = await simulatorCounts();
    const saleInput = input([{ itemId: '8', quantity: '2.5', unitPrice: null, discount: eur('0.28') }], '2.47'); // 2.75 − 0.28
    running.addFault({ route: METHOD('print-operation'), malformed: 'truncated', times: 1 });
    const outcome = await run(store, 'lost-print', saleInput);
    expect(outcome.errors).toEqual([]);
    expect(outcome.record).toMatchObject({ total: eur('2.47'), lines: [{ quantity: '2.5', unitPrice: eur('1.10'), discount: eur('0.28'), total: eur('2.47') }] });
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
  });
});

describe('through the GraphQL gateway', () => {
  let gateway: Gateway;
  const gid = (type: 'Item' | 'Location' | 'Customer', id: string) => encodeGlobalId({ type, connection: CONNECTION, id });
  const MUTATION = /* GraphQL */ `
    mutation Create($input: CreateSaleInput!) {
      createSale(input: $input) {
        sale {
          id number note total { amount currency }
          location { id name }
          customer { id }
          lines { quantity item { id } unitPrice { amount currency } discount { amount } total { amount currency } }
          payments { method methodType amount { amount currency } }
        }
        errors { code field message }
      }
    }
  `;
  const LATEST = /* GraphQL */ `
    query Latest($connections: [ID!]) {
      sales(first: 1, connections: $connections) { edges { node { id number total { amount } lines { total { amount } } } } }
    }
  `;
  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await gateway.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  };
  const line = (item: string, quantity: string, extra: Record<string, unknown> = {}) => ({ item: gid('Item', item), quantity, ...extra });
  const pay = (method: string, amount: string) => ({ method, amount: { amount, currency: 'EUR' } });

  beforeAll(() => {
    const config = parseConfig({ connections: [{ id: CONNECTION, vendor: 'icash', settings: icashAdapterModule.demoSettings(running.url) }] });
    gateway = createGateway({ connections: createConnections(config), graphiql: false });
  });

  it('creates a sale once per key and serves it in the next sales list', async () => {
    const before = await simulatorCounts();
    const variables = {
      input: {
        connection: CONNECTION,
        idempotencyKey: 'gateway-happy',
        location: gid('Location', '1'),
        customer: gid('Customer', '11'),
        note: 'Counter sale',
        lines: [
          line('1', '1'), // 0.10
          line('2', '1'), // 0.20
          line(String(weighed.id), '1.25', { discount: { amount: '0.10', currency: 'EUR' } }),
        ],
        payments: [],
      },
    };
    const weighedGross = d('1.25').mul(d(weighed.price)).round(2);
    const total = d('0.30').add(weighedGross).sub(d('0.10'));
    variables.input.payments = [pay('Voucher', '0.30'), pay('cash', total.sub(d('0.30')).toFixedAtLeast(2))] as never;

    const first = await graphql(MUTATION, variables);
    expect(first.errors).toBeUndefined();
    const payload = first.data.createSale;
    expect(payload.errors).toEqual([]);
    expect(payload.sale).toMatchObject({
      note: 'Counter sale',
      total: { amount: total.toFixedAtLeast(2), currency: 'EUR' },
      location: { id: gid('Location', '1'), name: 'Main store' },
      customer: { id: gid('Customer', '11') },
    });
    expect(payload.sale.number).toMatch(/^\d+$/);
    expect(payload.sale.lines.map((row: any) => [row.item.id, row.quantity, row.unitPrice.amount, row.discount.amount, row.total.amount])).toEqual([
      [gid('Item', '1'), '1', '0.10', '0.00', '0.10'],
      [gid('Item', '2'), '1', '0.20', '0.00', '0.20'],
      [gid('Item', String(weighed.id)), '1.25', Decimal.parse(weighed.price).normalize().toFixedAtLeast(2), '0.10', weighedGross.sub(d('0.10')).toFixedAtLeast(2)],
    ]);
    expect(payload.sale.payments.map((row: any) => [row.method, row.methodType, row.amount.amount])).toEqual([
      ['Voucher', 'OTHER', '0.30'],
      ['Cash', 'CASH', total.sub(d('0.30')).toFixedAtLeast(2)],
    ]);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 2 });

    // Same key, same input: the same answer, nothing written again.
    running.reset();
    expect(await graphql(MUTATION, variables)).toEqual(first);
    expect(running.stats().byRoute[`POST ${METHOD('new-operation')}`]).toBeUndefined();
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 2 });

    const latest = await graphql(LATEST, { connections: [CONNECTION] });
    expect(latest.errors).toBeUndefined();
    expect(latest.data.sales.edges[0].node).toMatchObject({ id: payload.sale.id, number: payload.sale.number, total: { amount: payload.sale.total.amount } });
  });

  it.each<[string, () => Record<string, unknown>, string, string | null]>([
    ['an unknown payment method', () => ({ lines: [line('3', '1')], payments: [pay('Bitcoin', '0.30')] }), 'VALIDATION', 'payments[0].method'],
    ['an inexpressible discount', () => ({ lines: [line('9', '30', { discount: { amount: '0.01', currency: 'EUR' } })], payments: [pay('Cash', '999.99')] }), 'VALIDATION', 'lines[0].discount'],
    ['an unpaid sale', () => ({ lines: [line('3', '1')] }), 'UNSUPPORTED', 'payments'],
    ['an item iCash forbids to sell', () => ({ lines: [line('6', '8')], payments: [pay('Card', '0.10')] }), 'VENDOR_REJECTED', 'lines[0].item'],
  ])('refuses %s with nothing written', async (name, build, code, field) => {
    const before = await simulatorCounts();
    if (code === 'VENDOR_REJECTED') await forbidSales(6, 1);
    try {
      const result = await graphql(MUTATION, { input: { connection: CONNECTION, idempotencyKey: `refused-${name}`, ...build() } });
      expect(result.errors).toBeUndefined();
      expect(result.data.createSale).toMatchObject({ sale: null, errors: [{ code, field }] });
    } finally {
      if (code === 'VENDOR_REJECTED') await forbidSales(6, 0);
    }
    expect(await simulatorCounts()).toEqual(before);
    expect(running.stats().byRoute[`POST ${METHOD('new-operation')}`]).toBeUndefined();
  });

  it('a payment step failing midway leaves no TEMP operation with lines and no sale', async () => {
    const before = await simulatorCounts();
    running.addFault({ route: METHOD('add-operation-payment'), errorRate: 1, times: 1 });
    const result = await graphql(MUTATION, {
      input: { connection: CONNECTION, idempotencyKey: 'midway', lines: [line('1', '3'), line('2', '2')], payments: [pay('Cash', '0.70')] },
    });
    expect(result.data?.createSale ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'VENDOR_UNAVAILABLE' });
    expect(running.stats().byRoute[`POST ${METHOD('add-operation-sale-item')}`]).toBe(2);
    expect(running.stats().byRoute[`POST ${METHOD('del-operation-sale-item')}`]).toBe(2);
    expect(running.stats().byRoute[`POST ${METHOD('print-operation')}`]).toBeUndefined();
    expect(await simulatorCounts()).toEqual(before);
    await expectNothingLeft();

    // The key was released (nothing written): the same request now writes the sale, once.
    const retry = await graphql(MUTATION, {
      input: { connection: CONNECTION, idempotencyKey: 'midway', lines: [line('1', '3'), line('2', '2')], payments: [pay('Cash', '0.70')] },
    });
    expect(retry.data.createSale.errors).toEqual([]);
    expect(retry.data.createSale.sale.total).toEqual({ amount: '0.70', currency: 'EUR' });
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
  });
});
