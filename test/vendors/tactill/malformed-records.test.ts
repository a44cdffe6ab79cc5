/**
 * Issue 6 §4 for Tactill: a malformed vendor record fails only that record. Against the real
 * simulator, a transport rewrites one record of a real answer before the client reads it; the
 * rest of the list is served (source PARTIAL, VENDOR_MALFORMED_RECORD naming the id) and a
 * lookup of that id alone fails. Then fast-check fuzzes the per-record path: whatever a record
 * holds, it ends up a record or a rejection, and valid records map to exact decimal amounts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
import { RequestLoaders } from '../../../src/core/loaders.ts';
import type { EntityFilters } from '../../../src/core/model.ts';
import { Decimal } from '../../../src/core/money.ts';
import { listMerged, type SourceResult } from '../../../src/core/pagination.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  createTactillAdapter,
  mapCashbooks,
  mapCustomers,
  mapPayments,
  mapProducts,
  mapSales,
  tactillRecordId,
  tactillSettingsSchema,
  type MappedRecords,
} from '../../../src/vendors/tactill/adapter.ts';
import { createTactillSimulator, TACTILL_PRODUCTION_KEY } from '../../../src/vendors/tactill/simulator.ts';
import {
  TactillCashbookSchema,
  TactillCustomerSchema,
  TactillPaymentSchema,
  TactillProductSchema,
  TactillSaleSchema,
} from '../../../src/vendors/tactill/wire.ts';

type ListKind = 'item' | 'sale' | 'payment' | 'customer' | 'cashbook';
// Raw wire JSON, edited field by field.
type Json = any;

/** Rewrites 200 answers before the client reads them: `edit` gets the request path and the parsed body. */
class RewritingTransport extends HttpTransport {
  constructor(private readonly edit: (path: string, body: Json) => Json) {
    super();
  }

  override async send(site: CallSite, request: HttpRequest): Promise<HttpResponse> {
    const response = await super.send(site, request);
    if (response.status !== 200) return response;
    const edited = this.edit(request.url.pathname, JSON.parse(response.text));
    return { ...response, text: typeof edited === 'string' ? edited : JSON.stringify(edited) };
  }
}

/** Breaks the record `id` wherever a `<resource>/request` page carries it. */
function breakRecord(resource: string, id: string, spoil: (record: Json) => void): RewritingTransport {
  return new RewritingTransport((path, body) => {
    if (path === `/v0/${resource}/request`) for (const record of body.items as Json[]) if (record.id === id) spoil(record);
    return body;
  });
}

let simulator: RunningSimulator;
let clean: VendorAdapter;

function adapterWith(transport?: HttpTransport): VendorAdapter {
  const settings = tactillSettingsSchema.parse({ baseUrl: `${simulator.url}/v0`, apiKey: TACTILL_PRODUCTION_KEY, listCacheTtlMs: 0 });
  return createTactillAdapter(settings, { connectionId: 'tactill-malformed', transport });
}

function connectionOf(adapter: VendorAdapter): Connection {
  return { id: 'tactill-malformed', name: 'tactill-malformed', vendor: 'tactill', adapter };
}

/** Every page of a merged list over the one connection: the ids served and each page's source result. */
async function walk<K extends ListKind>(kind: K, adapter: VendorAdapter, filter: EntityFilters[K] = {} as EntityFilters[K], first = 25) {
  const ids: string[] = [];
  const sources: SourceResult[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard += 1) {
    const page: Awaited<ReturnType<typeof listMerged<K>>> = await listMerged({ kind, sources: [{ connection: connectionOf(adapter), filter }], first, after });
    ids.push(...page.edges.map((edge) => edge.record.id));
    sources.push(page.sources[0]!);
    if (!page.pageInfo.hasNextPage) return { ids, sources };
    after = page.pageInfo.endCursor;
  }
  throw new Error(`${kind} list did not end`);
}

beforeAll(async () => {
  simulator = await startSimulator(createTactillSimulator({ sales: 60, rateLimit: { limit: 1_000_000, windowMs: 600_000 } }), { port: 0 });
  clean = adapterWith();
});

