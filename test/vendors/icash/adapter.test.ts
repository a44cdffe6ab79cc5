import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capabilitiesOf, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { VendorTimeoutError } from '../../../src/core/errors.ts';
import { HttpTransport } from '../../../src/core/http.ts';
import { RequestLoaders } from '../../../src/core/loaders.ts';
import type {
  CashbookRecord,
  CustomerRecord,
  EntityFilters,
  EntityKind,
  EntityRecords,
  ItemRecord,
  LocationRecord,
  PaymentRecord,
  SaleFilter,
  SaleRecord,
} from '../../../src/core/model.ts';
import { Decimal, money } from '../../../src/core/money.ts';
import { comparatorFor } from '../../../src/core/ordering.ts';
import { listMerged, type MergedPage } from '../../../src/core/pagination.ts';
import { createDataset, type Sale } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  createIcashAdapter,
  icashAdapterModule,
  icashSettingsSchema,
  loadIdsFromList,
  localOperationRange,
  mapContragent,
  mapOperation,
  methodTypeOf,
  parseIcashPaymentId,
  type IcashSettings,
  type IdIndexedList,
} from '../../../src/vendors/icash/adapter.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';
import type { IcashContragent, IcashOperation } from '../../../src/vendors/icash/wire.ts';

const SALES = 300;
const SEED = 103;
const dataset = createDataset({ seed: SEED, sales: SALES, pricePlaces: 4, currency: 'EUR' });
const eur = (amount: string) => money(amount, 'EUR');
/** One register per store, ids from 39 in location order (docs/vendors/icash.md assumption 12). */
const registerOf = (locationId: number): string => String(38 + locationId);
const route = (method: string): string => `POST /clientapi/v1/${method}`;

let running: RunningSimulator;
let settings: IcashSettings;
let adapter: VendorAdapter;
let connection: Connection;

function connectionOf(vendorAdapter: VendorAdapter, id = 'icash-shop'): Connection {
  return { id, name: id, vendor: 'icash', adapter: vendorAdapter };
}

function freshAdapter(): Connection {
  return connectionOf(createIcashAdapter(settings, { connectionId: 'icash-fresh', transport: new HttpTransport() }), 'icash-fresh');
}

const calls = (method: string): number => running.stats().byRoute[route(method)] ?? 0;
const vendorCalls = (): number => running.stats().total;

