/**
 * The Kash adapter against the Kash simulator on loopback (no mocks): every mapped field
 * compared with the dataset the simulator renders, every filter, every list walked through
 * the gateway's merged pagination, and the vendor calls each lookup strategy costs.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { VendorUnavailableError } from '../../../src/core/errors.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
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
  SaleLineRecord,
  SaleRecord,
} from '../../../src/core/model.ts';
import { Decimal } from '../../../src/core/money.ts';
import { comparatorFor } from '../../../src/core/ordering.ts';
import { listMerged, type MergedPage } from '../../../src/core/pagination.ts';
import { createDataset, type Sale } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  createKashAdapter,
  kashAdapterModule,
  kashInstant,
  kashSettingsSchema,
  orderQueryWindows,
  parsePaymentId,
  paymentMethodType,
  type KashSettings,
} from '../../../src/vendors/kash/adapter.ts';
import { KashClient } from '../../../src/vendors/kash/client.ts';
import { createKashSimulator } from '../../../src/vendors/kash/simulator.ts';

const SEED = 102;
const SALES = 300;
const CONNECTION = 'kash-adapter-test';
/** Two days after the dataset's last trading day (2026-11-20). */
const NOW = new Date('2026-11-22T00:00:00Z');
const EUR = (amount: string) => ({ amount, currency: 'EUR' });

const dataset = createDataset({ seed: SEED, sales: SALES, pricePlaces: 2 });
const categoryName = new Map(dataset.categories.map((category) => [category.id, category.name]));
const taxRate = new Map(dataset.taxes.map((tax) => [tax.id, tax.rate]));
const method = new Map(dataset.paymentMethods.map((paymentMethod) => [paymentMethod.id, paymentMethod]));
const saleById = new Map(dataset.sales.map((sale) => [sale.id, sale]));

let running: RunningSimulator;
let adapter: VendorAdapter;
let connection: Connection;

function settingsFor(url: string, extra: Record<string, unknown> = {}): KashSettings {
  return kashSettingsSchema.parse({ baseUrl: url, shopId: '4242', apiKey: 'demo-kash-key', ...extra });
}

function connect(adapterToUse: VendorAdapter, id = CONNECTION): Connection {
  return { id, name: 'Kash', vendor: 'kash', adapter: adapterToUse };
}

