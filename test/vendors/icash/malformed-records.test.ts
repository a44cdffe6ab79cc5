/**
 * One malformed iCash record fails only that record (issue 6 §4): the envelope is still
 * checked whole by the client, each row of a list is read on its own by the adapter.
 *
 * The simulator has no per-record fault, so a transport in front of the client rewrites one
 * row of a real answer (a price "abc", a name deleted…) before the client reads it.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import type { GatewayError } from '../../../src/core/errors.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
import { RequestLoaders } from '../../../src/core/loaders.ts';
import type { EntityKind, EntityRecords } from '../../../src/core/model.ts';
import { toLocalDateTime } from '../../../src/core/time.ts';
import { listMerged, type MergedPage, type SourceResult } from '../../../src/core/pagination.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  icashAdapterModule,
  mapCashRegisterRows,
  mapContragentRows,
  mapOperationRows,
  mapSaleItemRows,
  mapStoreRows,
  type IcashMappingContext,
  type IcashSettings,
  type MappedRows,
} from '../../../src/vendors/icash/adapter.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';
import { CashRegisterSchema, ContragentSchema, OperationSchema, SaleItemSchema } from '../../../src/vendors/icash/wire.ts';

const SEED = 211;
const SALES = 120;

// ---------------------------------------------------------------------------------------------
// A transport that breaks one row of the vendor's answers

type Row = Record<string, unknown>;

interface Breakage {
  /** The iCash method whose answer is rewritten, e.g. "get-sale-items". */
  readonly method: string;
  /** The row's id field and value. */
  readonly idField: string;
  readonly id: number;
  /** Changes the row in place. */
  readonly change: (row: Row) => void;
}

/** Rewrites the rows named by `breakages` in status-1 answers; everything else passes through. */
class RowBreakingTransport extends HttpTransport {
  breakages: Breakage[] = [];

  override async send(site: CallSite, req: HttpRequest): Promise<HttpResponse> {
    const response = await super.send(site, req);
    const method = req.url.pathname.split('/').at(-1)!;
    const wanted = this.breakages.filter((breakage) => breakage.method === method);
    if (response.status !== 200 || wanted.length === 0) return response;
    const body = JSON.parse(response.text) as { status?: number; data?: unknown };
    if (body.status !== 1) return response;
    const data = body.data as { Data?: unknown } | unknown[] | Row;
    const rows: Row[] = Array.isArray(data) ? (data as Row[]) : Array.isArray((data as { Data?: unknown }).Data) ? ((data as { Data: Row[] }).Data) : [data as Row];
    for (const row of rows) for (const breakage of wanted) if (row[breakage.idField] === breakage.id) breakage.change(row);
    return { ...response, text: JSON.stringify(body) };
  }
}

let running: RunningSimulator;
let settings: IcashSettings;
let transport: RowBreakingTransport;
let clean: Connection;
let broken: Connection;

function connectionOf(adapter: VendorAdapter, id: string): Connection {
  return { id, name: id, vendor: 'icash', adapter };
}