beforeAll(async () => {
  running = await startSimulator(createIcashSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  settings = icashAdapterModule.demoSettings(running.url);
  adapter = icashAdapterModule.createAdapter(settings, { connectionId: 'icash-shop', transport: new HttpTransport() });
  connection = connectionOf(adapter);
  // Log in once, so that call counts below are the adapter's own.
  await adapter.sources.location!.list!({ filter: {}, cursor: null, limit: 1 });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  running.reset();
});

// ---------------------------------------------------------------------------------------------
// What the dataset says each record must be, written without the adapter.

const taxRate = new Map(dataset.taxes.map((tax) => [tax.id, tax.rate]));
const categoryName = new Map(dataset.categories.map((category) => [category.id, category.name]));
const methodOf = new Map(dataset.paymentMethods.map((method) => [method.id, method]));
const paymentsOf = new Map<number, typeof dataset.payments>();
for (const payment of dataset.payments) paymentsOf.set(payment.saleId, [...(paymentsOf.get(payment.saleId) ?? []), payment]);
/** iCash numbers receipts per register. */
const receiptNumber = new Map<number, string>();
{
  const perRegister = new Map<number, number>();
  for (const sale of dataset.sales) {
    const next = (perRegister.get(sale.locationId) ?? 0) + 1;
    perRegister.set(sale.locationId, next);
    receiptNumber.set(sale.id, String(next));
  }
}

const expectedItems: ItemRecord[] = dataset.items.map((item) => ({
  kind: 'item',
  id: String(item.id),
  name: item.name,
  code: item.code,
  barcode: item.barcode,
  price: eur(item.price),
  taxRate: taxRate.get(item.taxId)!,
  category: categoryName.get(item.categoryId)!,
  stock: null,
  raw: expect.objectContaining({ SaleItemID: item.id, SaleItemSellPrice: expect.stringMatching(/^\d+\.\d{6}$/) }),
}));

const expectedCustomers: CustomerRecord[] = dataset.customers.map((customer) => ({
  kind: 'customer',
  id: String(customer.id),
  name: customer.company ?? `${customer.firstName} ${customer.lastName}`,
  firstName: customer.firstName,
  lastName: customer.lastName,
  company: customer.company,
  email: customer.email,
  phone: customer.phone,
  vatNumber: customer.vatNumber,
  raw: expect.objectContaining({ ContragentID: customer.id, ContragentType: 'CLIENT' }),
}));

function expectedPayments(sale: Sale): PaymentRecord[] {
  return (paymentsOf.get(sale.id) ?? []).map((payment) => ({
    kind: 'payment',
    id: `${sale.id}:${payment.id}`,
    saleId: String(sale.id),
    method: methodOf.get(payment.methodId)!.name,
    methodType: methodOf.get(payment.methodId)!.type,
    amount: eur(payment.amount),
    createdAt: sale.createdAt,
    cashbookId: registerOf(sale.locationId),
    raw: { PaymentID: String(payment.id), PayTypeID: payment.methodId, PaymentSum: expect.stringMatching(/^\d+\.\d{2}$/) },
  }));
}

function expectedSale(sale: Sale, full: boolean): SaleRecord {
  return {
    kind: 'sale',
    id: String(sale.id),
    number: receiptNumber.get(sale.id)!,
    createdAt: sale.createdAt,
    total: eur(sale.total),
    locationId: String(sale.locationId),
    customerId: sale.customerId === null ? null : String(sale.customerId),
    cashbookId: registerOf(sale.locationId),
    note: sale.note,
    lines: full
      ? sale.lines.map((line) => ({
          itemId: String(line.itemId),
          name: null,
          // iCash stores Qty at 5 places; the value, not the dataset's 3-place spelling, comes back.
          quantity: Decimal.parse(line.quantity).normalize().toString(),
          unitPrice: eur(line.unitPrice),
          discount: eur(line.discount),
          total: eur(line.total),
          taxRate: null,
        }))
      : undefined,
    payments: full ? expectedPayments(sale) : undefined,
    raw: expect.objectContaining({ OperationID: sale.id, OperationType: sale.isRefund ? 'ReturnClient' : 'Sell' }),
  };
}

const expectedCashbooks: CashbookRecord[] = dataset.locations.map((location) => ({
  kind: 'cashbook',
  id: registerOf(location.id),
  name: `${location.name} register`,
  state: null,
  openedAt: null,
  closedAt: null,
  openingAmount: null,
  closingAmount: null,
  locationId: String(location.id),
  raw: expect.objectContaining({ id: Number(registerOf(location.id)), storeID: location.id }),
}));

const expectedLocations: LocationRecord[] = dataset.locations.map((location) => ({
  kind: 'location',
  id: String(location.id),
  name: location.name,
  raw: expect.objectContaining({ storeID: location.id }),
}));

function canonical<K extends EntityKind>(kind: K, records: readonly EntityRecords[K][]): EntityRecords[K][] {
  return [...records].sort(comparatorFor(kind));
}

/** Dataset sales matching a sale filter, newest first — the answer the adapter must give. */
function salesMatching(filter: SaleFilter): Sale[] {
  const at = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  const [from, to] = [at(filter.from), at(filter.to)];
  const matching = dataset.sales.filter(
    (sale) =>
      (from === undefined || Date.parse(sale.createdAt) >= from) &&
      (to === undefined || Date.parse(sale.createdAt) <= to) &&
      (filter.locationId === undefined || String(sale.locationId) === filter.locationId) &&
      (filter.customerId === undefined || String(sale.customerId) === filter.customerId) &&
      (filter.cashbookId === undefined || registerOf(sale.locationId) === filter.cashbookId),
  );
  return matching.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
}

/** Walks a whole list through the gateway's merge, `first` records at a time. */
async function walk<K extends EntityKind>(kind: K, filter: EntityFilters[K], first: number, on: Connection = connection) {
  const records: EntityRecords[K][] = [];
  let after: string | null = null;
  let totalCount: number | null = null;
  for (let pages = 0; pages < 2_000; pages += 1) {
    const page: MergedPage<K> = await listMerged({ kind, sources: [{ connection: on, filter }], first, after });
    expect(page.sources.map((source) => source.status)).toEqual(['OK']);
    records.push(...page.edges.map((edge) => edge.record));
    totalCount = page.totalCount;
    if (!page.pageInfo.hasNextPage) return { records, totalCount };
    after = page.pageInfo.endCursor;
  }
  throw new Error(`walking ${kind} did not end`);
}

const ids = (records: readonly { id: string }[]): string[] => records.map((record) => record.id);

// ---------------------------------------------------------------------------------------------

describe('the adapter module', () => {
  it('validates settings strictly, naming the bad field', () => {
    const demo = icashAdapterModule.demoSettings('http://127.0.0.1:4103');
    const unknown = icashSettingsSchema.safeParse({ ...demo, WarehouseID: '785' });
    expect(unknown.success).toBe(false);
    expect(unknown.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['WarehouseID'] });
    const { taxRates: _taxRates, ...withoutRates } = demo;
    expect(icashSettingsSchema.safeParse(withoutRates).error!.issues[0]!.path).toEqual(['taxRates']);
    expect(icashSettingsSchema.safeParse({ ...demo, taxRates: { '1': 'twenty' } }).error!.issues[0]!.path).toEqual(['taxRates', '1']);
    expect(icashSettingsSchema.safeParse({ ...demo, timeZone: 'Europe/Atlantis' }).error!.issues[0]!.path).toEqual(['timeZone']);
    expect(icashSettingsSchema.safeParse({ ...demo, baseUrl: 'not a url' }).error!.issues[0]!.path).toEqual(['baseUrl']);
  });

  it('fills defaults and accepts ids and rates written as JSON numbers', () => {
    const parsed = icashSettingsSchema.parse({
      baseUrl: 'https://v5.icash.bg',
      api_key: 'k',
      secret_key: 's',
      WareHouseID: 785,
      UserID: 1,
      taxRates: { '1': 20, '3': '5.50' },
    });
    expect(parsed).toEqual({
      baseUrl: 'https://v5.icash.bg',
      api_key: 'k',
      secret_key: 's',
      WareHouseID: '785',
      UserID: '1',
      taxRates: { '1': '20', '3': '5.5' },
      paymentMethodTypes: {},
      storeNames: {},
      timeZone: 'Europe/Sofia',
      currency: 'EUR',
      detailConcurrency: 8,
      referenceTtlSeconds: 300,
    });
  });

  it('points the demo settings at the simulator with its credentials and tax groups', () => {
    expect(settings).toMatchObject({
      baseUrl: running.url,
      ...running.simulator.credentials(running.url),
      taxRates: Object.fromEntries(dataset.taxes.map((tax) => [String(tax.id), tax.rate])),
    });
  });

  it('offers every entity iCash has, and no bookings or payment list', () => {
    expect(capabilitiesOf(adapter)).toEqual({
      item: { list: true, get: 'byIds', create: false },
      sale: { list: true, get: 'each', create: true },
      payment: { list: false, get: 'each', create: false },
      customer: { list: true, get: 'byIds', create: true },
      cashbook: { list: true, get: 'scan', create: false },
      booking: { list: false, get: false, create: false },
      location: { list: true, get: 'scan', create: false },
    });
    expect(adapter.currency).toBe('EUR');
  });
});

