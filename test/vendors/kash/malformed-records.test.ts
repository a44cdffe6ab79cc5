/**
 * One malformed Kash record fails only that record (issue 6 §4). Against the real simulator,
 * a transport wrapper rewrites one element of a genuine answer before the client reads it:
 * the list serves every other record with status PARTIAL and VENDOR_MALFORMED_RECORD naming
 * the id, and a lookup fails only that id. A broken envelope still fails the whole call.
 * Then fast-check fuzzes the pure per-record path (core/adapter.ts mapEach + the mapping).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mapEach, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
import { RequestLoaders } from '../../../src/core/loaders.ts';
import type { EntityKind } from '../../../src/core/model.ts';
import type { Money } from '../../../src/core/money.ts';
import { listMerged, type MergedPage } from '../../../src/core/pagination.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import {
  createKashAdapter,
  kashSettingsSchema,
  mapOrderDetail,
  parseElement,
  readCashboxes,
  readClients,
  readOrderPayments,
  readOrderSummaries,
  readPlus,
  readTable,
  mapCashboxAsCashbook,
  kashIdOf,
  type KashTable,
} from '../../../src/vendors/kash/adapter.ts';
import { createKashSimulator } from '../../../src/vendors/kash/simulator.ts';
import { KashDepartmentSchema, KashOrderDetailSchema, KashOrderSchema, KashPluSchema, type KashDepartment, type KashPaymentMode } from '../../../src/vendors/kash/wire.ts';

const NOW = new Date('2026-11-22T00:00:00Z');
const CLEAN = 'kash-clean';
const BROKEN = 'kash-broken';

/** Rewrites the parsed JSON answer of matching calls; returning a string replaces the body text as is. */
type Rewrite = (url: URL, body: unknown) => unknown;

class RewritingTransport extends HttpTransport {
  rewrite: Rewrite | undefined;

  override async send(site: CallSite, request: HttpRequest): Promise<HttpResponse> {
    const response = await super.send(site, request);
    if (this.rewrite === undefined || response.status !== 200) return response;
    const next = this.rewrite(request.url, JSON.parse(response.text));
    if (next === undefined) return response;
    return { ...response, text: typeof next === 'string' ? next : JSON.stringify(next) };
  }
}

/** Rewrites element `index` of one list worker's answer, remembering the vendor id it had. */
function breakElement(worker: string, index: number, alter: (element: Record<string, unknown>) => void, idKey = 'id'): { id: () => string } {
  let id: string | undefined;
  transport.rewrite = (url, body) => {
    if (url.pathname !== `/workers/${worker}.php` || !Array.isArray(body)) return undefined;
    const element = body[index] as Record<string, unknown>;
    id = String(element[idKey]);
    alter(element);
    return body;
  };
  return {
    id: () => {
      if (id === undefined) throw new Error(`${worker} was not called`);
      return id;
    },
  };
}

let running: RunningSimulator;
let transport: RewritingTransport;
let clean: Connection;
let broken: Connection;

function connectionFor(id: string, transportToUse: HttpTransport): Connection {
  const settings = kashSettingsSchema.parse({ baseUrl: running.url, shopId: '4242', apiKey: 'demo-kash-key' });
  const adapter: VendorAdapter = createKashAdapter(settings, { connectionId: id, transport: transportToUse }, { now: () => NOW });
  return { id, name: id, vendor: 'kash', adapter };
}

beforeAll(async () => {
  running = await startSimulator(createKashSimulator({ seed: 102, sales: 120 }), { port: 0 });
  transport = new RewritingTransport();
  clean = connectionFor(CLEAN, new HttpTransport());
  broken = connectionFor(BROKEN, transport);
});
afterAll(() => running.close());
beforeEach(() => {
  transport.rewrite = undefined;
});

async function listAll<K extends EntityKind>(connection: Connection, kind: K, filter: object = {}): Promise<MergedPage<K>> {
  return listMerged({ kind, sources: [{ connection, filter: filter as never }], first: 10_000, after: null });
}

const ids = (page: MergedPage<EntityKind>) => page.edges.map((edge) => edge.record.id);