beforeAll(async () => {
  running = await startSimulator(createKashSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  adapter = createKashAdapter(settingsFor(running.url), { connectionId: CONNECTION, transport: new HttpTransport() }, { now: () => NOW });
  connection = connect(adapter);
});
afterAll(() => running.close());
beforeEach(() => running.reset());

/** Every record of a list, read page by page straight from the adapter. */
async function listAll<K extends EntityKind>(kind: K, filter: EntityFilters[K], limit = 1_000, source = adapter): Promise<{ records: EntityRecords[K][]; totalCount: number | null }> {
  const list = source.sources[kind]!.list!;
  const records: EntityRecords[K][] = [];
  let cursor: string | null = null;
  let totalCount: number | null = null;
  for (let guard = 0; guard < 500; guard += 1) {
    const page = await list({ filter, cursor, limit });
    records.push(...page.records);
    totalCount = page.totalCount;
    if (page.nextCursor === null) return { records, totalCount };
    cursor = page.nextCursor;
  }
  throw new Error(`${kind} list did not end`);
}

const ids = (records: readonly { id: string }[]) => records.map((record) => record.id);

// ------------------------------------------------------------------------------------------
// What the dataset says each record must become

function expectedItem(index: number): ItemRecord {
  const item = dataset.items[index]!;
  return {
    kind: 'item',
    id: String(item.id),
    name: item.name,
    code: null,
    barcode: item.barcode,
    price: EUR(item.price),
    taxRate: taxRate.get(item.taxId)!,
    category: categoryName.get(item.categoryId)!,
    stock: null,
    raw: {
      id: item.id,
      title: item.name,
      price: Number(item.price),
      departmentId: item.categoryId,
      vatRate: Number(taxRate.get(item.taxId)),
      barcode: item.barcode,
    },
  };
}

function expectedCustomer(index: number): Omit<CustomerRecord, 'raw'> {
  const customer = dataset.customers[index]!;
  return {
    kind: 'customer',
    id: String(customer.id),
    name: `${customer.firstName} ${customer.lastName}`,
    firstName: customer.firstName,
    lastName: customer.lastName,
    // Kash clients have no company field.
    company: null,
    email: customer.email,
    phone: customer.phone,
    vatNumber: customer.vatNumber,
  };
}

function expectedSaleSummary(sale: Sale): Omit<SaleRecord, 'raw'> {
  return {
    kind: 'sale',
    id: String(sale.id),
    number: sale.number,
    createdAt: sale.createdAt,
    total: EUR(sale.total),
    locationId: String(sale.locationId),
    customerId: sale.customerId === null ? null : String(sale.customerId),
    cashbookId: String(sale.locationId),
    note: sale.note,
  };
}

function expectedLines(sale: Sale): SaleLineRecord[] {
  return sale.lines.map((line) => ({
    itemId: String(line.itemId),
    name: line.name,
    quantity: Decimal.parse(line.quantity).normalize().toString(),
    unitPrice: EUR(line.unitPrice),
    discount: EUR(line.discount),
    total: EUR(line.total),
    taxRate: line.taxRate,
  }));
}

function expectedPayments(sale: Sale): PaymentRecord[] {
  return dataset.payments
    .filter((payment) => payment.saleId === sale.id)
    .map((payment, index) => ({
      kind: 'payment',
      id: `${sale.id}:${index}`,
      saleId: String(sale.id),
      method: method.get(payment.methodId)!.name,
      methodType: method.get(payment.methodId)!.type,
      amount: EUR(payment.amount),
      createdAt: payment.createdAt,
      cashbookId: String(sale.locationId),
      raw: { paymentModeID: payment.methodId, amount: Number(payment.amount) },
    }));
}

const allPayments = dataset.sales.flatMap(expectedPayments);
const newestFirst = (a: { createdAt: string; id: number }, b: { createdAt: string; id: number }) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id;
const salesNewestFirst = [...dataset.sales].sort(newestFirst);

// ------------------------------------------------------------------------------------------

describe('settings', () => {
  it('accepts a key, fills the defaults, and builds from the demo settings', () => {
    const settings = kashSettingsSchema.parse({ baseUrl: 'https://caisse.enregistreuse.fr', shopId: 4242, apiKey: 'k' });
    expect(settings).toEqual({
      baseUrl: 'https://caisse.enregistreuse.fr',
      shopId: '4242',
      apiKey: 'k',
      timeZone: 'Europe/Paris',
      currency: 'EUR',
      detailConcurrency: 8,
      salesLookBackDays: 365,
    });
    const demo = kashAdapterModule.demoSettings(running.url);
    expect(kashSettingsSchema.parse(demo)).toEqual(demo);
    expect(kashAdapterModule.createAdapter(demo, { connectionId: 'demo', transport: new HttpTransport() }).vendor).toBe('kash');
  });

  it('accepts a login instead of a key', () => {
    expect(kashSettingsSchema.parse({ baseUrl: 'https://x.test', login: 'a@b.c', password: 'p' }).login).toBe('a@b.c');
  });

  it.each([
    [{ baseUrl: 'https://x.test', shopId: '1', apiKey: 'k', apikey: 'typo' }, ''],
    [{ baseUrl: 'https://x.test' }, 'apiKey'],
    [{ baseUrl: 'https://x.test', apiKey: 'k' }, 'shopId'],
    [{ baseUrl: 'https://x.test', login: 'a@b.c' }, 'password'],
    [{ baseUrl: 'not a url', shopId: '1', apiKey: 'k' }, 'baseUrl'],
    [{ baseUrl: 'https://x.test', shopId: '1', apiKey: 'k', timeZone: 'Paris' }, 'timeZone'],
    [{ baseUrl: 'https://x.test', shopId: '1', apiKey: 'k', currency: 'XYZ' }, 'currency'],
    [{ baseUrl: 'https://x.test', shopId: '1', apiKey: 'k', detailConcurrency: 0 }, 'detailConcurrency'],
  ])('refuses %j with an issue at its path', (input, path) => {
    const result = kashSettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('pure mapping helpers', () => {
  it('reads order dates with an offset as they are, and without one in the shop zone', () => {
    expect(kashInstant('2026-11-20T11:15:00+01:00', 'Europe/Paris')).toBe('2026-11-20T10:15:00Z');
    expect(kashInstant('2026-07-20T11:15:00+0200', 'Europe/Paris')).toBe('2026-07-20T09:15:00Z');
    expect(kashInstant('2026-07-20T11:15:00', 'Europe/Paris')).toBe('2026-07-20T09:15:00Z');
    expect(() => kashInstant('yesterday', 'Europe/Paris')).toThrow(RangeError);
  });

  it.each([
    ['Cash', 'CASH'], ['Espèces', 'CASH'], ['Card', 'CARD'], ['Carte bancaire', 'CARD'], ['CB sans contact', 'CARD'],
    ['Cheque', 'CHECK'], ['Chèque', 'CHECK'], ['Chèque vacances', 'OTHER'], ['Ticket restaurant', 'OTHER'],
    ['Carte cadeau', 'OTHER'], ['Voucher', 'OTHER'], ['Virement', 'OTHER'],
  ] as const)('types the payment mode %s as %s', (title, type) => {
    expect(paymentMethodType(title)).toBe(type);
  });

  it('takes apart only payment ids it made', () => {
    expect(parsePaymentId('12:0')).toEqual({ orderInternalId: 12, index: 0 });
    for (const bad of ['12', '12:', ':1', '0:1', '12:01', 'a:1', '12:1:2']) expect(parsePaymentId(bad)).toBeNull();
  });

  it('splits a period into consecutive whole-second windows that miss no second', () => {
    const from = Date.parse('2026-01-01T00:00:00.400Z');
    const to = Date.parse('2026-01-10T12:00:00.200Z');
    const windows = orderQueryWindows(from, to, 3);
    expect(windows[0]!.from.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(windows.at(-1)!.to.toISOString()).toBe('2026-01-10T12:00:01.000Z');
    for (let i = 1; i < windows.length; i += 1) expect(windows[i]!.from.getTime() - windows[i - 1]!.to.getTime()).toBe(1000);
    expect(windows).toHaveLength(4);
    expect(orderQueryWindows(from, to, undefined)).toHaveLength(1);
    expect(orderQueryWindows(to, from, undefined)).toEqual([]);
  });
});

describe('items (getPlus, scan)', () => {
  it('maps every field of every article, the department as category and its VAT rate as taxRate', async () => {
    const { records, totalCount } = await listAll('item', {});
    expect(totalCount).toBe(dataset.items.length);
    const byId = new Map(records.map((record) => [record.id, record]));
    dataset.items.forEach((_, index) => expect(byId.get(String(index + 1))).toEqual(expectedItem(index)));
    // The awkward prices of the first articles survive exactly.
    expect(byId.get('1')!.price).toEqual(EUR('0.10'));
    expect(byId.get('2')!.price).toEqual(EUR('0.20'));
    expect(ids(records)).toEqual(ids([...records].sort(comparatorFor('item'))));
  });

  it('filters by text, barcode and category, locally and exactly', async () => {
    const all = dataset.items.map((_, index) => expectedItem(index));
    const expectIds = async (filter: EntityFilters['item'], predicate: (item: ItemRecord) => boolean) => {
      const expected = all.filter(predicate);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      const { records, totalCount } = await listAll('item', filter);
      expect(ids(records).sort()).toEqual(ids(expected).sort());
      expect(totalCount).toBe(expected.length);
    };
    await expectIds({ text: 'ESPRESSO' }, (item) => item.name.toLowerCase().includes('espresso'));
    const barcode = dataset.items.find((item) => item.barcode !== null)!.barcode!;
    await expectIds({ barcode }, (item) => item.barcode === barcode);
    await expectIds({ category: 'coffee' }, (item) => item.category === 'Coffee');
    await expectIds({ text: 'organic', category: 'BAKERY' }, (item) => item.category === 'Bakery' && item.name.includes('Organic'));
    // Kash articles have no SKU: a code filter matches nothing.
    expect((await listAll('item', { code: 'SKU-00001' })).records).toEqual([]);
  });

  it('answers 50 lookups with one getPlus (and one getDepartments)', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]), { signal: new AbortController().signal });
    const wanted = Array.from({ length: 50 }, (_, i) => String(i * 7 + 1));
    const records = await Promise.all([...wanted, 'nope'].map((id) => loaders.load(CONNECTION, 'item', id)));
    expect(records.slice(0, 50).map((record) => record!.id)).toEqual(wanted);
    expect(records[50]).toBeNull();
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getPlus.php': 1, 'GET /workers/getDepartments.php': 1 });
    expect(loaders.calls.map((call) => call.strategy)).toEqual(['scan']);
  });
});

describe('customers (getClients, scan)', () => {
  it('maps every field of every client', async () => {
    const { records, totalCount } = await listAll('customer', {});
    expect(totalCount).toBe(dataset.customers.length);
    const byId = new Map(records.map((record) => [record.id, record]));
    dataset.customers.forEach((customer, index) => {
      const record = byId.get(String(customer.id))!;
      expect(record).toMatchObject(expectedCustomer(index));
      expect(record.raw).toMatchObject({ id: customer.id, nom: customer.lastName, prenom: customer.firstName, numtva: customer.vatNumber });
    });
    expect(ids(records)).toEqual(ids([...records].sort(comparatorFor('customer'))));
  });

  it('filters by text in the name or the e-mail', async () => {
    const all = dataset.customers.map((_, index) => expectedCustomer(index));
    for (const text of ['MARIE', 'example.com', 'dubois.1', 'zzz-nobody']) {
      const expected = all.filter((c) => c.name.toLowerCase().includes(text.toLowerCase()) || (c.email ?? '').toLowerCase().includes(text.toLowerCase()));
      const { records } = await listAll('customer', { text });
      expect(ids(records).sort(), text).toEqual(ids(expected).sort());
    }
  });

  it('answers 50 lookups with one getClients', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]));
    const records = await Promise.all(Array.from({ length: 50 }, (_, i) => loaders.load(CONNECTION, 'customer', String(i + 1))));
    expect(records.map((record) => record!.name)).toEqual(dataset.customers.slice(0, 50).map((c) => `${c.firstName} ${c.lastName}`));
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getClients.php': 1 });
  });
});