describe('items', () => {
  it('maps every sale item: exact prices up to 4 decimals, configured tax rates, group as category', async () => {
    const page = await adapter.sources.item!.list!({ filter: {}, cursor: null, limit: 5_000 });
    expect(page.totalCount).toBe(dataset.items.length);
    expect(page.records).toEqual(canonical('item', expectedItems));
    const byId = new Map(page.records.map((item) => [item.id, item]));
    expect(['1', '2', '4', '5', '6'].map((id) => byId.get(id)!.price.amount)).toEqual(['0.10', '0.20', '1.005', '2.675', '0.0125']);
    // The whole catalogue in pages of 100.
    expect(calls('get-sale-items')).toBe(Math.ceil(dataset.items.length / 100));
  });

  it.each<[string, EntityFilters['item'], (item: (typeof dataset.items)[number]) => boolean]>([
    ['text, case-insensitively', { text: 'ORGANIC apples' }, (item) => item.name.toLowerCase().includes('organic apples')],
    ['code', { code: 'SKU-00042' }, (item) => item.code === 'SKU-00042'],
    ['barcode', { barcode: dataset.items[7]!.barcode! }, (item) => item.barcode === dataset.items[7]!.barcode],
    ['category, case-insensitively', { category: 'dairy' }, (item) => categoryName.get(item.categoryId) === 'Dairy'],
    ['text and category together', { text: 'fresh', category: 'Bakery' }, (item) => item.name.includes('Fresh') && item.categoryId === 1],
    ['a code no item has', { code: 'SKU-99999' }, () => false],
  ])('filters by %s', async (_, filter, predicate) => {
    const expected = canonical('item', expectedItems.filter((_, index) => predicate(dataset.items[index]!)));
    const { records, totalCount } = await walk('item', filter, 25);
    expect(ids(records)).toEqual(ids(expected));
    expect(totalCount).toBe(expected.length);
  });
});