/** The broken list is the clean one without `left`, and says so. */
async function expectPartial<K extends EntityKind>(kind: K, left: readonly string[], filter: object = {}): Promise<void> {
  const expected = await listAll(clean, kind, filter);
  const page = await listAll(broken, kind, filter);
  expect(expected.sources[0]!.status).toBe('OK');
  for (const id of left) expect(ids(expected)).toContain(id);
  expect(ids(page)).toEqual(ids(expected).filter((id) => !left.includes(id)));
  expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD', connection: BROKEN } } });
  expect(page.sources[0]!.error!.message).toContain(`(${left.join(', ')})`);
}

/** Looks up `bad` and some good ids in one request: only `bad` fails, with `code`. */
async function expectLookups(kind: EntityKind, bad: string, good: readonly string[], code: string): Promise<void> {
  const cleanLoaders = new RequestLoaders(new Map([[CLEAN, clean]]));
  const loaders = new RequestLoaders(new Map([[BROKEN, broken]]));
  const wanted = [...good, bad];
  const results = await Promise.allSettled(wanted.map((id) => loaders.load(BROKEN, kind, id)));
  const expected = await Promise.all(good.map((id) => cleanLoaders.load(CLEAN, kind, id)));
  expect(results.map((result) => result.status)).toEqual([...good.map(() => 'fulfilled'), 'rejected']);
  expect(results.slice(0, -1).map((result) => (result as PromiseFulfilledResult<unknown>).value)).toEqual(expected);
  expect(expected.every((record) => record !== null)).toBe(true);
  expect((results.at(-1) as PromiseRejectedResult).reason).toMatchObject({ extensions: { code } });
}

