/**
 * The IncoCloud adapter against its simulator on loopback. Every expected value comes from
 * the same `createDataset(...)` the simulator renders, never from the adapter or the wire.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capabilitiesOf, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
import { RequestLoaders } from '../../../src/core/loaders.ts';
import type { EntityFilters, EntityKind, EntityRecords } from '../../../src/core/model.ts';
import { Decimal, money } from '../../../src/core/money.ts';
import { compareIds, comparatorFor } from '../../../src/core/ordering.ts';
import { listMerged, type MergedPage } from '../../../src/core/pagination.ts';
import { fromLocalDateTime, toLocalDate } from '../../../src/core/time.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  incocloudAdapterModule,
  incocloudSettingsSchema,
  localTimeReader,
  paymentMethodType,
  type IncocloudSettings,
} from '../../../src/vendors/incocloud/adapter.ts';
import { createIncocloudSimulator } from '../../../src/vendors/incocloud/simulator.ts';

const SEED = 101;
const SALES = 300;
const TIME_ZONE = 'Europe/Sofia';
const data = createDataset({ seed: SEED, sales: SALES, pricePlaces: 4, currency: 'EUR' });
const API = 'GET /server-sim/connect/api/';
const LOGIN_ROUTE = 'GET /connect/api/access_token';
const STATUS_NAMES = { CONFIRMED: 'Confirmed', CHECKED_IN: 'Checked in', CHECKED_OUT: 'Checked out', CANCELLED: 'Cancelled' } as const;

const eur = (value: string) => money(value, 'EUR');
const sameDecimal = (a: string | null, b: string): boolean => a !== null && Decimal.parse(a).equals(Decimal.parse(b));
const saleIdOf = (sale: { id: number; locationId: number }): string => String(sale.locationId * 10_000_000 + sale.id);
const saleById = new Map(data.sales.map((sale) => [sale.id, sale]));
const methodById = new Map(data.paymentMethods.map((method) => [method.id, method]));
/** Newest first, then the larger id: the canonical order of dated kinds. */
const newestFirst = (a: { at: string; id: string }, b: { at: string; id: string }): number => Date.parse(b.at) - Date.parse(a.at) || compareIds(b.id, a.id);

/** The real transport, counting requests in flight so a test can see the bound on `each`. */
class ObservingTransport extends HttpTransport {
  inFlight = 0;
  maxInFlight = 0;
  readonly urls: URL[] = [];

  override async send(site: CallSite, request: HttpRequest): Promise<HttpResponse> {
    this.urls.push(request.url);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.send(site, request);
    } finally {
      this.inFlight -= 1;
    }
  }
}

let running: RunningSimulator;
let transport: ObservingTransport;
let settings: IncocloudSettings;
let adapter: VendorAdapter;
let connection: Connection;

function build(overrides: Partial<IncocloudSettings> = {}, using: HttpTransport = transport): VendorAdapter {
  return incocloudAdapterModule.createAdapter({ ...settings, ...overrides }, { connectionId: 'inco-adapter-test', transport: using });
}

/** One page holding the whole filtered list; it must say so. */
async function listAll<K extends EntityKind>(kind: K, filter: EntityFilters[K] = {} as EntityFilters[K], on = adapter): Promise<EntityRecords[K][]> {
  const list = on.sources[kind]!.list!;
  const page = await list({ filter: filter as never, cursor: null, limit: 1_000_000 });
  expect(page.nextCursor).toBeNull();
  expect(page.totalCount).toBe(page.records.length);
  return page.records as EntityRecords[K][];
}

function expectCanonical<K extends EntityKind>(kind: K, records: readonly EntityRecords[K][]): void {
  const compare = comparatorFor(kind);
  for (let index = 1; index < records.length; index += 1) expect(compare(records[index - 1]!, records[index]!)).toBeLessThan(0);
}

/** Calls per vendor route since the last reset, without the control routes. */
function calls(): Record<string, number> {
  return running.stats().byRoute;
}