afterAll(async () => {
  await simulator.close();
});

// ---------------------------------------------------------------------------------------
// Against the simulator

const CASES: ReadonlyArray<{ kind: ListKind; resource: string; how: string; spoil: (record: Json) => void; reason: RegExp }> = [
  { kind: 'item', resource: 'products', how: 'a price that is not a number', spoil: (product) => { product.sell_price = 'abc'; }, reason: /product: sell_price: / },
  { kind: 'sale', resource: 'sales', how: 'a line quantity that is not a number', spoil: (sale) => { sale.lines[0].quantity = 'abc'; }, reason: /sale: lines\.0\.quantity: / },
  { kind: 'payment', resource: 'payments', how: 'no amount', spoil: (payment) => { delete payment.amount; }, reason: /payment: amount: / },
  { kind: 'customer', resource: 'customers', how: 'an e-mail that is a number', spoil: (customer) => { customer.email = 42; }, reason: /customer: email: / },
  { kind: 'cashbook', resource: 'cashbooks', how: 'an opening date that does not parse', spoil: (cashbook) => { cashbook.opened_at = 'yesterday'; }, reason: /cashbook: Not an ISO 8601 date/ },
];

describe.each(CASES)('one malformed $kind ($how)', ({ kind, resource, spoil, reason }) => {
  it('is left out of the list, the rest served, the source PARTIAL with VENDOR_MALFORMED_RECORD naming it', async () => {
    const expected = await walk(kind, clean);
    expect(expected.sources.every((source) => source.status === 'OK')).toBe(true);
    const bad = expected.ids[Math.floor(expected.ids.length / 2)]!;

    const { ids, sources } = await walk(kind, adapterWith(breakRecord(resource, bad, spoil)));
    expect(ids).toEqual(expected.ids.filter((id) => id !== bad));
    expect(sources.every((source) => source.status === 'OK' || source.status === 'PARTIAL')).toBe(true);
    const partial = sources.filter((source) => source.status === 'PARTIAL');
    expect(partial.length).toBeGreaterThan(0);
    for (const source of partial) {
      expect(source.error).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD', connection: 'tactill-malformed', vendor: 'tactill' } });
      expect(source.error!.message).toContain(`(${bad})`);
      expect(source.error!.message).toMatch(reason);
    }
  });

  it('fails a lookup of that id alone; the other ids of the same batch resolve', async () => {
    const { ids: all } = await walk(kind, clean);
    const bad = all[Math.floor(all.length / 2)]!;
    const wanted = [all[0]!, bad, all.at(-1)!];
    const loaders = new RequestLoaders(new Map([['tactill-malformed', connectionOf(adapterWith(breakRecord(resource, bad, spoil)))]]));
    const results = await Promise.allSettled(wanted.map((id) => loaders.load('tactill-malformed', kind, id)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([results[0], results[2]].map((result) => (result as PromiseFulfilledResult<{ id: string } | null>).value?.id)).toEqual([wanted[0], wanted[2]]);
    const error = (results[1] as PromiseRejectedResult).reason as Error;
    expect(error).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    expect(error.message).toContain(bad);
    expect(error.message).toMatch(reason);
    expect(loaders.calls).toHaveLength(1);
  });
});

describe('what still fails as a whole', () => {
  it('a record whose id cannot be read: reported as "?" in lists, and the id that got no answer fails in a batch', async () => {
    const { ids: all } = await walk('sale', clean);
    const bad = all[3]!;
    const broken = adapterWith(breakRecord('sales', bad, (sale) => { delete sale.id; }));
    const { ids, sources } = await walk('sale', broken, {}, 100);
    expect(ids).toEqual(all.filter((id) => id !== bad));
    expect(sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
    expect(sources[0]!.error!.message).toContain('(?)');
    const loaders = new RequestLoaders(new Map([['tactill-malformed', connectionOf(broken)]]));
    const results = await Promise.allSettled([all[0]!, bad, 'no-such-sale'].map((id) => loaders.load('tactill-malformed', 'sale', id)));
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { id: all[0] } });
    // Which of the unanswered ids the unreadable record was cannot be told: each fails rather than reading as absent.
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
  });

  it('a broken envelope, or a body that is not JSON, fails the whole call (VENDOR_MALFORMED_RESPONSE)', async () => {
    const envelopes: Array<(body: Json) => Json> = [
      (body) => ({ ...body, items: 'none' }),
      (body) => ({ ...body, total: 'many' }),
      (body) => { const { next_token: _, ...rest } = body; return rest; },
      () => '{"items": [',
    ];
    for (const spoil of envelopes) {
      const broken = adapterWith(new RewritingTransport((path, body) => (path === '/v0/sales/request' ? spoil(body) : body)));
      const page = await listMerged({ kind: 'sale', sources: [{ connection: connectionOf(broken), filter: {} }], first: 10, after: null });
      expect(page.edges).toEqual([]);
      expect(page.sources[0]).toMatchObject({ status: 'FAILED', error: { extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } } });
      const loaders = new RequestLoaders(new Map([['tactill-malformed', connectionOf(broken)]]));
      await expect(loaders.load('tactill-malformed', 'sale', 'any')).rejects.toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } });
    }
  });

  it('a category that cannot be read does not hide the products of the category asked for', async () => {
    const { ids: all } = await walk('item', clean, {}, 500);
    const categories = new Set<string>();
    const loaders = new RequestLoaders(new Map([['tactill-malformed', connectionOf(clean)]]));
    for (const id of all.slice(0, 10)) categories.add((await loaders.load('tactill-malformed', 'item', id))!.category!);
    const name = [...categories][0]!;
    const expected = await walk('item', clean, { category: name });
    expect(expected.ids.length).toBeGreaterThan(0);
    const broken = adapterWith(new RewritingTransport((path, body) => {
      if (path === '/v0/categories/request') for (const category of body.items as Json[]) if (category.name === name) category.name = 42;
      return body;
    }));
    const { ids, sources } = await walk('item', broken, { category: name });
    expect(ids).toEqual(expected.ids);
    expect(sources.every((source) => source.status === 'OK')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------
// The per-record path, fuzzed

interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
}

const isoDates = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
/** Integer cents anywhere in the safe range, small ones more often. */
const safeIntegers = fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.maxSafeInteger());
/** JSON quantities as a till sends them: whole, or weighed to the gram. */
const quantities = fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: -1_000_000, max: 1_000_000 }).map((grams) => grams / 1000));