describe('items beyond what iCash can store', () => {
  it('answers nothing, without asking, for a text or code longer than its columns', async () => {
    for (const filter of [{ text: 'x'.repeat(101) }, { code: 'SKU-'.repeat(6) }, { barcode: '1'.repeat(21) }]) {
      expect(await adapter.sources.item!.list!({ filter, cursor: null, limit: 10 })).toEqual({ records: [], nextCursor: null, totalCount: 0 });
    }
    expect(vendorCalls()).toBe(0);
  });
});

describe('customers', () => {
  it('maps every CLIENT contragent: person or company, VAT number, e-mail and phone', async () => {
    const page = await adapter.sources.customer!.list!({ filter: {}, cursor: null, limit: 5_000 });
    expect(page.totalCount).toBe(dataset.customers.length);
    expect(page.records).toEqual(canonical('customer', expectedCustomers));
    expect(page.records.some((customer) => customer.company !== null && customer.vatNumber !== null)).toBe(true);
  });

  it.each([
    ['a name', 'petrov'],
    ['a company with an accent, in capitals', 'CAFÉ DES'],
    ['an e-mail', '.12@example'],
  ])('filters by text in %s', async (_, text) => {
    const expected = canonical(
      'customer',
      expectedCustomers.filter((customer) => customer.name.toLowerCase().includes(text.toLowerCase()) || (customer.email ?? '').includes(text.toLowerCase())),
    );
    expect(expected.length).toBeGreaterThan(0);
    const { records, totalCount } = await walk('customer', { text }, 7);
    expect(ids(records)).toEqual(ids(expected));
    expect(totalCount).toBe(expected.length);
  });

  it('reads a company and a person apart from the name and the responsible person (MOL)', () => {
    const row = (fields: Partial<IcashContragent>): IcashContragent => ({
      ContragentID: 7,
      ContragentName: 'Balkan Market EOOD',
      ContragentType: 'CLIENT',
      ContragentBarcode: '',
      ContragentTaxNum: '',
      ContragentVatRegistered: 0,
      ContragentVatNum: '',
      ContragentMOL: 'Ivan Petrov',
      ContragentActive: 1,
      ContragentPhone: '',
      ContragentMobile: '+359888123456',
      ContragentEmail: null,
      ...fields,
    });
    expect(mapContragent(row({}))).toMatchObject({ name: 'Balkan Market EOOD', company: 'Balkan Market EOOD', firstName: 'Ivan', lastName: 'Petrov', phone: '+359888123456', email: null });
    expect(mapContragent(row({ ContragentName: 'Ivan Petrov' }))).toMatchObject({ company: null, firstName: 'Ivan', lastName: 'Petrov' });
    expect(mapContragent(row({ ContragentName: 'Madonna', ContragentMOL: '' }))).toMatchObject({ company: null, firstName: null, lastName: 'Madonna' });
    expect(mapContragent(row({ ContragentMOL: null, ContragentVatRegistered: 1, ContragentVatNum: 'BG123456789' }))).toMatchObject({
      company: 'Balkan Market EOOD',
      firstName: null,
      lastName: null,
      vatNumber: 'BG123456789',
    });
  });
});