beforeAll(async () => {
  running = await startSimulator(createIncocloudSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  transport = new ObservingTransport();
  settings = incocloudSettingsSchema.parse(incocloudAdapterModule.demoSettings(running.url));
  adapter = build();
  connection = { id: 'inco-adapter-test', name: 'IncoCloud adapter test', vendor: 'incocloud', adapter };
});

afterAll(async () => {
  await running.close();
});

describe('settings', () => {
  it('fills time zone, currency, detail concurrency and look-back with their defaults', () => {
    const parsed = incocloudSettingsSchema.parse({ baseUrl: 'https://incocloud.com', appId: 'id', appSecret: 'secret' });
    expect(parsed).toEqual({
      baseUrl: 'https://incocloud.com',
      appId: 'id',
      appSecret: 'secret',
      timeZone: 'Europe/Sofia',
      currency: 'EUR',
      detailConcurrency: 8,
      listLookbackDays: null,
    });
  });

  it('accepts the demo settings it ships for the simulator', () => {
    expect(incocloudSettingsSchema.parse(incocloudAdapterModule.demoSettings('http://127.0.0.1:4101'))).toMatchObject({
      appId: 'demo-app-id',
      appSecret: 'demo-app-secret',
    });
  });

  it.each([
    ['a missing secret', { baseUrl: 'https://incocloud.com', appId: 'id' }, 'appSecret'],
    ['an unknown field', { baseUrl: 'https://incocloud.com', appId: 'id', appSecret: 's', apiKey: 'x' }, ''],
    ['a base URL that is no URL', { baseUrl: 'incocloud', appId: 'id', appSecret: 's' }, 'baseUrl'],
    ['an unknown time zone', { baseUrl: 'https://incocloud.com', appId: 'id', appSecret: 's', timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['an unknown currency', { baseUrl: 'https://incocloud.com', appId: 'id', appSecret: 's', currency: 'XXX' }, 'currency'],
    ['a concurrency of zero', { baseUrl: 'https://incocloud.com', appId: 'id', appSecret: 's', detailConcurrency: 0 }, 'detailConcurrency'],
  ])('refuses %s, naming the field', (_, input, path) => {
    const result = incocloudSettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path.join('.')).toBe(path);
    if (path === '') expect(issue.message).toContain('apiKey');
  });
});

describe('items', () => {
  it('maps every item: name, code, barcode, exact price, VAT rate, group name and stock over all locations', async () => {
    const records = await listAll('item');
    expect(records).toHaveLength(data.items.length);
    expectCanonical('item', records);
    const byId = new Map(records.map((record) => [record.id, record]));
    for (const item of data.items) {
      const record = byId.get(String(item.id))!;
      expect(record).toMatchObject({
        kind: 'item',
        name: item.name,
        code: item.code,
        barcode: item.barcode,
        price: eur(item.price),
        taxRate: data.taxes.find((tax) => tax.id === item.taxId)!.rate,
        category: data.categories.find((category) => category.id === item.categoryId)!.name,
      });
      expect(sameDecimal(record.stock, item.stock), `stock of item ${item.id}`).toBe(true);
      expect(record.raw).toMatchObject({ id: item.id, price_out: expect.any(Number), availability: expect.any(Array) });
    }
    // The awkward prices reach the model exactly.
    expect(['1', '2', '4', '5', '6', '9'].map((id) => byId.get(id)!.price.amount)).toEqual(['0.10', '0.20', '1.005', '2.675', '0.0125', '33.3333']);
  });

  it('filters by name text, exact code, exact barcode and category name, case-insensitively where the model says', async () => {
    const withBarcode = data.items.find((item) => item.barcode !== null)!;
    const cases: Array<[EntityFilters['item'], (item: (typeof data.items)[number]) => boolean]> = [
      [{ text: 'ESPRESSO' }, (item) => item.name.toLowerCase().includes('espresso')],
      [{ code: 'SKU-00042' }, (item) => item.code === 'SKU-00042'],
      [{ code: 'SKU-99999' }, () => false],
      [{ barcode: withBarcode.barcode! }, (item) => item.barcode === withBarcode.barcode],
      [{ category: 'bakery' }, (item) => item.categoryId === 1],
      [{ category: 'FRUIT & VEGETABLES', text: 'apples' }, (item) => item.categoryId === 3 && item.name.toLowerCase().includes('apples')],
      [{ category: 'Bakery', code: 'SKU-00001' }, (item) => item.categoryId === 1 && item.code === 'SKU-00001'],
      [{ category: 'No such group' }, () => false],
    ];
    for (const [filter, matches] of cases) {
      const records = await listAll('item', filter);
      expect(records.map((record) => record.id).sort(compareIds), JSON.stringify(filter)).toEqual(data.items.filter(matches).map((item) => String(item.id)));
      expectCanonical('item', records);
    }
  });

  it('sends the category to the vendor as its group id, and the code as its code filter', async () => {
    transport.urls.length = 0;
    await listAll('item', { category: 'dairy', code: 'SKU-00007' });
    const itemCall = transport.urls.find((url) => url.pathname.endsWith('/item'))!;
    expect(itemCall.searchParams.get('group_id')).toBe('5');
    expect(itemCall.searchParams.get('code')).toBe('SKU-00007');
  });
});

describe('sales', () => {
  it('lists every sale unfiltered, with totalCount equal to the dataset, newest first', async () => {
    const page = await adapter.sources.sale!.list!({ filter: {}, cursor: null, limit: 10 });
    expect(page.totalCount).toBe(SALES);
    expect(page.records).toHaveLength(10);
    expect(page.nextCursor).toBe('10');
    expect(page.records[0]!.createdAt).toBe(data.sales.at(-1)!.createdAt);
  });

  it('maps every sale with its lines and payments: operation number as id, exact amounts, instants, refunds negative', async () => {
    const records = await listAll('sale');
    expect(records).toHaveLength(SALES);
    expectCanonical('sale', records);
    const byId = new Map(records.map((record) => [record.id, record]));
    const paymentsBySale = new Map<number, Array<(typeof data.payments)[number]>>();
    for (const payment of data.payments) paymentsBySale.set(payment.saleId, [...(paymentsBySale.get(payment.saleId) ?? []), payment]);
    for (const sale of data.sales) {
      const record = byId.get(saleIdOf(sale))!;
      expect(record, `sale ${sale.id}`).toMatchObject({
        kind: 'sale',
        number: saleIdOf(sale),
        createdAt: sale.createdAt,
        total: eur(sale.total),
        locationId: String(sale.locationId),
        customerId: sale.customerId === null ? null : String(sale.customerId),
        cashbookId: null,
        note: sale.note,
      });
      expect(record.lines).toHaveLength(sale.lines.length);
      sale.lines.forEach((line, index) => {
        const mapped = record.lines![index]!;
        expect(mapped).toMatchObject({
          itemId: String(line.itemId),
          name: line.name,
          unitPrice: eur(line.unitPrice),
          discount: eur(line.discount),
          total: eur(line.total),
          taxRate: line.taxRate,
        });
        expect(sameDecimal(mapped.quantity, line.quantity)).toBe(true);
      });
      const payments = paymentsBySale.get(sale.id) ?? [];
      expect(record.payments!.map((payment) => payment.id)).toEqual(payments.map((payment) => String(payment.id)));
      payments.forEach((payment, index) => {
        expect(record.payments![index]).toMatchObject({
          kind: 'payment',
          saleId: record.id,
          method: methodById.get(payment.methodId)!.name,
          methodType: methodById.get(payment.methodId)!.type,
          amount: eur(payment.amount),
          createdAt: payment.createdAt,
          cashbookId: null,
        });
      });
      expect(record.raw).toMatchObject({ id: sale.id, operation_number: Number(record.id), payments: expect.any(Array) });
    }
    const first = byId.get(saleIdOf(data.sales[0]!))!;
    expect(first.lines!.map((line) => line.total.amount)).toEqual(['0.10', '0.20', '0.30']);
    expect(first.total).toEqual({ amount: '0.60', currency: 'EUR' });
    const refunds = data.sales.filter((sale) => sale.isRefund);
    expect(refunds.length).toBeGreaterThan(0);
    for (const refund of refunds) {
      const record = byId.get(saleIdOf(refund))!;
      expect(record.total.amount.startsWith('-')).toBe(true);
      expect(record.payments!.every((payment) => payment.amount.amount.startsWith('-'))).toBe(true);
      expect(record.lines!.every((line) => line.quantity.startsWith('-'))).toBe(true);
    }
  });

  it('filters by location and customer at the vendor, exactly', async () => {
    const customerId = data.sales.find((sale) => sale.customerId !== null)!.customerId!;
    const cases: Array<[EntityFilters['sale'], (sale: (typeof data.sales)[number]) => boolean]> = [
      [{ locationId: '2' }, (sale) => sale.locationId === 2],
      [{ customerId: String(customerId) }, (sale) => sale.customerId === customerId],
      [{ locationId: '3', customerId: String(customerId) }, (sale) => sale.locationId === 3 && sale.customerId === customerId],
      [{ locationId: '99' }, () => false],
    ];
    for (const [filter, matches] of cases) {
      const records = await listAll('sale', filter);
      const expected = data.sales.filter(matches).map((sale) => ({ at: sale.createdAt, id: saleIdOf(sale) })).sort(newestFirst);
      expect(records.map((record) => record.id), JSON.stringify(filter)).toEqual(expected.map((sale) => sale.id));
    }
  });

  it('matches nothing, without calling the vendor, for a cashbook or an id the vendor cannot have', async () => {
    running.reset();
    for (const filter of [{ cashbookId: '1' }, { locationId: 'main' }, { customerId: '-4' }, { customerId: '0' }]) {
      const page = await adapter.sources.sale!.list!({ filter, cursor: null, limit: 10 });
      expect(page).toEqual({ records: [], nextCursor: null, totalCount: 0 });
    }
    expect(running.stats().total).toBe(0);
  });

  it('keeps exactly the sales between two instants, inclusive, whatever the local days around them', async () => {
    const first = Date.parse(data.sales[0]!.createdAt) - 86_400_000;
    const last = Date.parse(data.sales.at(-1)!.createdAt) + 86_400_000;
    const bound = fc.oneof(
      fc.integer({ min: first, max: last }).map((ms) => new Date(ms).toISOString()),
      fc.constantFrom(...data.sales.map((sale) => sale.createdAt)),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }), fc.constantFrom(undefined, '1', '2'), async (from, to, locationId) => {
        const records = await listAll('sale', { from, to, locationId });
        const expected = data.sales
          .filter((sale) => {
            const at = Date.parse(sale.createdAt);
            return (from === undefined || at >= Date.parse(from)) && (to === undefined || at <= Date.parse(to)) && (locationId === undefined || String(sale.locationId) === locationId);
          })
          .map((sale) => ({ at: sale.createdAt, id: saleIdOf(sale) }))
          .sort(newestFirst);
        expect(records.map((record) => record.id)).toEqual(expected.map((sale) => sale.id));
      }),
      { numRuns: 15 },
    );
  });

  it('asks the vendor for the Sofia-local days holding the bounds', async () => {
    transport.urls.length = 0;
    // 22:30 UTC on 18 November is already 19 November in Sofia.
    await listAll('sale', { from: '2026-11-18T22:30:00Z', to: '2026-11-19T21:59:59.999Z' });
    const saleCall = transport.urls.find((url) => url.pathname.endsWith('/sale'))!;
    expect(saleCall.searchParams.get('from_date')).toBe('2026-11-19');
    expect(saleCall.searchParams.get('to_date')).toBe('2026-11-19');
    expect(saleCall.searchParams.get('load_payments')).toBe('true');
  });

  it('sends no dates on an unfiltered list unless a look-back is configured', async () => {
    transport.urls.length = 0;
    await listAll('sale');
    expect(transport.urls.find((url) => url.pathname.endsWith('/sale'))!.searchParams.has('from_date')).toBe(false);

    transport.urls.length = 0;
    const records = await listAll('sale', {}, build({ listLookbackDays: 3650 }));
    const expectedFrom = new Date(Date.parse(`${toLocalDate(new Date(), TIME_ZONE)}T00:00:00Z`) - 3650 * 86_400_000).toISOString().slice(0, 10);
    expect(transport.urls.find((url) => url.pathname.endsWith('/sale'))!.searchParams.get('from_date')).toBe(expectedFrom);
    expect(records).toHaveLength(SALES);
  });
});