beforeAll(async () => {
  running = await startSimulator(createIcashSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  settings = icashAdapterModule.demoSettings(running.url);
  transport = new RowBreakingTransport();
  clean = connectionOf(icashAdapterModule.createAdapter(settings, { connectionId: 'icash-clean', transport: new HttpTransport() }), 'icash-clean');
  broken = connectionOf(icashAdapterModule.createAdapter({ ...settings, referenceTtlSeconds: 0 }, { connectionId: 'icash-broken', transport }), 'icash-broken');
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  transport.breakages = [];
});

/** Every record of a kind in one merged page, with the source's status. */
async function listAll<K extends EntityKind>(kind: K, on: Connection, first = 5_000) {
  const page = await listMerged({ kind, sources: [{ connection: on, filter: {} }], first, after: null });
  return { records: page.edges.map((edge) => edge.record) as EntityRecords[K][], source: page.sources[0]! };
}

/** Walks a list `first` records at a time; answers every record and every source result. */
async function walkAll<K extends EntityKind>(kind: K, on: Connection, first: number) {
  const records: EntityRecords[K][] = [];
  const sources: SourceResult[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 500; pages += 1) {
    const page: MergedPage<K> = await listMerged({ kind, sources: [{ connection: on, filter: {} }], first, after });
    records.push(...(page.edges.map((edge) => edge.record) as EntityRecords[K][]));
    sources.push(page.sources[0]!);
    if (!page.pageInfo.hasNextPage) return { records, sources };
    after = page.pageInfo.endCursor;
  }
  throw new Error(`walking ${kind} did not end`);
}

function expectPartialNaming(source: { status: string; error: GatewayError | null }, id: string): void {
  expect(source.status).toBe('PARTIAL');
  expect(source.error?.extensions).toMatchObject({ code: 'VENDOR_MALFORMED_RECORD', connection: 'icash-broken', vendor: 'icash' });
  expect(source.error?.message).toContain(`(${id})`);
}

/** Looks ids up through one request's loaders; answers each outcome. */
async function lookUp<K extends EntityKind>(kind: K, ids: readonly string[]) {
  const loaders = new RequestLoaders(new Map([[broken.id, broken]]));
  const results = await Promise.allSettled(ids.map((id) => loaders.load(broken.id, kind, id)));
  return { results, calls: loaders.calls };
}

const withoutId = <T extends { id: string }>(records: readonly T[], id: string): T[] => records.filter((record) => record.id !== id);

// ---------------------------------------------------------------------------------------------

describe('a malformed row, against the simulator', () => {
  it('items: one price "abc" leaves that item out (PARTIAL, named) and serves every other; its lookup alone fails', async () => {
    const all = (await listAll('item', clean)).records;
    expect(all.length).toBeGreaterThan(100);
    const victim = all[37]!;
    transport.breakages = [{ method: 'get-sale-items', idField: 'SaleItemID', id: Number(victim.id), change: (row) => (row.SaleItemSellPrice = 'abc') }];

    const { records, source } = await listAll('item', broken);
    expect(records).toEqual(withoutId(all, victim.id));
    expectPartialNaming(source, victim.id);

    // byIds: neighbours in one page of the list, and the victim alone by id.
    const neighbours = [String(Number(victim.id) - 1), victim.id, String(Number(victim.id) + 1)];
    for (const ids of [neighbours, [victim.id], Array.from({ length: 60 }, (_, index) => String(index + 1)).concat(victim.id)]) {
      const { results, calls } = await lookUp('item', ids);
      expect(calls.map((call) => call.strategy)).toEqual(['byIds']);
      ids.forEach((id, index) => {
        const result = results[index]!;
        if (id === victim.id) {
          expect(result.status).toBe('rejected');
          expect((result as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
          expect(String((result as PromiseRejectedResult).reason.message)).toContain('SaleItemSellPrice');
        } else {
          expect(result).toEqual({ status: 'fulfilled', value: all.find((item) => item.id === id) ?? null });
        }
      });
    }
  });

  it('items: walking page by page serves every other item exactly once and reports the bad one', async () => {
    const all = (await listAll('item', clean)).records;
    const victim = all[5]!;
    transport.breakages = [{ method: 'get-sale-items', idField: 'SaleItemID', id: Number(victim.id), change: (row) => delete row.SaleItemName }];
    const { records, sources } = await walkAll('item', broken, 40);
    expect(records.map((item) => item.id)).toEqual(withoutId(all, victim.id).map((item) => item.id));
    // The catalogue is read whole for every page, so every page says which record is missing.
    for (const source of sources) expectPartialNaming(source, victim.id);
  });

  it('customers: a contragent without its name is left out and reported; its lookup alone fails', async () => {
    const all = (await listAll('customer', clean)).records;
    const victim = all.find((customer) => customer.id === '123')!;
    transport.breakages = [{ method: 'get-contragents', idField: 'ContragentID', id: 123, change: (row) => delete row.ContragentName }];

    const { records, source } = await listAll('customer', broken);
    expect(records).toEqual(withoutId(all, victim.id));
    expectPartialNaming(source, '123');

    const ids = ['122', '123', '124', '7'];
    const { results } = await lookUp('customer', ids);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
    for (const index of [0, 2, 3]) {
      expect(results[index]).toEqual({ status: 'fulfilled', value: all.find((customer) => customer.id === ids[index]) });
    }
  });

  it('sales: an operation with a price "abc" is left out of its page and reported; its lookup (each) fails alone', async () => {
    const all = (await listAll('sale', clean)).records;
    expect(all).toHaveLength(SALES);
    const victim = all[17]!;
    const id = Number(victim.id);
    transport.breakages = [
      { method: 'operations-list', idField: 'OperationID', id, change: (row) => (row.OperationPrice = 'abc') },
      { method: 'get-operation', idField: 'OperationID', id, change: (row) => (row.OperationPrice = 'abc') },
    ];

    const { records, source } = await listAll('sale', broken);
    expect(records).toEqual(withoutId(all, victim.id));
    expectPartialNaming(source, victim.id);

    // Vendor-paged: only the pages that read the vendor page holding it are PARTIAL.
    const walked = await walkAll('sale', broken, 10);
    expect(walked.records.map((sale) => sale.id)).toEqual(withoutId(all, victim.id).map((sale) => sale.id));
    const partial = walked.sources.filter((result) => result.status === 'PARTIAL');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(walked.sources.length);
    for (const result of partial) expectPartialNaming(result, victim.id);
    expect(walked.sources.filter((result) => result.status !== 'PARTIAL').every((result) => result.status === 'OK')).toBe(true);

    const neighbours = [all[16]!.id, victim.id, all[18]!.id];
    const { results } = await lookUp('sale', neighbours);
    expect(results[1]!.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } });
    for (const index of [0, 2]) {
      expect(results[index]!.status).toBe('fulfilled');
      expect((results[index] as PromiseFulfilledResult<EntityRecords['sale']>).value).toMatchObject({ id: neighbours[index], lines: expect.any(Array) });
    }
  });

  it('cash registers: a register of unknown type is left out of cashbooks and, alone in its store, of locations', async () => {
    const cashbooks = (await listAll('cashbook', clean)).records;
    const locations = (await listAll('location', clean)).records;
    const victim = cashbooks.find((cashbook) => cashbook.locationId === '2')!;
    transport.breakages = [{ method: 'get-cash-registers', idField: 'id', id: Number(victim.id), change: (row) => (row.type = 'TELEPATHIC') }];

    const listed = await listAll('cashbook', broken);
    expect(listed.records).toEqual(withoutId(cashbooks, victim.id));
    expectPartialNaming(listed.source, victim.id);
    const stores = await listAll('location', broken);
    expect(stores.records).toEqual(withoutId(locations, '2'));
    expectPartialNaming(stores.source, '2');

    const loaders = new RequestLoaders(new Map([[broken.id, broken]]));
    const results = await Promise.allSettled([...cashbooks.map((cashbook) => loaders.load(broken.id, 'cashbook', cashbook.id)), loaders.load(broken.id, 'location', '1'), loaders.load(broken.id, 'location', '2')]);
    cashbooks.forEach((cashbook, index) => {
      if (cashbook.id === victim.id) expect((results[index] as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });
      else expect(results[index]).toEqual({ status: 'fulfilled', value: cashbook });
    });
    expect(results.at(-2)).toEqual({ status: 'fulfilled', value: locations.find((location) => location.id === '1') });
    expect((results.at(-1) as PromiseRejectedResult).reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RECORD' } });

    // Sales of a register that cannot be read cannot be narrowed to it: that query fails, others do not.
    const bySale = await listMerged({ kind: 'sale', sources: [{ connection: broken, filter: { cashbookId: victim.id } }], first: 5, after: null });
    expect(bySale.sources[0]).toMatchObject({ status: 'FAILED', error: { extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } } });
    const other = cashbooks.find((cashbook) => cashbook.id !== victim.id)!;
    const byOther = await listMerged({ kind: 'sale', sources: [{ connection: broken, filter: { cashbookId: other.id } }], first: 5, after: null });
    expect(byOther.sources[0]!.status).toBe('OK');
    expect(byOther.edges.length).toBeGreaterThan(0);
  });

  it('a broken envelope or list shape still fails the whole call', async () => {
    transport.breakages = [];
    const wrecking = new (class extends RowBreakingTransport {
      override async send(site: CallSite, req: HttpRequest): Promise<HttpResponse> {
        const response = await super.send(site, req);
        if (!req.url.pathname.endsWith('get-sale-items')) return response;
        const body = JSON.parse(response.text) as { data: { Data: unknown } };
        body.data.Data = 'not rows';
        return { ...response, text: JSON.stringify(body) };
      }
    })();
    const wrecked = connectionOf(icashAdapterModule.createAdapter(settings, { connectionId: 'icash-wrecked', transport: wrecking }), 'icash-wrecked');
    const { source } = await listAll('item', wrecked);
    expect(source).toMatchObject({ status: 'FAILED', error: { extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } } });
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzzing the pure per-row path

const context: IcashMappingContext = { currency: 'EUR', timeZone: 'Europe/Sofia', taxRates: { '1': '20', '2': '5.5' } };

/** Every per-row mapping of the adapter, over raw rows. */
const ROW_MAPPERS: ReadonlyArray<readonly [string, (raws: readonly unknown[]) => MappedRows<unknown>]> = [
  ['sale items', (raws) => mapSaleItemRows(raws, context)],
  ['contragents', mapContragentRows],
  ['operations', (raws) => mapOperationRows(raws, context)],
  ['cash registers', mapCashRegisterRows],
];

/** A decimal text such as the DECIMAL columns render: any size and scale, sometimes negative. */
const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 12 }))
  .map(([negative, units, scale]) => {
    const digits = units.toString().padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative ? `-${text}` : text;
  });

const localDateTime = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => toLocalDateTime(date, context.timeZone));