/**
 * Values valid for a record schema, generated from its JSON Schema (z.toJSONSchema): the wire
 * schema's own shape. Plain strings named like dates (`*_at`, `date`) get ISO 8601 instants,
 * since the wire schema takes any string there and the mapping then reads it as a date.
 */
function arbitraryOf(schema: JsonSchema, key = ''): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => arbitraryOf(option, key)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length === 0) return fc.jsonValue({ maxDepth: 1 });
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryOf({ ...schema, type }, key)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return schema.minimum !== undefined && schema.minimum > -(2 ** 31) && schema.maximum !== undefined && schema.maximum < 2 ** 31
        ? fc.integer({ min: schema.minimum, max: schema.maximum })
        : safeIntegers;
    case 'number':
      return quantities;
    case 'string':
      return /(_at|^date)$/.test(key) ? isoDates : fc.string({ maxLength: 12 });
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}, key), { maxLength: 3 });
    case 'object': {
      if (schema.properties === undefined) return fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
      const members = Object.fromEntries(Object.entries(schema.properties).map(([name, member]) => [name, arbitraryOf(member, name)]));
      return fc.record(members, { requiredKeys: schema.required ?? [] });
    }
    default:
      throw new Error(`No arbitrary for JSON Schema type ${String(types[0])}`);
  }
}

function validRecords(schema: z.ZodType): fc.Arbitrary<Json> {
  return arbitraryOf(z.toJSONSchema(schema, { io: 'output' }) as JsonSchema);
}