describe('payments', () => {
  it('maps every payment: its sale by operation number, method name and type, exact amount, instant', async () => {
    const records = await listAll('payment');
    expect(records).toHaveLength(data.payments.length);
    expectCanonical('payment', records);
    const byId = new Map(records.map((record) => [record.id, record]));
    for (const payment of data.payments) {
      const method = methodById.get(payment.methodId)!;
      expect(byId.get(String(payment.id))).toEqual({
        kind: 'payment',
        id: String(payment.id),
        saleId: saleIdOf(saleById.get(payment.saleId)!),
        method: method.name,
        methodType: method.type,
        amount: eur(payment.amount),
        createdAt: payment.createdAt,
        cashbookId: null,
        raw: expect.objectContaining({ id: payment.id, payment_type_id: payment.methodId }),
      });
    }
  });

  it('filters by method name or type, by sale, and by a cashbook it cannot have', async () => {
    const sale = data.sales.find((candidate) => data.payments.filter((payment) => payment.saleId === candidate.id).length === 2)!;
    const cases: Array<[EntityFilters['payment'], (payment: (typeof data.payments)[number]) => boolean]> = [
      [{ method: 'cash' }, (payment) => payment.methodId === 1],
      [{ method: 'CARD' }, (payment) => payment.methodId === 2],
      [{ method: 'Cheque' }, (payment) => payment.methodId === 3],
      [{ method: 'check' }, (payment) => payment.methodId === 3],
      [{ method: 'VOUCHER' }, (payment) => payment.methodId === 4],
      [{ method: 'other' }, (payment) => methodById.get(payment.methodId)!.type === 'OTHER'],
      [{ method: 'bitcoin' }, () => false],
      [{ saleId: saleIdOf(sale) }, (payment) => payment.saleId === sale.id],
      [{ saleId: String(sale.id) }, () => false],
      [{ saleId: saleIdOf(sale), method: 'card' }, (payment) => payment.saleId === sale.id && payment.methodId === 2],
      [{ cashbookId: '1' }, () => false],
    ];
    for (const [filter, matches] of cases) {
      const records = await listAll('payment', filter);
      const expected = data.payments.filter(matches).map((payment) => ({ at: payment.createdAt, id: String(payment.id) })).sort(newestFirst);
      expect(records.map((record) => record.id), JSON.stringify(filter)).toEqual(expected.map((payment) => payment.id));
    }
  });

  it('keeps exactly the payments between two instants, inclusive', async () => {
    const first = Date.parse(data.payments[0]!.createdAt) - 86_400_000;
    const last = Date.parse(data.payments.at(-1)!.createdAt) + 86_400_000;
    const bound = fc.oneof(
      fc.integer({ min: first, max: last }).map((ms) => new Date(ms).toISOString()),
      fc.constantFrom(...data.payments.map((payment) => payment.createdAt)),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }), async (from, to) => {
        const records = await listAll('payment', { from, to });
        const expected = data.payments
          .filter((payment) => (from === undefined || Date.parse(payment.createdAt) >= Date.parse(from)) && (to === undefined || Date.parse(payment.createdAt) <= Date.parse(to)))
          .map((payment) => ({ at: payment.createdAt, id: String(payment.id) }))
          .sort(newestFirst);
        expect(records.map((record) => record.id)).toEqual(expected.map((payment) => payment.id));
      }),
      { numRuns: 10 },
    );
  });

  it.each([
    ['Cash', 'CASH'],
    ['Espèces', 'CASH'],
    ['В брой', 'CASH'],
    ['Card', 'CARD'],
    ['Carte bancaire', 'CARD'],
    ['Credit card', 'CARD'],
    ['Банкова карта', 'CARD'],
    ['Cheque', 'CHECK'],
    ['Chèque', 'CHECK'],
    ['Check', 'CHECK'],
    ['Voucher', 'OTHER'],
    ['Gift card', 'OTHER'],
    ['Bank transfer', 'OTHER'],
  ] as const)('reads the payment type %j as %s', (name, type) => {
    expect(paymentMethodType(name)).toBe(type);
  });
});

