/**
 * Issue 6 §4: one malformed IncoCloud record fails only that record. Against the real
 * simulator, a transport wrapper rewrites one record of a real answer before the client
 * reads it; the list then serves every other record with source status PARTIAL, and a lookup
 * of that id alone fails with VENDOR_MALFORMED_RECORD. A broken envelope still fails the
 * whole call. Then a fast-check fuzz of the adapter's per-record mapping.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
import { RequestLoaders } from '../../../src/core/loaders.ts';
import type { EntityKind } from '../../../src/core/model.ts';
import type { Money } from '../../../src/core/money.ts';
import { listMerged, type MergedPage } from '../../../src/core/pagination.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  incocloudAdapterModule,
  incocloudSettingsSchema,
  mapBookings,
  mapCustomers,
  mapItems,
  mapLocations,
  mapPayments,
  mapSales,
  mappingContext,
  type ItemLookups,
  type MappedRecords,
} from '../../../src/vendors/incocloud/adapter.ts';
import { createIncocloudSimulator } from '../../../src/vendors/incocloud/simulator.ts';

const SEED = 101;
const SALES = 300;
const data = createDataset({ seed: SEED, sales: SALES, pricePlaces: 4, currency: 'EUR' });
const operationNumberOf = (sale: { id: number; locationId: number }): string => String(sale.locationId * 10_000_000 + sale.id);

type Rewrite = (resource: string, records: Array<Record<string, unknown>>) => void;

/** The real transport, with a hook that alters the records of one resource's answers before the client reads them. */
class RewritingTransport extends HttpTransport {
  rewrite: Rewrite | undefined;
  /** Replaces a resource's whole answer body instead. */
  replaceBody: ((resource: string) => string | undefined) | undefined;

  override async send(site: CallSite, request: HttpRequest): Promise<HttpResponse> {
    const response = await super.send(site, request);
    const resource = request.url.pathname.split('/').at(-1)!;
    const body = this.replaceBody?.(resource);
    if (body !== undefined) return { ...response, text: body };
    if (!this.rewrite || response.status !== 200 || !response.text.startsWith('[')) return response;
    const records = JSON.parse(response.text) as Array<Record<string, unknown>>;
    this.rewrite(resource, records);
    return { ...response, text: JSON.stringify(records) };
  }
}

/** Alters the record of `resource` whose `field` is `value`, in every answer of that resource. */
function breakRecord(resource: string, field: string, value: number, alter: (record: Record<string, unknown>) => void): Rewrite {
  return (answered, records) => {
    if (answered !== resource) return;
    for (const record of records) if (record[field] === value) alter(record);
  };
}

let running: RunningSimulator;
let transport: RewritingTransport;
let adapter: VendorAdapter;
let connection: Connection;