describe('sales', () => {
  it('lists every completed operation newest first, without lines, refunds negative', async () => {
    const { records, totalCount } = await walk('sale', {}, 100);
    expect(totalCount).toBe(SALES);
    expect(records).toEqual(salesMatching({}).map((sale) => expectedSale(sale, false)));
    expect(records.some((sale) => sale.total.amount.startsWith('-'))).toBe(true);
  });

  it('returns full sales by id: exact lines (0.10 + 0.20 + 0.30), discounts, payments, refunds negative', async () => {
    const loaders = new RequestLoaders(new Map([[connection.id, connection]]));
    const first = (await loaders.load(connection.id, 'sale', '1'))!;
    expect(first.total).toEqual(eur('0.60'));
    expect(first.lines!.map((line) => [line.unitPrice.amount, line.total.amount])).toEqual([['0.10', '0.10'], ['0.20', '0.20'], ['0.30', '0.30']]);
    const all = await Promise.all(dataset.sales.map((sale) => loaders.load(connection.id, 'sale', String(sale.id))));
    expect(all).toEqual(dataset.sales.map((sale) => expectedSale(sale, true)));
    expect(all.some((sale) => sale!.lines!.some((line) => line.discount.amount !== '0.00'))).toBe(true);
    expect(all.some((sale) => sale!.payments!.length > 1)).toBe(true);
    const refund = all.find((sale) => sale!.total.amount.startsWith('-'))!;
    expect(refund.lines!.every((line) => line.quantity.startsWith('-') && line.total.amount.startsWith('-'))).toBe(true);
    expect(refund.payments!.every((payment) => payment.amount.amount.startsWith('-'))).toBe(true);
  });

  it('resolves the lines a list omitted through the batch', async () => {
    const listed = (await adapter.sources.sale!.list!({ filter: {}, cursor: null, limit: 3 })).records;
    expect(listed.map((sale) => sale.lines)).toEqual([undefined, undefined, undefined]);
    const loaders = new RequestLoaders(new Map([[connection.id, connection]]));
    const full = await Promise.all(listed.map((sale) => loaders.load(connection.id, 'sale', sale.id)));
    const byId = new Map(dataset.sales.map((sale) => [String(sale.id), sale]));
    expect(full).toEqual(listed.map((sale) => expectedSale(byId.get(sale.id)!, true)));
  });

  const day = (offset: number) => dataset.sales[Math.floor((SALES * offset) / 90)]!;
  const middle = dataset.sales[150]!;
  it.each<[string, SaleFilter]>([
    ['from and to, inclusive at both ends', { from: day(30).createdAt, to: day(40).createdAt }],
    ['from only', { from: day(80).createdAt }],
    ['to only', { to: day(5).createdAt }],
    ['bounds inside a second (vendor times are whole seconds)', { from: new Date(Date.parse(middle.createdAt) + 1).toISOString(), to: new Date(Date.parse(day(60).createdAt) - 1).toISOString() }],
    ['an offset other than UTC', { from: '2026-09-01T03:00:00+03:00', to: '2026-09-02T23:59:59+03:00' }],
    ['location', { locationId: '2' }],
    ['customer', { customerId: String(dataset.sales.find((sale) => sale.customerId !== null)!.customerId) }],
    ['cash register', { cashbookId: '41' }],
    ['location and cash register of that location', { locationId: '3', cashbookId: '41' }],
    ['everything at once', { from: day(10).createdAt, to: day(70).createdAt, locationId: '1', cashbookId: '39' }],
  ])('filters by %s, at the vendor, with its count', async (_, filter) => {
    const expected = salesMatching(filter);
    expect(expected.length).toBeGreaterThan(0);
    const { records, totalCount } = await walk('sale', filter, 40);
    expect(ids(records)).toEqual(expected.map((sale) => String(sale.id)));
    expect(totalCount).toBe(expected.length);
  });

  it('answers nothing, without asking iCash, for ids it cannot have', async () => {
    for (const filter of [{ locationId: 'main' }, { customerId: '0' }, { cashbookId: '-1' }] satisfies SaleFilter[]) {
      expect(await adapter.sources.sale!.list!({ filter, cursor: null, limit: 10 })).toEqual({ records: [], nextCursor: null, totalCount: 0 });
    }
    expect(vendorCalls()).toBe(0);
    // A register of another store, or one that does not exist.
    expect((await walk('sale', { locationId: '1', cashbookId: '41' }, 10)).records).toEqual([]);
    expect((await walk('sale', { cashbookId: '99' }, 10)).records).toEqual([]);
  });

  it('widens the vendor range around a change of clock and filters exactly (count unknown there)', async () => {
    // Sofia leaves summer time on 2026-10-25 at 01:00Z: local 03:00–04:00 happens twice.
    const filter = { from: '2026-10-24T22:30:00Z', to: '2026-10-25T00:30:00Z' };
    expect(localOperationRange(filter.from, filter.to, 'Europe/Sofia')).toEqual({ from: '2026-10-24 22:30:00', to: '2026-10-25 05:30:00', exact: false });
    const wide = { from: '2026-10-24T00:00:00Z', to: '2026-10-25T00:30:00Z' };
    const { records, totalCount } = await walk('sale', wide, 50);
    expect(ids(records)).toEqual(salesMatching(wide).map((sale) => String(sale.id)));
    expect(totalCount).toBeNull();
    expect(localOperationRange('2026-07-01T10:00:00.001Z', '2026-07-01T11:00:00.999Z', 'Europe/Sofia')).toEqual({
      from: '2026-07-01 13:00:01',
      to: '2026-07-01 14:00:00',
      exact: true,
    });
  });

  it('passes the caller\'s signal down to iCash', async () => {
    const aborted = AbortSignal.abort(new Error('client went away'));
    await expect(adapter.sources.sale!.list!({ filter: {}, cursor: null, limit: 10, signal: aborted })).rejects.toBeInstanceOf(VendorTimeoutError);
    expect(vendorCalls()).toBe(0);
  });

  it('refuses to guess an operation time it cannot read', () => {
    const row = { OperationCreateDate: '25/10/2026 10:00' } as IcashOperation;
    expect(() => mapOperation(row, { currency: 'EUR', timeZone: 'Europe/Sofia', taxRates: {} })).toThrow(RangeError);
  });
});