describe('customers', () => {
  it('maps every partner: company or person as name, the person split in first and last name, contact details', async () => {
    const records = await listAll('customer');
    expect(records).toHaveLength(data.customers.length);
    expectCanonical('customer', records);
    const byId = new Map(records.map((record) => [record.id, record]));
    for (const customer of data.customers) {
      expect(byId.get(String(customer.id))).toEqual({
        kind: 'customer',
        id: String(customer.id),
        name: customer.company ?? `${customer.firstName} ${customer.lastName}`,
        firstName: customer.firstName,
        lastName: customer.lastName,
        company: customer.company,
        email: customer.email,
        phone: customer.phone,
        vatNumber: customer.vatNumber,
        raw: expect.objectContaining({ id: customer.id, contact_person: `${customer.firstName} ${customer.lastName}` }),
      });
    }
  });

  it('filters by text in the name or the e-mail, case-insensitively', async () => {
    for (const text of ['DUBOIS', 'café', '.12@', 'nobody-has-this']) {
      const records = await listAll('customer', { text });
      const needle = text.toLowerCase();
      const expected = data.customers.filter((customer) =>
        [customer.company ?? `${customer.firstName} ${customer.lastName}`, customer.email ?? ''].some((value) => value.toLowerCase().includes(needle)),
      );
      expect(records.map((record) => record.id).sort(compareIds), text).toEqual(expected.map((customer) => String(customer.id)));
    }
  });
});