beforeAll(async () => {
  running = await startSimulator(createIncocloudSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  transport = new RewritingTransport();
  const settings = incocloudSettingsSchema.parse(incocloudAdapterModule.demoSettings(running.url));
  adapter = incocloudAdapterModule.createAdapter(settings, { connectionId: 'inco-malformed', transport });
  connection = { id: 'inco-malformed', name: 'IncoCloud malformed records', vendor: 'incocloud', adapter };
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  transport.rewrite = undefined;
  transport.replaceBody = undefined;
});

async function listEverything(kind: EntityKind) {
  return listMerged({ kind, sources: [{ connection, filter: {} }], first: 5_000, after: null });
}

function loaders(): RequestLoaders {
  return new RequestLoaders(new Map([[connection.id, connection]]));
}

describe('one malformed record against the simulator', () => {
  it('items: a price that is not a number leaves out that item alone, PARTIAL, and fails only its lookup', async () => {
    const broken = data.items[6]!.id;
    transport.rewrite = breakRecord('item', 'id', broken, (item) => {
      item.price_out = 'abc';
    });
    const page = await listEverything('item');
    const ids = page.edges.map((edge) => edge.record.id);
    expect(ids).toHaveLength(data.items.length - 1);
    expect(new Set(ids)).toEqual(new Set(data.items.filter((item) => item.id !== broken).map((item) => String(item.id))));
    expect(page.totalCount).toBe(data.items.length - 1);
    expect(page.sources).toHaveLength(1);
    const source = page.sources[0]!;
    expect(source.status).toBe('PARTIAL');
    expect(source.error?.extensions.code).toBe('VENDOR_MALFORMED_RECORD');
    expect(source.error?.message).toContain(`(${broken})`);
    expect(source.error?.message).toContain('price_out');
    expect(source.error?.message).not.toContain('abc');

    const lookups = loaders();
    const others = [data.items[0]!.id, data.items[7]!.id, data.items[500]!.id].map(String);
    const results = await Promise.allSettled([String(broken), ...others].map((id) => lookups.load(connection.id, 'item', id)));
    expect(results[0]!.status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    expect(results.slice(1).map((result) => (result.status === 'fulfilled' ? result.value?.id : 'rejected'))).toEqual(others);
    expect(lookups.calls).toHaveLength(1);
  });

  it('items: every page of a paged walk serves the readable records and says PARTIAL', async () => {
    const broken = data.items[0]!.id;
    transport.rewrite = breakRecord('item', 'id', broken, (item) => {
      delete item.name;
    });
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const page: MergedPage<'item'> = await listMerged({ kind: 'item', sources: [{ connection, filter: {} }], first: 400, after });
      expect(page.sources[0]!.status).toBe('PARTIAL');
      seen.push(...page.edges.map((edge) => edge.record.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(data.items.length - 1);
    expect(seen).not.toContain(String(broken));
  });

  it('customers: a partner without a name is left out and fails only its own lookup', async () => {
    const broken = data.customers[3]!.id;
    transport.rewrite = breakRecord('partner', 'id', broken, (partner) => {
      delete partner.name;
    });
    const page = await listEverything('customer');
    expect(page.edges.map((edge) => edge.record.id).sort()).toEqual(
      data.customers
        .filter((customer) => customer.id !== broken)
        .map((customer) => String(customer.id))
        .sort(),
    );
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD', connection: 'inco-malformed' } } });
    expect(page.sources[0]!.error!.message).toContain(`(${broken})`);

    const lookups = loaders();
    const [bad, good] = await Promise.allSettled([String(broken), String(data.customers[4]!.id)].map((id) => lookups.load(connection.id, 'customer', id)));
    expect(bad!.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: { id: String(data.customers[4]!.id) } });
  });

  it('sales: a sale with a broken line is left out by its operation number; its `each` lookup alone fails', async () => {
    const brokenSale = data.sales[10]!;
    const broken = operationNumberOf(brokenSale);
    transport.rewrite = breakRecord('sale', 'id', brokenSale.id, (sale) => {
      (sale.details as Array<Record<string, unknown>>)[0]!.total = null;
    });
    const page = await listEverything('sale');
    expect(page.edges).toHaveLength(data.sales.length - 1);
    expect(page.edges.map((edge) => edge.record.id)).not.toContain(broken);
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
    expect(page.sources[0]!.error!.message).toContain(`(${broken})`);
    expect(page.sources[0]!.error!.message).toContain('details.0.total');

    const lookups = loaders();
    const others = [data.sales[9]!, data.sales[11]!].map(operationNumberOf);
    const results = await Promise.allSettled([broken, ...others].map((id) => lookups.load(connection.id, 'sale', id)));
    expect(results[0]!.status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    expect((results[0] as PromiseRejectedResult).reason.message).toContain(broken);
    expect(results.slice(1).map((result) => (result.status === 'fulfilled' ? result.value?.id : 'rejected'))).toEqual(others);
  });

  it('payments: an unreadable date leaves out that payment alone; its scan lookup alone fails', async () => {
    const broken = data.payments[5]!.id;
    transport.rewrite = breakRecord('payment', 'id', broken, (payment) => {
      payment.date = '2026-09-01T10:00:00Z';
    });
    const page = await listEverything('payment');
    expect(page.edges).toHaveLength(data.payments.length - 1);
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });

    const lookups = loaders();
    const [bad, good] = await Promise.allSettled([String(broken), String(data.payments[6]!.id)].map((id) => lookups.load(connection.id, 'payment', id)));
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: { id: String(data.payments[6]!.id) } });
  });

  it('bookings: a malformed booking fails its list entry and its `each` lookup only', async () => {
    const broken = data.bookings[2]!.id;
    transport.rewrite = breakRecord('booking', 'id', broken, (booking) => {
      booking.item_ids = 'none';
    });
    const page = await listEverything('booking');
    expect(page.edges).toHaveLength(data.bookings.length - 1);
    expect(page.sources[0]!.status).toBe('PARTIAL');

    const lookups = loaders();
    const [bad, good] = await Promise.allSettled([String(broken), String(data.bookings[3]!.id)].map((id) => lookups.load(connection.id, 'booking', id)));
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: { id: String(data.bookings[3]!.id) } });
  });

  it('a record that is not even an object is reported without an id', async () => {
    transport.rewrite = (resource, records) => {
      if (resource === 'location') records.push('garbage' as unknown as Record<string, unknown>);
    };
    const page = await listEverything('location');
    expect(page.edges).toHaveLength(3);
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
    expect(page.sources[0]!.error!.message).toContain('(?)');
  });

  it('with nothing malformed the source is OK', async () => {
    const page = await listEverything('location');
    expect(page.sources[0]).toMatchObject({ status: 'OK', error: null });
  });

  it.each([
    ['an envelope that is not an array', '{"items":[]}'],
    ['invalid JSON', '[{"id":1,'],
  ])('still fails the whole call on %s (VENDOR_MALFORMED_RESPONSE)', async (_, body) => {
    transport.replaceBody = (resource) => (resource === 'item' ? body : undefined);
    const page = await listEverything('item');
    expect(page.edges).toHaveLength(0);
    expect(page.sources[0]).toMatchObject({ status: 'FAILED', error: { extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } } });
  });
});