describe('payments', () => {
  it('are fetched again by "<operation>:<payment>" id, with method names and types from the pay types', async () => {
    const loaders = new RequestLoaders(new Map([[connection.id, connection]]));
    const refund = dataset.sales.find((sale) => sale.isRefund)!;
    const split = dataset.sales.find((sale) => (paymentsOf.get(sale.id) ?? []).length > 1)!;
    const wanted = [...expectedPayments(refund), ...expectedPayments(split), ...expectedPayments(dataset.sales[0]!)];
    expect(await Promise.all(wanted.map((payment) => loaders.load(connection.id, 'payment', payment.id)))).toEqual(wanted);
    expect(wanted[0]!.amount.amount.startsWith('-')).toBe(true);
    for (const id of ['1:999999', '999999:1', '1', 'a:b', '0:1']) expect(await loaders.load(connection.id, 'payment', id)).toBeNull();
  });

  it('names tender types from pay type names in the languages of iCash, or from configuration', () => {
    expect(['Cash', 'В брой', 'Para në dorë', 'Card', 'Банкова карта', 'Kartë', 'Cheque', 'Чек', 'Voucher', 'Банков превод'].map((name) => methodTypeOf(name))).toEqual([
      'CASH', 'CASH', 'CASH', 'CARD', 'CARD', 'CARD', 'CHECK', 'CHECK', 'OTHER', 'OTHER',
    ]);
    expect(methodTypeOf('Voucher', 'CARD')).toBe('CARD');
    expect(parseIcashPaymentId('12:804')).toEqual({ operationId: 12, paymentId: '804' });
  });
});