describe('locations', () => {
  it('lists the shop locations by name', async () => {
    const records = await listAll('location');
    expect(records.map(({ id, name }) => ({ id, name }))).toEqual(
      [...data.locations].sort((a, b) => a.name.localeCompare(b.name)).map(({ id, name }) => ({ id: String(id), name })),
    );
  });
});

describe('bookings', () => {
  it('maps every booking: instants, status name, customer, location, booked items, exact total', async () => {
    const records = await listAll('booking');
    expect(records).toHaveLength(data.bookings.length);
    expectCanonical('booking', records);
    const byId = new Map(records.map((record) => [record.id, record]));
    for (const booking of data.bookings) {
      expect(byId.get(String(booking.id))).toEqual({
        kind: 'booking',
        id: String(booking.id),
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        status: STATUS_NAMES[booking.status],
        customerId: String(booking.customerId),
        locationId: String(booking.locationId),
        itemIds: booking.itemIds.map(String),
        total: eur(booking.total),
        raw: expect.objectContaining({ id: booking.id, item_ids: booking.itemIds }),
      });
    }
  });

  it('keeps exactly the bookings starting between two instants, for a customer or all', async () => {
    const starts = data.bookings.map((booking) => Date.parse(booking.startsAt));
    const bound = fc.oneof(
      fc.integer({ min: Math.min(...starts) - 86_400_000, max: Math.max(...starts) + 86_400_000 }).map((ms) => new Date(ms).toISOString()),
      fc.constantFrom(...data.bookings.flatMap((booking) => [booking.startsAt, booking.endsAt])),
    );
    const customers = [...new Set(data.bookings.map((booking) => String(booking.customerId)))].slice(0, 5);
    await fc.assert(
      fc.asyncProperty(fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }), fc.option(fc.constantFrom(...customers), { nil: undefined }), async (from, to, customerId) => {
        const records = await listAll('booking', { from, to, customerId });
        const expected = data.bookings
          .filter(
            (booking) =>
              (from === undefined || Date.parse(booking.startsAt) >= Date.parse(from)) &&
              (to === undefined || Date.parse(booking.startsAt) <= Date.parse(to)) &&
              (customerId === undefined || String(booking.customerId) === customerId),
          )
          .map((booking) => ({ at: booking.startsAt, id: String(booking.id) }))
          .sort(newestFirst);
        expect(records.map((record) => record.id)).toEqual(expected.map((booking) => booking.id));
      }),
      { numRuns: 15 },
    );
  });
});