// ---------------------------------------------------------------- fuzz of the per-record mapping

const context = mappingContext('EUR', 'Europe/Sofia');
const lookups: ItemLookups = { groupNames: new Map([[1, 'Drinks']]), vatPercents: new Map([[1, 20], [2, 5.5]]) };
const types = new Map([[1, 'Cash'], [2, 'Card']]);
const statuses = new Map([[1, 'Confirmed']]);

/** Every per-record path of the adapter, with the field its rejections are named by. */
const MAPPERS: Record<string, { map: (raws: unknown[]) => MappedRecords<unknown>; idField: string }> = {
  item: { map: (raws) => mapItems(raws, lookups, 'EUR'), idField: 'id' },
  sale: { map: (raws) => mapSales(raws, types, context), idField: 'operation_number' },
  payment: { map: (raws) => mapPayments(raws, types, context), idField: 'id' },
  partner: { map: (raws) => mapCustomers(raws), idField: 'id' },
  location: { map: (raws) => mapLocations(raws), idField: 'id' },
  booking: { map: (raws) => mapBookings(raws, statuses, context), idField: 'id' },
};

const vendorId = fc.integer({ min: 1, max: 99_999_999 });
/** JSON numbers as a vendor writes amounts: exact decimals, including ones JS prints with an exponent. */
const amountNumber = fc.oneof(
  fc.tuple(fc.integer({ min: -999_999_999, max: 999_999_999 }), fc.integer({ min: 0, max: 6 })).map(([units, places]) => Number(`${units}e-${places}`)),
  fc.constantFrom(0, -0, 1e-7, -2.5e-9, 1e21, 3.25e22, 123456789012345),
);
const localDateTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 19).replace('T', ' '));
const text = fc.string({ maxLength: 20 });