/**
 * Values for a zod schema, by its shape (the types the iCash row schemas use). Strings pass
 * the schema's own checks: a decimal, a 3-letter code or any text, whichever it accepts.
 */
function arbitraryOf(schema: z.ZodType, overrides: Readonly<Record<string, fc.Arbitrary<unknown>>> = {}): fc.Arbitrary<unknown> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'object': {
      const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
      const fields = Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, overrides[key] ?? arbitraryOf(field)]));
      const optional = Object.entries(shape).filter(([, field]) => (field as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'optional').map(([key]) => key);
      return fc.record(fields, { requiredKeys: Object.keys(shape).filter((key) => !optional.includes(key)) });
    }
    case 'optional':
      return arbitraryOf(def.innerType as z.ZodType);
    case 'nullable':
      return fc.option(arbitraryOf(def.innerType as z.ZodType), { nil: null });
    case 'number':
      return fc.integer({ min: 0, max: 2 ** 31 - 1 });
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map((option) => arbitraryOf(option)));
    case 'string':
      return fc.oneof(decimalText, fc.string({ minLength: 3, maxLength: 3 }), fc.string({ maxLength: 30 })).filter((value) => schema.safeParse(value).success);
    default:
      throw new Error(`no arbitrary for a zod ${def.type}`);
  }
}