describe('cashbooks and locations', () => {
  it('lists the cash registers as cashbooks without sessions, and filters sessions out', async () => {
    expect((await walk('cashbook', {}, 2)).records).toEqual(canonical('cashbook', expectedCashbooks));
    expect((await walk('cashbook', { state: 'OPEN' }, 2)).records).toEqual([]);
    expect((await walk('cashbook', { from: '2026-01-01T00:00:00Z' }, 2)).records).toEqual([]);
  });

  it('lists the stores of the registers, named by configuration or else by their register', async () => {
    expect((await walk('location', {}, 1)).records).toEqual(canonical('location', expectedLocations));
    const unnamed = createIcashAdapter({ ...settings, storeNames: { '2': 'Kiosk' } }, { connectionId: 'unnamed', transport: new HttpTransport() });
    const page = await unnamed.sources.location!.list!({ filter: {}, cursor: null, limit: 10 });
    expect(page.records.map((location) => location.name)).toEqual(['Kiosk', 'Main store register', 'Market stall register']);
  });
});

describe('batch lookups cost what they claim', () => {
  async function lookup<K extends EntityKind>(on: Connection, kind: K, wanted: readonly string[]) {
    const loaders = new RequestLoaders(new Map([[on.id, on]]));
    running.reset();
    const records = await Promise.all(wanted.map((id) => loaders.load(on.id, kind, id)));
    return { records, loaderCalls: loaders.calls, stats: running.stats() };
  }

  const itemById = new Map(expectedItems.map((item) => [item.id, item]));

  it.each<[string, string[], number]>([
    ['50 neighbouring items: one page of 100', Array.from({ length: 50 }, (_, index) => String(index + 1)), 1],
    ['50 items across the catalogue: one walk of 10 pages', Array.from({ length: 50 }, (_, index) => String((index + 1) * 20)), 10],
    ['3 scattered items: one call each', ['5', '500', '999'], 3],
    ['20 neighbours and a far one: a page, then one call', [...Array.from({ length: 20 }, (_, index) => String(index + 1)), '990'], 2],
    ['one item', ['777'], 1],
  ])('items, byIds: %s', async (_, wanted, expectedCalls) => {
    for (const on of [freshAdapter(), connection]) {
      const { records, loaderCalls, stats } = await lookup(on, 'item', wanted);
      expect(records).toEqual(wanted.map((id) => itemById.get(id)));
      expect(loaderCalls).toHaveLength(1);
      expect(loaderCalls[0]!.strategy).toBe('byIds');
      expect(stats.byRoute[route('get-sale-items')]).toBe(expectedCalls);
    }
  });

  it('items, byIds: ids iCash cannot have are absent, at the cost of one lookup', async () => {
    const { records, stats } = await lookup(connection, 'item', ['100000', 'SKU-1', '-3']);
    expect(records).toEqual([null, null, null]);
    expect(stats.total).toBe(1);
  });

  it('customers, byIds: 50 of 300 in the 3 pages of the list, 2 in 2 calls', async () => {
    const customerById = new Map(expectedCustomers.map((customer) => [customer.id, customer]));
    const spread = Array.from({ length: 50 }, (_, index) => String(index * 6 + 1));
    let result = await lookup(connection, 'customer', spread);
    expect(result.records).toEqual(spread.map((id) => customerById.get(id)));
    expect(result.stats.total).toBe(3);
    result = await lookup(connection, 'customer', ['17', '280']);
    expect(result.records).toEqual([customerById.get('17'), customerById.get('280')]);
    expect(result.stats.total).toBe(2);
  });

  it('sales, each: 50 ids make 50 bounded get-operation calls, plus the pay types once', async () => {
    const wanted = Array.from({ length: 50 }, (_, index) => String(SALES - index * 3));
    const on = freshAdapter();
    const { records, loaderCalls, stats } = await lookup(on, 'sale', wanted);
    expect(records.map((sale) => sale!.id)).toEqual(wanted);
    expect(loaderCalls.map((call) => [call.strategy, call.ids.length])).toEqual([['each', 50]]);
    expect(stats.byRoute).toEqual({ [route('login')]: 1, [route('get-operation')]: 50, [route('get-pay-types')]: 1 });
    // The pay types are reused by the next request.
    expect((await lookup(on, 'sale', ['1', '2'])).stats.byRoute).toEqual({ [route('get-operation')]: 2 });
    expect((await lookup(on, 'sale', ['999999', 'x'])).records).toEqual([null, null]);
  });

  it('cash registers and stores, scan: one get-cash-registers per request, whatever the batches', async () => {
    const loaders = new RequestLoaders(new Map([[connection.id, connection]]));
    expect(await Promise.all(['39', '40', '99'].map((id) => loaders.load(connection.id, 'cashbook', id)))).toEqual([expectedCashbooks[0], expectedCashbooks[1], null]);
    expect(await loaders.load(connection.id, 'cashbook', '41')).toEqual(expectedCashbooks[2]);
    expect(await Promise.all(['1', '3'].map((id) => loaders.load(connection.id, 'location', id)))).toEqual([expectedLocations[0], expectedLocations[2]]);
    expect(await loaders.load(connection.id, 'location', '2')).toEqual(expectedLocations[1]);
    // One scan for cashbooks, one for locations.
    expect(running.stats().byRoute).toEqual({ [route('get-cash-registers')]: 2 });
  });
});