describe('cashbooks and locations (getCashbox registers, scan)', () => {
  it('maps every register as a cashbook without session and as a location', async () => {
    const cashbooks = (await listAll('cashbook', {})).records;
    expect(cashbooks).toEqual(
      [...dataset.locations].reverse().map((location): CashbookRecord => ({
        kind: 'cashbook',
        id: String(location.id),
        name: location.name,
        state: null,
        openedAt: null,
        closedAt: null,
        openingAmount: null,
        closingAmount: null,
        locationId: String(location.id),
        raw: { id: location.id, title: location.name },
      })),
    );
    const locations = await listAll('location', {});
    expect(locations.totalCount).toBe(3);
    expect(locations.records).toEqual(
      [...dataset.locations]
        .map((location): LocationRecord => ({ kind: 'location', id: String(location.id), name: location.name, raw: { id: location.id, title: location.name } }))
        .sort(comparatorFor('location')),
    );
  });

  it('matches no register on a state or opening-time filter, since registers have neither', async () => {
    expect((await listAll('cashbook', { state: 'OPEN' })).records).toEqual([]);
    expect((await listAll('cashbook', { state: 'CLOSED' })).records).toEqual([]);
    expect((await listAll('cashbook', { from: '2026-01-01T00:00:00Z' })).records).toEqual([]);
  });

  it('answers lookups of cashbooks and locations with one getCashbox per request', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]), { signal: new AbortController().signal });
    const found = await Promise.all(['1', '2', '3', '4'].flatMap((id) => [loaders.load(CONNECTION, 'cashbook', id), loaders.load(CONNECTION, 'location', id)]));
    expect(found.map((record) => record?.id ?? null)).toEqual(['1', '1', '2', '2', '3', '3', null, null]);
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getCashbox.php': 1 });
  });
});