describe('merged pagination over this adapter', () => {
  async function walk<K extends EntityKind>(kind: K, first: number, filter: EntityFilters[K]): Promise<{ ids: string[]; totalCount: number | null }> {
    const ids: string[] = [];
    let after: string | null = null;
    let totalCount: number | null = null;
    for (let guard = 0; guard < 400; guard += 1) {
      const page: MergedPage<K> = await listMerged({ kind, sources: [{ connection, filter }], first, after });
      expect(page.sources.map((source) => source.status)).toEqual(['OK']);
      ids.push(...page.edges.map((edge) => edge.record.id));
      totalCount = page.totalCount;
      if (!page.pageInfo.hasNextPage) return { ids, totalCount };
      after = page.pageInfo.endCursor;
    }
    throw new Error(`the ${kind} walk did not end`);
  }

  // Each page re-reads the whole list (the vendor has no paging), so the smallest page sizes are bounded per kind.
  const kinds: Array<[EntityKind, number]> = [
    ['sale', 15],
    ['payment', 15],
    ['booking', 1],
    ['customer', 5],
    ['location', 1],
    ['item', 50],
  ];

  it.each(kinds)('walks every %s exactly once, in canonical order, for any page size', async (kind, smallest) => {
    const expected = await listAll(kind);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: smallest, max: 100 }), async (first) => {
        const { ids, totalCount } = await walk(kind, first, {});
        expect(ids).toEqual(expected.map((record) => record.id));
        expect(totalCount).toBe(expected.length);
      }),
      { numRuns: 10 },
    );
  }, 120_000);

  it('walks a filtered sales list the same way', async () => {
    const filter = { from: '2026-10-20T00:00:00Z', to: '2026-11-05T12:00:00+02:00', locationId: '1' };
    const expected = (await listAll('sale', filter)).map((record) => record.id);
    expect(expected.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), async (first) => {
        expect((await walk('sale', first, filter)).ids).toEqual(expected);
      }),
      { numRuns: 10 },
    );
  });
});