describe('the plan of a lookup by ids', () => {
  it('finds exactly the ids that exist, in at most one call per id plus one page, and at most min(ids, pages) + 1 calls when it knows the size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 1_200 }), { maxLength: 700 }),
        fc.array(fc.integer({ min: 1, max: 1_300 }), { maxLength: 120 }),
        fc.oneof(fc.constant('accurate' as const), fc.constant(undefined), fc.integer({ min: 0, max: 2_000 })),
        async (present, wanted, lastSeenTotal) => {
          const rows = [...present].sort((a, b) => a - b);
          let count = 0;
          const list: IdIndexedList<number> = {
            page: async (offset, size) => {
              count += 1;
              return { TotalRecords: rows.length, Data: rows.slice(offset, offset + size) };
            },
            one: async (id) => {
              count += 1;
              return rows.includes(id) ? id : null;
            },
            idOf: (row) => row,
            knownTotal: lastSeenTotal === 'accurate' ? rows.length : lastSeenTotal,
          };
          const found = await loadIdsFromList(list, wanted.map(String), 4, {});
          const distinct = new Set(wanted);
          expect(found.sort((a, b) => a - b)).toEqual(rows.filter((id) => distinct.has(id)));
          expect(count).toBeLessThanOrEqual(distinct.size + 1);
          // Even an empty list takes a call to be seen empty.
          if (lastSeenTotal === 'accurate') expect(count).toBeLessThanOrEqual(Math.min(distinct.size, Math.max(1, Math.ceil(rows.length / 100))) + 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('merged pagination over iCash', () => {
  const property = <K extends EntityKind>(kind: K, expected: () => readonly { id: string }[], first: fc.Arbitrary<number>, filter: EntityFilters[K], numRuns: number) =>
    fc.assert(
      fc.asyncProperty(first, async (size) => {
        const { records } = await walk(kind, filter, size);
        expect(ids(records)).toEqual(ids(expected()));
      }),
      { numRuns },
    );

  it('walks every sale exactly once, newest first, for any page size', async () => {
    await property('sale', () => salesMatching({}).map((sale) => expectedSale(sale, false)), fc.integer({ min: 1, max: 120 }), {}, 12);
  });

  it('walks a filtered sale list exactly once for any page size', async () => {
    const filter = { from: dataset.sales[40]!.createdAt, to: dataset.sales[250]!.createdAt, locationId: '1' };
    await property('sale', () => salesMatching(filter).map((sale) => expectedSale(sale, false)), fc.integer({ min: 1, max: 50 }), filter, 10);
  });

  it('walks every customer exactly once, by name, for any page size', async () => {
    await property('customer', () => canonical('customer', expectedCustomers), fc.integer({ min: 8, max: 120 }), {}, 10);
  });

  it('walks every item exactly once, by name, for any page size', async () => {
    await property('item', () => canonical('item', expectedItems), fc.integer({ min: 30, max: 400 }), {}, 10);
  });

  it('walks cashbooks and locations exactly once for any page size', async () => {
    await property('cashbook', () => canonical('cashbook', expectedCashbooks), fc.integer({ min: 1, max: 4 }), {}, 4);
    await property('location', () => canonical('location', expectedLocations), fc.integer({ min: 1, max: 4 }), {}, 4);
  });
});