/** Every path to a value inside a JSON record. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  return entries.flatMap(([key, member]) => [[...prefix, key], ...pathsOf(member, [...prefix, key])]);
}

function replaced(record: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(record);
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key];
  target[path.at(-1)!] = value;
  return copy;
}

/** Every Money inside a mapped record, leaving out the vendor's `raw` record. */
function moneyAmounts(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  if ('amount' in value && 'currency' in value && Object.keys(value).length === 2) return [String((value as { amount: unknown }).amount)];
  return Object.entries(value).flatMap(([key, member]) => (key === 'raw' ? [] : moneyAmounts(member)));
}

const MAPPERS: ReadonlyArray<{ what: string; schema: z.ZodType; map: (raws: readonly unknown[]) => MappedRecords<{ id: string }> }> = [
  { what: 'products', schema: TactillProductSchema, map: (raws) => mapProducts(raws, 'EUR') },
  { what: 'customers', schema: TactillCustomerSchema, map: (raws) => mapCustomers(raws) },
  { what: 'sales', schema: TactillSaleSchema, map: (raws) => mapSales(raws, 'EUR') },
  { what: 'payments', schema: TactillPaymentSchema, map: (raws) => mapPayments(raws, 'EUR') },
  { what: 'cashbooks', schema: TactillCashbookSchema, map: (raws) => mapCashbooks(raws, 'EUR') },
];

const RUNS = { numRuns: 200 };

describe.each(MAPPERS)('mapping $what, fuzzed', ({ schema, map }) => {
  it('arbitrary JSON never throws: every input is a record or a rejection', () => {
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 5 }), (raws) => {
        const { records, rejected } = map(raws);
        expect(records.length + rejected.length).toBe(raws.length);
        for (const rejection of rejected) expect(typeof rejection.reason).toBe('string');
      }),
      RUNS,
    );
  });

  it('valid records map, every Money amount an exact decimal string (never NaN, never exponent notation)', () => {
    fc.assert(
      fc.property(validRecords(schema), (raw) => {
        const { records, rejected } = map([raw]);
        expect(rejected).toEqual([]);
        expect(records).toHaveLength(1);
        for (const amount of moneyAmounts(records[0])) expect(amount).toMatch(/^-?\d+\.\d{2}$/);
      }),
      RUNS,
    );
  });

  it('a valid record with any one value replaced is a record or a rejection named by its id', () => {
    const spoiled = fc.tuple(validRecords(schema), fc.nat(), fc.anything()).map(([record, n, value]) => {
      const paths = pathsOf(record);
      const path = paths[n % paths.length]!;
      return { original: record, path, raw: replaced(record, path, value) };
    });
    fc.assert(
      fc.property(spoiled, ({ original, path, raw }) => {
        const { records, rejected } = map([raw]);
        expect(records.length + rejected.length).toBe(1);
        if (rejected.length === 1) expect(rejected[0]!.id).toBe(path.length === 1 && path[0] === 'id' ? tactillRecordId(raw) : tactillRecordId(original));
        else for (const amount of moneyAmounts(records[0])) expect(amount).toMatch(/^-?\d+\.\d{2}$/);
      }),
      RUNS,
    );
  });
});

describe('amounts, exactly', () => {
  it('a product price and a payment amount are the vendor cents to the cent, refunds negative', () => {
    const products = validRecords(TactillProductSchema);
    const payments = validRecords(TactillPaymentSchema);
    fc.assert(
      fc.property(products, payments, (product, payment) => {
        const item = mapProducts([product], 'EUR').records[0]!;
        expect(Decimal.parse(item.price.amount).toMinorUnits(2)).toBe(BigInt(product.sell_price));
        const mapped = mapPayments([payment], 'EUR').records[0]!;
        const cents = payment.type === 'OUT' ? -Math.abs(payment.amount) : payment.amount;
        expect(Decimal.parse(mapped.amount.amount).toMinorUnits(2)).toBe(BigInt(cents));
      }),
      RUNS,
    );
  });
});