const validRows = {
  'sale items': arbitraryOf(SaleItemSchema),
  contragents: arbitraryOf(ContragentSchema),
  // The schema says text for the dates; the mapping needs a local date and time.
  operations: arbitraryOf(OperationSchema, { OperationCreateDate: localDateTime }),
  'cash registers': arbitraryOf(CashRegisterSchema),
} as const satisfies Record<string, fc.Arbitrary<unknown>>;

/** A valid row with one of its fields replaced by anything, or removed. */
const rowWithOneFieldBroken = (valid: fc.Arbitrary<unknown>) =>
  fc.tuple(valid, fc.nat(), fc.option(fc.anything(), { nil: undefined })).map(([row, pick, value]) => {
    const copy = { ...(row as Row) };
    const keys = Object.keys(copy);
    const key = keys[pick % keys.length]!;
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });

const DECIMAL = /^-?\d+(\.\d+)?$/;

describe('fuzzing the per-row mapping (fast-check)', () => {
  it('never throws for arbitrary JSON: every row becomes a record or a rejection', () => {
    for (const [, mapRows] of ROW_MAPPERS) {
      fc.assert(
        fc.property(fc.array(fc.anything(), { maxLength: 8 }), (raws) => {
          const { records, rejected } = mapRows(raws);
          expect(records.length + rejected.length).toBe(raws.length);
          for (const rejection of rejected) expect(typeof rejection.reason).toBe('string');
        }),
        { numRuns: 200 },
      );
    }
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 8 }), (raws) => {
        expect(() => mapStoreRows(raws)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('never throws for a valid row with one field replaced by anything; a rejection keeps the readable id', () => {
    for (const [name, mapRows] of ROW_MAPPERS) {
      const valid = validRows[name as keyof typeof validRows];
      fc.assert(
        fc.property(fc.array(fc.oneof(valid, rowWithOneFieldBroken(valid)), { minLength: 1, maxLength: 6 }), (raws) => {
          const { records, rejected } = mapRows(raws);
          expect(records.length + rejected.length).toBe(raws.length);
          for (const rejection of rejected) expect(rejection.id === null || /^\d+$/.test(rejection.id)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('maps every valid row to a record whose amounts are plain decimal strings', () => {
    const amountsOf = (record: unknown): string[] => {
      const found: string[] = [];
      const visit = (value: unknown): void => {
        if (typeof value !== 'object' || value === null) return;
        if ('amount' in value && 'currency' in value) found.push(String((value as { amount: unknown }).amount));
        for (const [key, inner] of Object.entries(value)) if (key !== 'raw') visit(inner);
      };
      visit(record);
      return found;
    };
    for (const [name, mapRows] of ROW_MAPPERS) {
      fc.assert(
        fc.property(fc.array(validRows[name as keyof typeof validRows], { minLength: 1, maxLength: 5 }), (raws) => {
          const { records, rejected } = mapRows(raws);
          expect(rejected).toEqual([]);
          expect(records).toHaveLength(raws.length);
          for (const amount of records.flatMap(amountsOf)) {
            expect(amount).toMatch(DECIMAL);
            expect(amount).not.toMatch(/NaN|e/i);
          }
        }),
        { numRuns: 200 },
      );
    }
    // Items and sales do carry money.
    fc.assert(
      fc.property(validRows['sale items'], validRows.operations, (item, operation) => {
        expect(amountsOf(mapSaleItemRows([item], context).records[0])).toHaveLength(1);
        expect(amountsOf(mapOperationRows([operation], context).records[0])).toHaveLength(1);
      }),
      { numRuns: 50 },
    );
  });
});