describe('lookups by id', () => {
  const ids = (count: number, of: (index: number) => string): string[] => Array.from({ length: count }, (_, index) => of(index));
  let fresh: VendorAdapter;
  let loaders: RequestLoaders;

  beforeEach(async () => {
    // A new adapter per test, so no reference list is left over from an earlier one.
    fresh = build();
    loaders = new RequestLoaders(new Map([[connection.id, { ...connection, adapter: fresh }]]));
    // Log in first, so the counts below are the lookups' own.
    await fresh.sources.location!.list!({ filter: {}, cursor: null, limit: 1 });
    running.reset();
    transport.maxInFlight = 0;
  });

  const loadAll = <K extends EntityKind>(kind: K, keys: string[]) => Promise.all(keys.map((id) => loaders.load(connection.id, kind, id)));

  it('declares scan for items, payments, customers and locations, each for sales and bookings, and nothing for cashbooks', () => {
    const capabilities = capabilitiesOf(adapter);
    expect(Object.fromEntries(Object.entries(capabilities).map(([kind, capability]) => [kind, [capability.list, capability.get]]))).toEqual({
      item: [true, 'scan'],
      sale: [true, 'each'],
      payment: [true, 'scan'],
      customer: [true, 'scan'],
      cashbook: [false, false],
      booking: [true, 'each'],
      location: [true, 'scan'],
    });
  });

  it('serves 50 items with one item list, one group list and one VAT list', async () => {
    const keys = ids(50, (index) => String(index * 17 + 1));
    const records = await loadAll('item', [...keys, '999999', 'SKU-00001']);
    expect(records.slice(0, 50).map((record) => record!.name)).toEqual(keys.map((id) => data.items[Number(id) - 1]!.name));
    expect(records.slice(50)).toEqual([null, null]);
    expect(calls()).toEqual({ [`${API}item`]: 1, [`${API}item_group`]: 1, [`${API}vat_group`]: 1 });
    // A second batch in the same request reuses the scan.
    await loaders.load(connection.id, 'item', '3');
    expect(running.stats().total).toBe(3);
  });

  it('serves 50 customers with one partner list', async () => {
    const keys = ids(50, (index) => String(index * 5 + 1));
    const records = await loadAll('customer', keys);
    expect(records.map((record) => record!.lastName)).toEqual(keys.map((id) => data.customers[Number(id) - 1]!.lastName));
    expect(calls()).toEqual({ [`${API}partner`]: 1 });
  });

  it('serves 50 payments with one payment list and one payment type list', async () => {
    const keys = ids(50, (index) => String(index * 6 + 1));
    const records = await loadAll('payment', keys);
    expect(records.map((record) => record!.amount)).toEqual(keys.map((id) => eur(data.payments[Number(id) - 1]!.amount)));
    expect(calls()).toEqual({ [`${API}payment`]: 1, [`${API}payment_type`]: 1 });
  });

  it('serves locations with one location list', async () => {
    const records = await loadAll('location', ['3', '1', '4']);
    expect(records.map((record) => record?.name ?? null)).toEqual(['Market stall', 'Main store', null]);
    expect(calls()).toEqual({ [`${API}location`]: 1 });
  });

  it('serves 50 sales with 50 bounded calls by operation number, each in full', async () => {
    const sales = data.sales.slice(0, 50);
    const records = await loadAll('sale', [...sales.map(saleIdOf), '1', 'x']);
    // '1' is no operation number the vendor has: one call, null; 'x' cannot be one: no call.
    expect(calls()).toEqual({ [`${API}sale`]: 51, [`${API}payment_type`]: 1 });
    expect(transport.maxInFlight).toBeLessThanOrEqual(settings.detailConcurrency + 1);
    expect(transport.maxInFlight).toBeGreaterThan(1);
    const listed = new Map((await listAll('sale', {}, fresh)).map((record) => [record.id, record]));
    sales.forEach((sale, index) => expect(records[index]).toEqual(listed.get(saleIdOf(sale))));
    expect(records.slice(50)).toEqual([null, null]);
  });

  it('resolves the lines and payments of a sale that a list handed over without them', async () => {
    const listed = (await fresh.sources.sale!.list!({ filter: {}, cursor: null, limit: 1 })).records[0]!;
    const bare: EntityRecords['sale'] = { ...listed, lines: undefined, payments: undefined };
    running.reset();
    // What the gateway does with a sale whose lines are undefined: ask the sale loader for it.
    const full = await loaders.load(connection.id, 'sale', bare.id);
    expect(full!.lines).toEqual(listed.lines);
    expect(full!.payments).toEqual(listed.payments);
    expect(full!.lines!.length).toBeGreaterThan(0);
    expect(calls()[`${API}sale`]).toBe(1);
  });

  it('serves 50 bookings with 50 bounded calls by id and one status list', async () => {
    const keys = ids(50, (index) => String(index + 1));
    const records = await loadAll('booking', [...keys, '9999']);
    expect(records.slice(0, 50).map((record) => record!.startsAt)).toEqual(keys.map((id) => data.bookings.find((booking) => String(booking.id) === id)!.startsAt));
    expect(records[50]).toBeNull();
    expect(calls()).toEqual({ [`${API}booking`]: 51, [`${API}booking_status`]: 1 });
    expect(transport.maxInFlight).toBeLessThanOrEqual(settings.detailConcurrency + 1);
  });

  it('fails every key of a batch whose vendor call fails, in its own slot', async () => {
    running.addFault({ route: '/server-sim/connect/api/partner', errorRate: 1, errorStatus: 503 });
    const results = await Promise.allSettled([loaders.load(connection.id, 'customer', '1'), loaders.load(connection.id, 'customer', '2')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'VENDOR_UNAVAILABLE' });
    running.reset();
  });
});

describe('cancellation', () => {
  it('passes the caller signal to the vendor calls of lists and lookups', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(adapter.sources.sale!.list!({ filter: {}, cursor: null, limit: 5, signal: controller.signal })).rejects.toBeTruthy();
    const batch = adapter.sources.booking!.batch!;
    expect(batch.strategy).toBe('each');
    if (batch.strategy === 'each') await expect(batch.load('1', { signal: controller.signal })).rejects.toBeTruthy();
  });
});

describe('local times', () => {
  it('reads local wall times as fromLocalDateTime does, across both clock changes of the year', () => {
    const read = localTimeReader(TIME_ZONE);
    const samples = ['2026-03-29 02:59:59', '2026-03-29 03:00:00', '2026-03-29 03:30:00', '2026-03-29 04:00:00', '2026-10-25 02:59:59', '2026-10-25 03:00:00', '2026-10-25 03:59:59', '2026-10-25 04:00:00'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }), (ms) => {
        const local = new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
        expect(read(local)).toBe(fromLocalDateTime(local, TIME_ZONE));
      }),
      { numRuns: 2000 },
    );
    for (const local of samples) expect(read(local), local).toBe(fromLocalDateTime(local, TIME_ZONE));
  });
});