describe('one malformed element of a real Kash answer', () => {
  it('items: an article priced "abc" is left out of the list (PARTIAL) and fails only its own lookup', async () => {
    const bad = breakElement('getPlus', 3, (plu) => {
      plu.price = 'abc';
    });
    await expectPartial('item', [await firstCall(() => listAll(broken, 'item'), bad)]);
    const good = ids(await listAll(clean, 'item')).filter((id) => id !== bad.id()).slice(0, 5);
    await expectLookups('item', bad.id(), good, 'VENDOR_MALFORMED_RECORD');
  });

  it('items: a malformed department rejects its own articles only', async () => {
    const bad = breakElement('getDepartments', 0, (department) => {
      department.vatRate = 'x';
    });
    const department = Number(await firstCall(() => listAll(broken, 'item'), bad));
    const all = await listAll(clean, 'item');
    const ofDepartment = all.edges.filter((edge) => (edge.record.raw as { departmentId: number }).departmentId === department).map((edge) => edge.record.id);
    expect(ofDepartment.length).toBeGreaterThan(0);
    expect(ofDepartment.length).toBeLessThan(all.edges.length);
    const page = await listAll(broken, 'item');
    expect(ids(page)).toEqual(ids(all).filter((id) => !ofDepartment.includes(id)));
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
    expect(page.sources[0]!.error!.message).toContain(`department ${department} is malformed`);
  });

  it('customers: a client without `nom` is left out and fails only its own lookup', async () => {
    const bad = breakElement('getClients', 2, (client) => {
      delete client.nom;
    });
    await expectPartial('customer', [await firstCall(() => listAll(broken, 'customer'), bad)]);
    const good = ids(await listAll(clean, 'customer')).filter((id) => id !== bad.id()).slice(0, 5);
    await expectLookups('customer', bad.id(), good, 'VENDOR_MALFORMED_RECORD');
  });

  it('cashbooks and locations: a register whose title is a number is left out of both', async () => {
    const bad = breakElement('getCashbox', 1, (cashbox) => {
      cashbox.title = 42;
    });
    const id = await firstCall(() => listAll(broken, 'cashbook'), bad);
    await expectPartial('cashbook', [id]);
    await expectPartial('location', [id]);
    const good = ids(await listAll(clean, 'location')).filter((other) => other !== id);
    await expectLookups('cashbook', id, good, 'VENDOR_MALFORMED_RECORD');
    await expectLookups('location', id, good, 'VENDOR_MALFORMED_RECORD');
  });

  it('sales: an order whose date cannot be read is left out of the list; its lookup (getOrder) is not affected', async () => {
    const bad = breakElement(
      'getOrders',
      5,
      (order) => {
        order.date = 'not a date';
      },
      'orderInternalID',
    );
    const id = await firstCall(() => listAll(broken, 'sale'), bad);
    await expectPartial('sale', [id]);
    // The sale itself is read through getOrder, whose answer is intact.
    expect(await new RequestLoaders(new Map([[BROKEN, broken]])).load(BROKEN, 'sale', id)).toMatchObject({ id });
  });

  it('sales: a malformed getOrder fails that lookup only (each: VENDOR_MALFORMED_RESPONSE)', async () => {
    const all = ids(await listAll(clean, 'sale'));
    const [bad, ...good] = all.slice(10, 16) as [string, ...string[]];
    transport.rewrite = (url, body) => {
      if (url.pathname !== '/workers/getOrder.php' || url.searchParams.get('order_id') !== bad) return undefined;
      (body as { items: Array<Record<string, unknown>> }).items[0]!.total = 'abc';
      return body;
    };
    await expectLookups('sale', bad, good, 'VENDOR_MALFORMED_RESPONSE');
  });

  it('payments: an order with an unreadable payment leaves out its payments by id, the rest are served', async () => {
    let rejectedIds: string[] = [];
    transport.rewrite = (url, body) => {
      if (url.pathname !== '/workers/getOrders.php' || !Array.isArray(body)) return undefined;
      const order = body.find((element: { payments: unknown[] }) => element.payments.length > 0) as { orderInternalID: number; payments: Array<Record<string, unknown>> };
      rejectedIds = order.payments.map((_, index) => `${order.orderInternalID}:${index}`);
      order.payments[0]!.amount = 'abc';
      return body;
    };
    await listAll(broken, 'payment');
    expect(rejectedIds.length).toBeGreaterThan(0);
    await expectPartial('payment', rejectedIds);
  });

  it("payments of one sale: a malformed getOrder makes that list PARTIAL, not FAILED", async () => {
    const saleId = ids(await listAll(clean, 'sale'))[0]!;
    const expected = await listAll(clean, 'payment', { saleId });
    expect(expected.edges.length).toBeGreaterThan(0);
    transport.rewrite = (url, body) => {
      if (url.pathname !== '/workers/getOrder.php') return undefined;
      (body as Record<string, unknown>).date = 42;
      return body;
    };
    const page = await listAll(broken, 'payment', { saleId });
    expect(page.edges).toEqual([]);
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD' } } });
    expect(page.sources[0]!.error!.message).toContain(`(${ids(expected).join(', ')})`);
  });

  it('a malformed payment mode fails the sales that use it, not the others', async () => {
    const all = ids(await listAll(clean, 'sale'));
    const cleanLoaders = new RequestLoaders(new Map([[CLEAN, clean]]));
    const sales = await Promise.all(all.slice(0, 40).map((id) => cleanLoaders.load(CLEAN, 'sale', id)));
    const modeOf = (sale: (typeof sales)[number] | undefined) => (sale!.raw as { payments: Array<{ paymentModeID: number }> }).payments.map((payment) => payment.paymentModeID);
    const mode = modeOf(sales[0]).at(0)!;
    transport.rewrite = (url, body) => {
      if (url.pathname !== '/workers/getPaymentModes.php' || !Array.isArray(body)) return undefined;
      (body.find((element: { id: number }) => element.id === mode) as Record<string, unknown>).title = null;
      return body;
    };
    const loaders = new RequestLoaders(new Map([[BROKEN, broken]]));
    const results = await Promise.allSettled(all.slice(0, 40).map((id) => loaders.load(BROKEN, 'sale', id)));
    results.forEach((result, index) => {
      const usesMode = modeOf(sales[index]).includes(mode);
      expect(result.status).toBe(usesMode ? 'rejected' : 'fulfilled');
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } });
      else expect(result.value).toEqual(sales[index]);
    });
    expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    expect(results.some((result) => result.status === 'rejected')).toBe(true);
  });

  it('a broken envelope still fails the whole source: not an array, or a truncated body', async () => {
    for (const text of ['{"items":[]}', '[{"id":1,"title":"Café"']) {
      transport.rewrite = (url) => (url.pathname === '/workers/getPlus.php' ? text : undefined);
      const page = await listAll(broken, 'item');
      expect(page.edges).toEqual([]);
      expect(page.sources[0]).toMatchObject({ status: 'FAILED', error: { extensions: { code: 'VENDOR_MALFORMED_RESPONSE' } } });
    }
  });
});