describe('sales (getOrders list, getOrder each)', () => {
  it('lists every order newest first, without lines or payments, with the summary fields mapped', async () => {
    const { records, totalCount } = await listAll('sale', {});
    expect(totalCount).toBe(SALES);
    expect(ids(records)).toEqual(salesNewestFirst.map((sale) => String(sale.id)));
    for (const record of records) {
      expect(record).toMatchObject(expectedSaleSummary(saleById.get(Number(record.id))!));
      expect(record.lines).toBeUndefined();
      expect(record.payments).toBeUndefined();
      expect(record.raw).toMatchObject({ orderInternalID: Number(record.id), status: 'terminated' });
    }
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getOrders.php': 1 });
  });

  it('completes every sale through its own getOrder: lines, payments and exact money', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]), { signal: new AbortController().signal });
    const full = await Promise.all(dataset.sales.map((sale) => loaders.load(CONNECTION, 'sale', String(sale.id))));
    full.forEach((record, index) => {
      const sale = dataset.sales[index]!;
      expect(record).toMatchObject(expectedSaleSummary(sale));
      expect(record!.lines).toEqual(expectedLines(sale));
      expect(record!.payments).toEqual(expectedPayments(sale));
      expect(record!.raw).toMatchObject({ orderInternalID: sale.id, items: expect.any(Array), VATs: expect.any(Array) });
    });
    // The first sale: 0.10 + 0.20 + a third article, each exact.
    const first = full[0]!;
    expect(first.lines!.slice(0, 2).map((line) => [line.unitPrice.amount, line.total.amount])).toEqual([['0.10', '0.10'], ['0.20', '0.20']]);
    expect(first.total).toEqual(EUR(dataset.sales[0]!.total));
    expect(dataset.sales.some((sale) => sale.isRefund)).toBe(true);
    const refund = full.find((record) => Decimal.parse(record!.total.amount).isNegative())!;
    expect(refund.payments!.every((payment) => Decimal.parse(payment.amount.amount).isNegative())).toBe(true);
  });

  it('resolves the lines a list page omitted through the sale batch', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]), { signal: new AbortController().signal });
    const page = await listMerged({ kind: 'sale', sources: [{ connection, filter: {} }], first: 5, after: null });
    for (const { record } of page.edges) {
      expect(record.lines).toBeUndefined();
      const full = await loaders.load(CONNECTION, 'sale', record.id);
      expect(full!.lines).toEqual(expectedLines(saleById.get(Number(record.id))!));
    }
  });

  it('makes one getOrder per id, at most detailConcurrency at a time, and one getPaymentModes per request', async () => {
    const counting = new CountingTransport();
    const bounded = createKashAdapter(settingsFor(running.url, { detailConcurrency: 4 }), { connectionId: CONNECTION, transport: counting }, { now: () => NOW });
    const loaders = new RequestLoaders(new Map([[CONNECTION, connect(bounded)]]), { signal: new AbortController().signal });
    const wanted = Array.from({ length: 50 }, (_, i) => String(i * 5 + 3));
    const records = await Promise.all(wanted.map((id) => loaders.load(CONNECTION, 'sale', id)));
    expect(records.map((record) => record!.id)).toEqual(wanted);
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getOrder.php': 50, 'GET /workers/getPaymentModes.php': 1 });
    expect(loaders.calls).toEqual([{ connection: CONNECTION, kind: 'sale', strategy: 'each', ids: wanted }]);
    // Four getOrder calls plus the shared getPaymentModes at the start.
    expect(counting.maxInFlight).toBeLessThanOrEqual(5);
    expect(counting.maxInFlight).toBeGreaterThanOrEqual(4);
  });

  it('answers null for ids Kash does not have', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]));
    const records = await Promise.all(['0', '999999', 'abc', '-1', '1.5'].map((id) => loaders.load(CONNECTION, 'sale', id)));
    expect(records).toEqual([null, null, null, null, null]);
  });

  it('filters by date (inclusive instants, to the millisecond), register and customer', async () => {
    const chronological = dataset.sales;
    const lower = chronological[40]!;
    const upper = chronological[160]!;
    const cases: Array<[EntityFilters['sale'], (sale: Sale) => boolean]> = [
      [{ from: lower.createdAt, to: upper.createdAt }, (s) => s.id >= lower.id && s.id <= upper.id],
      // A millisecond past a sale's second leaves it out at both ends.
      [{ from: new Date(Date.parse(lower.createdAt) + 1).toISOString(), to: new Date(Date.parse(upper.createdAt) - 1).toISOString() }, (s) => Date.parse(s.createdAt) > Date.parse(lower.createdAt) && Date.parse(s.createdAt) < Date.parse(upper.createdAt)],
      [{ from: '2026-11-15T00:00:00+01:00' }, (s) => Date.parse(s.createdAt) >= Date.parse('2026-11-14T23:00:00Z')],
      [{ to: '2026-09-01T00:00:00Z' }, (s) => Date.parse(s.createdAt) <= Date.parse('2026-09-01T00:00:00Z')],
      [{ locationId: '2' }, (s) => s.locationId === 2],
      [{ cashbookId: '3' }, (s) => s.locationId === 3],
      [{ customerId: String(chronological.find((s) => s.customerId !== null)!.customerId) }, (s) => s.customerId === chronological.find((x) => x.customerId !== null)!.customerId],
      [{ locationId: '1', from: lower.createdAt }, (s) => s.locationId === 1 && s.id >= lower.id],
      [{ locationId: '9' }, () => false],
    ];
    for (const [filter, predicate] of cases) {
      const expected = salesNewestFirst.filter(predicate).map((sale) => String(sale.id));
      const { records, totalCount } = await listAll('sale', filter, 37);
      expect(ids(records), JSON.stringify(filter)).toEqual(expected);
      expect(totalCount, JSON.stringify(filter)).toBe(expected.length);
    }
  });

  it('reaches back salesLookBackDays when the filter has no from, and no further', async () => {
    const short = createKashAdapter(settingsFor(running.url, { salesLookBackDays: 30 }), { connectionId: CONNECTION, transport: new HttpTransport() }, { now: () => NOW });
    const since = NOW.getTime() - 30 * 86_400_000;
    const expected = salesNewestFirst.filter((sale) => Date.parse(sale.createdAt) >= since).map((sale) => String(sale.id));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(SALES);
    const { records, totalCount } = await listAll('sale', {}, 1_000, short);
    expect(ids(records)).toEqual(expected);
    expect(totalCount).toBe(expected.length);
    // With only `to`, the look-back counts back from it.
    const to = '2026-10-01T00:00:00Z';
    const before = salesNewestFirst.filter((s) => Date.parse(s.createdAt) <= Date.parse(to) && Date.parse(s.createdAt) >= Date.parse(to) - 30 * 86_400_000);
    expect(ids((await listAll('sale', { to }, 1_000, short)).records)).toEqual(before.map((s) => String(s.id)));
  });

  it('walks getOrders in ordersWindowDays windows and finds the same sales', async () => {
    const windowed = createKashAdapter(settingsFor(running.url, { ordersWindowDays: 30 }), { connectionId: CONNECTION, transport: new HttpTransport() }, { now: () => NOW });
    const { records, totalCount } = await listAll('sale', {}, 1_000, windowed);
    expect(ids(records)).toEqual(salesNewestFirst.map((sale) => String(sale.id)));
    expect(totalCount).toBe(SALES);
    // 365 days and one second of look-back in 30-day windows.
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getOrders.php': 13 });
  });

  it('refuses a cursor it did not make', async () => {
    await expect(adapter.sources.sale!.list!({ filter: {}, cursor: 'garbage', limit: 5 })).rejects.toThrow(/cursor/);
    await expect(adapter.sources.sale!.list!({ filter: {}, cursor: '{"e":null,"a":"x","i":"1"}', limit: 5 })).rejects.toThrow(/cursor/);
  });
});