const availability = fc.record({ location_id: vendorId, quantity: amountNumber });
const item = fc.record(
  {
    id: vendorId,
    code: text,
    name: text,
    barcode: fc.option(text),
    group_id: fc.option(fc.constantFrom(1, 2)),
    price_out: amountNumber,
    vat_group_id: fc.constantFrom(1, 2, 3),
    catalog: fc.boolean(),
    availability: fc.array(availability, { maxLength: 3 }),
  },
  { requiredKeys: ['id', 'code', 'name', 'barcode', 'group_id', 'price_out', 'vat_group_id', 'catalog'] },
);
const payment = fc.record({ id: vendorId, operation_number: vendorId, payment_type_id: fc.constantFrom(1, 2, 9), amount: amountNumber, date: localDateTime });
const detail = fc.record({ item_id: vendorId, name: text, vat_percent: amountNumber, quantity: amountNumber, price_out: amountNumber, discount: amountNumber, total: amountNumber });
const sale = fc.record(
  {
    id: vendorId,
    operation_number: vendorId,
    date: localDateTime,
    location_id: vendorId,
    partner_id: fc.option(vendorId),
    total: amountNumber,
    note: fc.option(text),
    details: fc.array(detail, { maxLength: 3 }),
    payments: fc.array(payment, { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'operation_number', 'date', 'location_id', 'partner_id', 'total', 'note', 'details'] },
);
const partner = fc.record({
  id: vendorId,
  code: text,
  name: text,
  contact_person: text,
  email: fc.option(text),
  phone: fc.option(text),
  address: text,
  city: text,
  post_code: text,
  country: text,
  vat_number: fc.option(text),
  group_id: fc.option(vendorId),
});
const location = fc.record({ id: vendorId, name: text });
const booking = fc.record({
  id: vendorId,
  partner_id: vendorId,
  location_id: vendorId,
  booking_status_id: fc.constantFrom(1, 2),
  from_date: localDateTime,
  to_date: localDateTime,
  total: amountNumber,
  item_ids: fc.array(vendorId, { maxLength: 3 }),
});
const VALID: Record<string, fc.Arbitrary<Record<string, unknown>>> = { item, sale, payment, partner, location, booking };
const resource = fc.constantFrom(...Object.keys(MAPPERS));

const DECIMAL = /^-?\d+(\.\d+)?$/;

function isMoney(value: unknown): value is Money {
  return typeof value === 'object' && value !== null && 'amount' in value && 'currency' in value && Object.keys(value).length === 2;
}

/** Every Money amount and decimal-string field of a mapped record, with its path. */
function decimalsOf(value: unknown, path: string, out: Array<[string, string]>): Array<[string, string]> {
  if (isMoney(value)) out.push([path, value.amount]);
  else if (Array.isArray(value)) value.forEach((entry, index) => decimalsOf(entry, `${path}.${index}`, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, entry] of Object.entries(value)) {
      if (key === 'raw') continue;
      if (['quantity', 'taxRate', 'stock'].includes(key) && typeof entry === 'string') out.push([`${path}.${key}`, entry]);
      else decimalsOf(entry, `${path}.${key}`, out);
    }
  }
  return out;
}

describe('fuzz: the per-record path', () => {
  const RUNS = { numRuns: 200 };

  it('never throws on arbitrary JSON: every input ends up a record or a rejection', () => {
    fc.assert(
      fc.property(resource, fc.array(fc.oneof(fc.anything(), fc.jsonValue()), { maxLength: 8 }), (kind, raws) => {
        const { records, rejected } = MAPPERS[kind]!.map(raws);
        expect(records.length + rejected.length).toBe(raws.length);
        for (const rejection of rejected) expect(typeof rejection.reason).toBe('string');
      }),
      RUNS,
    );
  });

  it('a record with one field replaced or removed is a record or a rejection named by its id', () => {
    const mutated = resource.chain((kind) =>
      VALID[kind]!.chain((record) =>
        fc.tuple(fc.constant(kind), fc.constant(record), fc.constantFrom(...Object.keys(record)), fc.option(fc.anything(), { nil: undefined })),
      ),
    );
    fc.assert(
      fc.property(mutated, fc.array(fc.anything(), { maxLength: 2 }), ([kind, record, field, replacement], noise) => {
        const broken: Record<string, unknown> = { ...record };
        if (replacement === undefined) delete broken[field];
        else broken[field] = replacement;
        const { idField, map } = MAPPERS[kind]!;
        const raws = [...noise, broken];
        const { records, rejected } = map(raws);
        expect(records.length + rejected.length).toBe(raws.length);
        const own = map([broken]);
        expect(own.records.length + own.rejected.length).toBe(1);
        if (own.rejected.length === 1 && field !== idField) expect(own.rejected[0]!.id).toBe(String(record[idField]));
      }),
      RUNS,
    );
  });

  it('valid records all map, with amounts as plain decimal strings (no NaN, no exponent)', () => {
    const valid = resource.chain((kind) => fc.tuple(fc.constant(kind), fc.array(VALID[kind]!, { minLength: 1, maxLength: 5 })));
    fc.assert(
      fc.property(valid, ([kind, raws]) => {
        const { records, rejected } = MAPPERS[kind]!.map(raws);
        expect(rejected).toEqual([]);
        expect(records).toHaveLength(raws.length);
        const decimals = decimalsOf(records, kind, []);
        if (kind !== 'partner' && kind !== 'location') expect(decimals.length).toBeGreaterThan(0);
        for (const [path, amount] of decimals) expect(amount, path).toMatch(DECIMAL);
      }),
      RUNS,
    );
  });
});