/** Runs the broken list once so the rewrite records the element's id. */
async function firstCall(run: () => Promise<unknown>, bad: { id: () => string }): Promise<string> {
  await run();
  return bad.id();
}

// ------------------------------------------------------------------------------------------
// fast-check: the per-record path never throws and never mints a bad amount

const CONTEXT = { currency: 'EUR', timeZone: 'Europe/Paris' };
const RUNS = { numRuns: 200 };
const noDepartments: KashTable<KashDepartment> = { rows: new Map(), malformed: new Map() };
const noModes: KashTable<KashPaymentMode> = { rows: new Map(), malformed: new Map() };

/** EUR amounts: a decimal string with at least two places, no exponent, never NaN. */
const isAmount = (money: Money) => money.currency === 'EUR' && /^-?\d+\.\d{2,}$/.test(money.amount);

const id = fc.integer({ min: 1, max: 2_000_000_000 });
const text = fc.string({ maxLength: 12 });
const nullableText = fc.option(text, { nil: null });
const cents = fc.integer({ min: -100_000_000, max: 100_000_000 }).map((value) => value / 100);
/** Any finite JSON number: huge, tiny, or with more digits than a double carries exactly. */
const anyNumber = fc.oneof(cents, fc.double({ noNaN: true, noDefaultInfinity: true }));
const rate = fc.constantFrom(0, 2.1, 5.5, 10, 20);
const date = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .chain((at) => fc.constantFrom(at.toISOString(), at.toISOString().replace(/\.\d{3}Z$/, '+01:00'), at.toISOString().replace(/\.\d{3}Z$/, '-0530')));

const plu = (amount: fc.Arbitrary<number>) => fc.record({ id, title: text, price: amount, departmentId: id, vatRate: rate, barcode: nullableText });
const order = (amount: fc.Arbitrary<number>) =>
  fc.record({
    orderInternalID: id,
    orderID: text,
    date,
    price: amount,
    VAT: amount,
    clientID: fc.option(id, { nil: null }),
    cashBoxID: fc.option(id, { nil: null }),
    deliveryMethod: fc.integer({ min: 0, max: 6 }),
    isRefund: fc.boolean(),
    status: fc.constantFrom('validated' as const, 'terminated' as const),
    payments: fc.array(fc.record({ paymentModeID: id, amount }), { maxLength: 3 }),
    publicComment: nullableText,
    privateComment: nullableText,
  });
const item = (amount: fc.Arbitrary<number>) =>
  fc.record({
    idArticle: fc.option(id, { nil: null }),
    departmentId: fc.option(id, { nil: null }),
    title: text,
    quantity: fc.oneof(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50_000, max: 50_000 }).map((grams) => grams / 1000)),
    price: amount,
    discount: amount,
    total: amount,
    vatRate: rate,
    declinaisons: fc.array(id, { maxLength: 2 }),
  });
const detail = (amount: fc.Arbitrary<number>) =>
  fc.tuple(order(amount), fc.array(item(amount), { maxLength: 3 })).map(([summary, items]) => ({ ...summary, items, VATs: [], client: null }));
const readDetails = (raws: readonly unknown[]) =>
  mapEach(raws, (raw) => mapOrderDetail(parseElement(KashOrderDetailSchema, raw, 'getOrder'), new Map(), CONTEXT), kashIdOf('orderInternalID'));

/** A valid record with one field replaced by anything, or removed. */
function withOneFieldBroken<T extends Record<string, unknown>>(record: fc.Arbitrary<T>): fc.Arbitrary<Record<string, unknown>> {
  return record.chain((valid) =>
    fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.option(fc.anything(), { nil: undefined })).map(([key, value]) => {
      const copy: Record<string, unknown> = { ...valid };
      if (value === undefined) delete copy[key];
      else copy[key] = value;
      return copy;
    }),
  );
}