describe('payments (inside getOrders, getOrder each)', () => {
  it('lists every payment of every order with its mode, type, amount, date and register', async () => {
    const { records, totalCount } = await listAll('payment', {});
    expect(totalCount).toBe(allPayments.length);
    expect(records).toEqual([...allPayments].sort(comparatorFor('payment')));
    expect(new Set(records.map((record) => record.methodType))).toEqual(new Set(['CASH', 'CARD', 'CHECK', 'OTHER']));
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getOrders.php': 1, 'GET /workers/getPaymentModes.php': 1 });
  });

  it('filters by date, method name or type, register and sale', async () => {
    const lower = dataset.sales[100]!.createdAt;
    const split = dataset.sales.find((sale) => dataset.payments.filter((p) => p.saleId === sale.id).length === 2)!;
    const cases: Array<[EntityFilters['payment'], (payment: PaymentRecord) => boolean]> = [
      [{ from: lower }, (p) => Date.parse(p.createdAt!) >= Date.parse(lower)],
      [{ method: 'cash' }, (p) => p.method === 'Cash'],
      [{ method: 'CHECK' }, (p) => p.methodType === 'CHECK'],
      [{ method: 'voucher' }, (p) => p.method === 'Voucher'],
      [{ method: 'Carte' }, () => false],
      [{ cashbookId: '2' }, (p) => p.cashbookId === '2'],
      [{ saleId: String(split.id) }, (p) => p.saleId === String(split.id)],
      [{ saleId: String(split.id), method: 'nothing' }, () => false],
      [{ saleId: String(split.id), to: '2026-01-01T00:00:00Z' }, () => false],
      [{ saleId: '999999' }, () => false],
    ];
    for (const [filter, predicate] of cases) {
      const expected = [...allPayments].sort(comparatorFor('payment')).filter(predicate);
      const { records, totalCount } = await listAll('payment', filter, 41);
      expect(ids(records), JSON.stringify(filter)).toEqual(ids(expected));
      expect(totalCount).toBe(expected.length);
    }
    expect((await listAll('payment', { saleId: String(split.id) })).records).toHaveLength(2);
  });

  it('reads one sale’s payments through its getOrder, not the whole window', async () => {
    await listAll('payment', { saleId: '7' });
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getOrder.php': 1, 'GET /workers/getPaymentModes.php': 1 });
  });

  it('looks a payment up again by its id, one getOrder each', async () => {
    const loaders = new RequestLoaders(new Map([[CONNECTION, connection]]), { signal: new AbortController().signal });
    const wanted = allPayments.slice(0, 50);
    const records = await Promise.all(wanted.map((payment) => loaders.load(CONNECTION, 'payment', payment.id)));
    expect(records).toEqual(wanted);
    expect(running.stats().byRoute).toEqual({ 'GET /workers/getOrder.php': 50, 'GET /workers/getPaymentModes.php': 1 });
    expect(await Promise.all(['1:9', '999999:0', 'x', '1'].map((id) => loaders.load(CONNECTION, 'payment', id)))).toEqual([null, null, null, null]);
  });
});