/** Every input is accounted for: one record or one rejection each, never a throw. */
function accountsForEach(raws: readonly unknown[], read: { records: readonly unknown[]; rejected: readonly unknown[] }): void {
  expect(read.records.length + read.rejected.length).toBe(raws.length);
}

describe('fuzzing the per-record path (fast-check)', () => {
  const garbage = fc.array(fc.anything(), { maxLength: 8 });

  it('arbitrary JSON never throws out of the readers: each input is a record or a rejection', () => {
    fc.assert(
      fc.property(garbage, (raws) => {
        accountsForEach(raws, readPlus(raws, noDepartments, 'EUR'));
        accountsForEach(raws, readClients(raws));
        accountsForEach(raws, readCashboxes(raws, mapCashboxAsCashbook));
        accountsForEach(raws, readOrderSummaries(raws, CONTEXT));
        accountsForEach(raws, readDetails(raws));
        const table = readTable(raws, KashDepartmentSchema, 'getDepartments element');
        expect(table.rows.size + table.malformed.size).toBeLessThanOrEqual(raws.length);
        // Payments: a garbage order gives no payment, only rejections.
        for (const raw of raws) {
          const read = readOrderPayments([raw], noModes, CONTEXT);
          if (!KashOrderSchema.safeParse(raw).success) expect(read.records).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('a record with one field replaced or removed is a record or a rejection with its id, the others untouched', () => {
    fc.assert(
      fc.property(fc.array(plu(cents), { minLength: 1, maxLength: 4 }), withOneFieldBroken(plu(anyNumber)), (valid, mutant) => {
        const raws = [...valid, mutant];
        const read = readPlus(raws, noDepartments, 'EUR');
        accountsForEach(raws, read);
        expect(read.records.slice(0, valid.length).map((record) => record.id)).toEqual(valid.map((record) => String(record.id)));
        if (read.rejected.length === 1) expect(read.rejected[0]!.id).toBe(kashIdOf('id')(mutant));
        for (const record of read.records) expect(isAmount(record.price)).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(withOneFieldBroken(order(cents)), (mutant) => {
        accountsForEach([mutant], readOrderSummaries([mutant], CONTEXT));
        accountsForEach([mutant], readDetails([mutant]));
        const payments = readOrderPayments([mutant], noModes, CONTEXT);
        for (const rejection of payments.rejected) expect(rejection.reason).toMatch(/^order /);
      }),
      RUNS,
    );
  });

  it('valid records map to Money amounts that are decimal strings (never NaN, never an exponent)', () => {
    fc.assert(
      fc.property(fc.array(plu(anyNumber), { maxLength: 5 }), fc.array(order(anyNumber), { maxLength: 5 }), fc.array(detail(anyNumber), { maxLength: 3 }), (plus, orders, details) => {
        for (const record of readPlus(plus, noDepartments, 'EUR').records) expect(isAmount(record.price)).toBe(true);
        for (const record of readOrderSummaries(orders, CONTEXT).records) expect(isAmount(record.total!)).toBe(true);
        for (const record of readOrderPayments(orders, noModes, CONTEXT).records) expect(isAmount(record.amount)).toBe(true);
        for (const record of readDetails(details).records) {
          for (const line of record.lines ?? []) expect([line.unitPrice, line.discount, line.total].every(isAmount)).toBe(true);
          for (const payment of record.payments ?? []) expect(isAmount(payment.amount)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('valid records with amounts in cents are all read', () => {
    fc.assert(
      fc.property(fc.array(plu(cents), { maxLength: 5 }), fc.array(order(cents), { maxLength: 5 }), (plus, orders) => {
        expect(readPlus(plus, noDepartments, 'EUR').rejected).toEqual([]);
        expect(readOrderSummaries(orders, CONTEXT).rejected).toEqual([]);
        const payments = readOrderPayments(orders, noModes, CONTEXT);
        expect(payments.rejected).toEqual([]);
        expect(payments.records).toHaveLength(orders.reduce((sum, element) => sum + element.payments.length, 0));
        expect(KashPluSchema.array().parse(plus)).toHaveLength(plus.length);
      }),
      RUNS,
    );
  });
});