describe('every list through the merged pagination', () => {
  const expectations: Array<[EntityKind, EntityFilters[EntityKind], number]> = [
    ['item', {}, dataset.items.length],
    ['item', { category: 'Dairy' }, dataset.items.filter((item) => categoryName.get(item.categoryId) === 'Dairy').length],
    ['customer', {}, dataset.customers.length],
    ['sale', {}, SALES],
    ['sale', { from: '2026-10-01T00:00:00Z', to: '2026-11-01T00:00:00Z', locationId: '1' }, dataset.sales.filter((s) => s.locationId === 1 && s.createdAt >= '2026-10-01T00:00:00Z' && s.createdAt <= '2026-11-01T00:00:00Z').length],
    ['payment', {}, allPayments.length],
    ['cashbook', {}, 3],
    ['location', {}, 3],
  ];

  it.each(expectations)('returns every %s (filter %j) exactly once in canonical order, for any page size', async (kind, filter, expected) => {
    await fc.assert(
      // Bounded walk: at most ~40 pages, since every page of a Kash list reads the whole list again.
      fc.asyncProperty(fc.integer({ min: Math.max(1, Math.ceil(expected / 40)), max: 150 }), async (first) => {
        const seen: Array<EntityRecords[EntityKind]> = [];
        let after: string | null = null;
        let totalCount: number | null = null;
        for (let guard = 0; guard <= Math.ceil(expected / first) + 1; guard += 1) {
          const page: MergedPage<EntityKind> = await listMerged({ kind, sources: [{ connection, filter }], first, after });
          seen.push(...page.edges.map((edge) => edge.record));
          totalCount = page.totalCount;
          expect(page.sources[0]!.status).toBe('OK');
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(seen).toHaveLength(expected);
        expect(new Set(ids(seen)).size).toBe(expected);
        expect(totalCount).toBe(expected);
        const compare = comparatorFor(kind) as (a: unknown, b: unknown) => number;
        for (let i = 1; i < seen.length; i += 1) expect(compare(seen[i - 1], seen[i])).toBeLessThan(0);
      }),
      { numRuns: 12 },
    );
  }, 60_000);
});

describe('a live shop', () => {
  let shop: RunningSimulator;
  let live: VendorAdapter;
  let writer: KashClient;
  beforeAll(async () => {
    shop = await startSimulator(createKashSimulator({ seed: SEED, sales: 50 }), { port: 0 });
    // The real clock: the window must end now to see what is recorded during the test.
    live = kashAdapterModule.createAdapter(kashAdapterModule.demoSettings(shop.url), { connectionId: 'live', transport: new HttpTransport() });
    writer = new KashClient({ connection: 'writer', baseUrl: shop.url, credentials: { shopId: '4242', apiKey: 'demo-kash-key' } });
  });
  afterAll(() => shop.close());

  it('lists validated orders, paid or not, but not quotes', async () => {
    const dateValeur = Math.floor(Date.parse('2026-11-20T20:00:00Z') / 1000);
    const paid = await writer.recordSale({ payment: 2, dateValeur, items: [{ kind: 'article', idArticle: 1 }] });
    const unpaid = await writer.recordSale({ payment: -1, dateValeur, items: [{ kind: 'article', idArticle: 2 }] });
    const quote = await writer.recordSale({ payment: -2, items: [{ kind: 'article', idArticle: 3 }] });
    const listed = ids((await listAll('sale', {}, 1_000, live)).records);
    expect(listed).toContain(String(paid.orderInternalID));
    expect(listed).toContain(String(unpaid.orderInternalID));
    expect(listed).not.toContain(String(quote.orderInternalID));
    const loaders = new RequestLoaders(new Map([['live', connect(live, 'live')]]));
    expect(await loaders.load('live', 'sale', String(quote.orderInternalID))).toBeNull();
    const unpaidSale = await loaders.load('live', 'sale', String(unpaid.orderInternalID));
    expect(unpaidSale!.payments).toEqual([]);
    expect(unpaidSale!.lines).toHaveLength(1);
    const paidSale = await loaders.load('live', 'sale', String(paid.orderInternalID));
    expect(paidSale!.payments!.map((payment) => [payment.method, payment.methodType, payment.amount.amount])).toEqual([['Card', 'CARD', '0.10']]);
    expect(paidSale!.createdAt).toBe('2026-11-20T20:00:00Z');
  });

  it('keeps the window of the first page: later pages serve the rest exactly once, a sale recorded meanwhile in the past included', async () => {
    const before = (await listAll('sale', {}, 1_000, live)).records;
    const list = live.sources.sale!.list!;
    const first = await list({ filter: {}, cursor: null, limit: 10 });
    expect(ids(first.records)).toEqual(ids(before.slice(0, 10)));
    // One sale after the window's end (not served), one back in September (served on a later page).
    const future = await writer.recordSale({ payment: 1, dateValeur: Math.floor(Date.now() / 1000) + 3_600, items: [{ kind: 'article', idArticle: 4 }] });
    const past = await writer.recordSale({ payment: 1, dateValeur: Math.floor(Date.parse('2026-09-01T12:00:00Z') / 1000), items: [{ kind: 'article', idArticle: 5 }] });
    const rest: SaleRecord[] = [];
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = await list({ filter: {}, cursor, limit: 10 });
      rest.push(...page.records);
      cursor = page.nextCursor;
    }
    const served = [...first.records, ...rest];
    expect(ids(served)).not.toContain(String(future.orderInternalID));
    expect(ids(served).filter((id) => id === String(past.orderInternalID))).toHaveLength(1);
    expect(ids(served).filter((id) => id !== String(past.orderInternalID))).toEqual(ids(before));
  });

  it('signs in with a login when it has no key', async () => {
    const settings = kashSettingsSchema.parse({ baseUrl: shop.url, login: 'demo@posgraph.test', password: 'demo-password' });
    const byLogin = createKashAdapter(settings, { connectionId: 'login', transport: new HttpTransport() });
    expect((await byLogin.sources.location!.list!({ filter: {}, cursor: null, limit: 10 })).records.map((r) => r.name)).toEqual(['Main store', 'Market stall', 'Station kiosk']);
  });

  it('fails a list with the vendor error when Kash is down', async () => {
    shop.addFault({ errorRate: 1, errorStatus: 503 });
    try {
      await expect(live.sources.sale!.list!({ filter: {}, cursor: null, limit: 10 })).rejects.toBeInstanceOf(VendorUnavailableError);
    } finally {
      shop.reset();
    }
  });
});

/** Counts the requests in flight, to see the bound of an `each` strategy. */
class CountingTransport extends HttpTransport {
  inFlight = 0;
  maxInFlight = 0;
  override async send(site: CallSite, request: HttpRequest): Promise<HttpResponse> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.send(site, request);
    } finally {
      this.inFlight -= 1;
    }
  }
}
