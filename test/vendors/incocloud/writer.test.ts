import { isRejection } from '../../../src/core/adapter.ts';
/**
 * createSale at IncoCloud against its simulator on loopback (no mocks): the adapter's writer,
 * the core's createSale over it, and the GraphQL gateway. Expected prices, names and tax
 * rates come from the same `createDataset(...)` the simulator renders.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteRefusedError, type SaleDraft, type SaleWriter, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { createSale, type CreateSaleInput, type CreateSaleOutcome } from '../../../src/core/create-sale.ts';
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
import { incocloudAdapterModule, incocloudSettingsSchema, type IncocloudSettings } from '../../../src/vendors/incocloud/adapter.ts';
import { INCOCLOUD_DEMO_APPLICATIONS, createIncocloudSimulator } from '../../../src/vendors/incocloud/simulator.ts';
import { incocloudNoteOf } from '../../../src/vendors/incocloud/writer.ts';

const SEED = 101;
const SALES = 300;
const CONNECTION = 'inco-writer';
const POST_SALE = '/server-sim/connect/api/sale';
const data = createDataset({ seed: SEED, sales: SALES, pricePlaces: 4, currency: 'EUR' });

const eur = (amount: string) => money(amount, 'EUR');
const d = (text: string) => Decimal.parse(text);
const itemPrice = (id: number): string => data.items[id - 1]!.price;
const taxOf = (id: number): string => Decimal.parse(data.taxes[data.items[id - 1]!.taxId - 1]!.rate).normalize().toString();

let running: RunningSimulator;
let settings: IncocloudSettings;
let adapter: VendorAdapter;
let writer: SaleWriter;
let items: Map<string, ItemRecord>;
let keyCounter = 0;

function build(overrides: Partial<IncocloudSettings> = {}): VendorAdapter {
  return incocloudAdapterModule.createAdapter(incocloudSettingsSchema.parse({ ...settings, ...overrides }), { connectionId: CONNECTION, transport: new HttpTransport() });
}

async function simulatorCounts(): Promise<{ sales: number; payments: number }> {
  const response = await request(`${running.url}/__sim/info`);
  return ((await response.body.json()) as { counts: { sales: number; payments: number } }).counts;
}

interface LineSpec {
  readonly item: number;
  readonly quantity: string;
  readonly unitPrice?: string;
  readonly discount?: string;
}

/** A draft as the core builds it: the items read before the write, exact line totals. */
function draftOf(lines: readonly LineSpec[], extra: Partial<SaleDraft> = {}): SaleDraft {
  const draftLines = lines.map((spec) => {
    const item = items.get(String(spec.item)) ?? ({ ...items.get('1')!, id: String(spec.item) } as ItemRecord);
    const quantity = d(spec.quantity);
    const unitPrice = d(spec.unitPrice ?? item.price.amount);
    const discount = d(spec.discount ?? '0.00');
    const total = quantity.mul(unitPrice).round(2).sub(discount);
    return { itemId: String(spec.item), item, quantity, unitPrice, discount, total };
  });
  keyCounter += 1;
  return {
    reference: `pg-writer-test-${keyCounter}-${Date.now()}`,
    locationId: null,
    customerId: null,
    lines: draftLines,
    payments: [],
    total: sumDecimals(draftLines.map((line) => line.total)).round(2),
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

/**
 * The sale written last, through the adapter's own list: among the newest, the one with the
 * highest vendor id (sales of one second are listed by operation number, which leads with the location).
 */
async function lastWritten(on = adapter): Promise<SaleRecord> {
  const page = await on.sources.sale!.list!({ filter: { from: new Date(Date.now() - 600_000).toISOString() }, cursor: null, limit: 1_000 });
  const records = page.records as SaleRecord[];
  expect(records.length).toBeGreaterThan(0);
  return records.reduce((last, sale) => ((sale.raw as { id: number }).id > (last.raw as { id: number }).id ? sale : last));
}

beforeAll(async () => {
  running = await startSimulator(createIncocloudSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  settings = incocloudSettingsSchema.parse(incocloudAdapterModule.demoSettings(running.url));
  adapter = build();
  writer = adapter.writers!.sale!;
  const scan = adapter.sources.item!.batch!;
  if (scan.strategy !== 'scan') throw new Error('items are expected to be scanned');
  items = new Map((await scan.load({})).filter((item): item is ItemRecord => !isRejection(item)).map((item) => [item.id, item]));
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => running.reset());

describe('the writer', () => {
  it('takes 4 decimals of unit price and 3 of quantity, and the demo settings name the first location', () => {
    expect([writer.unitPricePlaces, writer.quantityPlaces]).toEqual([4, 3]);
    expect(settings.defaultLocationId).toBe(data.locations[0]!.id);
  });

  it('writes a sale with fractional quantities, awkward and discounted prices, exactly once, and a list read sees it', async () => {
    const before = await simulatorCounts();
    const draft = draftOf(
      [
        { item: 4, quantity: '1.5', unitPrice: '0.10' }, // 0.15
        { item: 9, quantity: '1', unitPrice: '0.20' }, // 0.20
        { item: 9, quantity: '0.25' }, // 0.25 × 33.3333 = 8.333325 → 8.33
        { item: 12, quantity: '2', unitPrice: '5.00', discount: '1.00' }, // 10.00 − 1.00, sent as 2 × 4.5
      ],
      { locationId: '2', customerId: '7', note: 'Table 4' },
    );
    expect(itemPrice(9)).toBe('33.3333');
    expect(draft.total.toString()).toBe('17.68');

    const sale = await writer.create(draft, {});
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });
    const id = 2 * 10_000_000 + before.sales + 1;
    expect(sale).toMatchObject({
      kind: 'sale',
      id: String(id),
      number: String(id),
      total: eur('17.68'),
      locationId: '2',
      customerId: '7',
      cashbookId: null,
      note: `Table 4 [${draft.reference}]`,
      payments: [],
    });
    expect(sale.lines).toEqual([
      { itemId: '4', name: data.items[3]!.name, quantity: '1.5', unitPrice: eur('0.10'), discount: eur('0.00'), total: eur('0.15'), taxRate: taxOf(4) },
      { itemId: '9', name: data.items[8]!.name, quantity: '1', unitPrice: eur('0.20'), discount: eur('0.00'), total: eur('0.20'), taxRate: taxOf(9) },
      { itemId: '9', name: data.items[8]!.name, quantity: '0.25', unitPrice: eur('33.3333'), discount: eur('0.00'), total: eur('8.33'), taxRate: taxOf(9) },
      { itemId: '12', name: data.items[11]!.name, quantity: '2', unitPrice: eur('4.50'), discount: eur('0.00'), total: eur('9.00'), taxRate: taxOf(12) },
    ]);
    expect(sumDecimals(sale.lines!.map((line) => d(line.total.amount))).equals(d(sale.total.amount))).toBe(true);

    // The next read of the list has it first (newest), with the same lines; the lookup by reference finds it.
    const newest = await lastWritten();
    expect(newest).toMatchObject({ id: sale.id, total: sale.total, lines: sale.lines, payments: [] });
    expect(await writer.findByReference(draft, {})).toMatchObject({ id: sale.id, note: sale.note, lines: sale.lines });
  });

  it('sends the reference alone as the note when the draft has none, at the default location', async () => {
    const draft = draftOf([{ item: 1, quantity: '3' }]);
    const sale = await writer.create(draft, {});
    expect(sale).toMatchObject({ note: draft.reference, locationId: String(settings.defaultLocationId), customerId: null });
    expect(sale.total).toEqual(eur(d(itemPrice(1)).mul(d('3')).round(2).toString()));
    expect(await writer.findByReference(draft, {})).toMatchObject({ id: sale.id });
  });

  it('finds nothing for a reference never written, and throws when the vendor cannot be asked', async () => {
    const draft = draftOf([{ item: 1, quantity: '1' }]);
    expect(await writer.findByReference(draft, {})).toBeNull();
    running.addFault({ route: '/server-sim/connect/api/sale', method: 'GET', errorRate: 1, errorStatus: 503, times: 1 });
    await expect(writer.findByReference(draft, {})).rejects.toBeInstanceOf(VendorError);
  });

  describe('refuses, writing nothing', () => {
    it.each<[string, () => { draft: SaleDraft; on?: () => VendorAdapter }, string, string | null, RegExp]>([
      [
        'payments, which IncoCloud cannot record (UNSUPPORTED)',
        () => {
          const draft = draftOf([{ item: 1, quantity: '1', unitPrice: '2.00' }]);
          return { draft: { ...draft, payments: [{ method: 'CASH', amount: d('2.00') }] } };
        },
        'UNSUPPORTED',
        'payments',
        /records sales unpaid/,
      ],
      [
        'a discount whose unit price is not exact at 4 places (VALIDATION)',
        () => ({ draft: draftOf([{ item: 1, quantity: '3', unitPrice: '1.00', discount: '0.50' }]) }),
        'VALIDATION',
        'lines[0].discount',
        /takes no discount/,
      ],
      [
        'a sale with no location when the connection has no default (VALIDATION)',
        () => ({ draft: draftOf([{ item: 1, quantity: '1' }]), on: () => build({ defaultLocationId: undefined }) }),
        'VALIDATION',
        'location',
        /defaultLocationId/,
      ],
      [
        'a note too long once the reference is added (VALIDATION)',
        () => ({ draft: draftOf([{ item: 1, quantity: '1' }], { note: 'x'.repeat(240) }) }),
        'VALIDATION',
        'note',
        /at most 2\d\d are left/,
      ],
      [
        'a location id IncoCloud cannot have (NOT_FOUND)',
        () => ({ draft: draftOf([{ item: 1, quantity: '1' }], { locationId: 'main-store' }) }),
        'NOT_FOUND',
        'location',
        /No location/,
      ],
      [
        'an unknown location, which the vendor refuses (VENDOR_REJECTED)',
        () => ({ draft: draftOf([{ item: 1, quantity: '1' }], { locationId: '99' }) }),
        'VENDOR_REJECTED',
        null,
        /^Invalid data$/,
      ],
      [
        'an item the vendor no longer has (VENDOR_REJECTED)',
        () => ({ draft: draftOf([{ item: 1, quantity: '1' }, { item: 987_654, quantity: '1', unitPrice: '1.00' }]) }),
        'VENDOR_REJECTED',
        null,
        /^Invalid data$/,
      ],
      [
        'any sale on a СУПТО account (UNSUPPORTED)',
        () => ({
          draft: draftOf([{ item: 1, quantity: '1' }]),
          on: () => build({ appId: INCOCLOUD_DEMO_APPLICATIONS.supto.appId, appSecret: INCOCLOUD_DEMO_APPLICATIONS.supto.appSecret }),
        }),
        'UNSUPPORTED',
        null,
        /СУПТО/,
      ],
    ])('%s', async (_, setup, code, field, message) => {
      const { draft, on } = setup();
      const target = on ? on().writers!.sale! : writer;
      const before = await simulatorCounts();
      const refusal = await refusalOf(target.create(draft, {}));
      expect({ code: refusal.code, field: refusal.field }).toEqual({ code, field });
      expect(refusal.message).toMatch(message);
      expect(await simulatorCounts()).toEqual(before);
      expect(await target.findByReference(draft, {})).toBeNull();
    });

    it('sends nothing at all for what it refuses itself', async () => {
      const draft = draftOf([{ item: 1, quantity: '3', unitPrice: '1.00', discount: '0.50' }]);
      await refusalOf(writer.create(draft, {}));
      expect(running.stats().byRoute[`POST ${POST_SALE}`]).toBeUndefined();
    });
  });
});

describe('the core createSale over the writer', () => {
  const connectionOf = (on: VendorAdapter): Connection => ({ id: CONNECTION, name: 'IncoCloud', vendor: 'incocloud', adapter: on });
  const store = new InMemoryIdempotencyStore<CreateSaleOutcome>();
  const input = (overrides: Partial<CreateSaleInput> = {}): CreateSaleInput => ({
    locationId: '1',
    customerId: null,
    lines: [
      { itemId: '4', quantity: '0.333', unitPrice: eur('0.10'), discount: null },
      { itemId: '5', quantity: '2', unitPrice: eur('0.20'), discount: null },
    ],
    payments: null,
    note: null,
    ...overrides,
  });
  const run = (key: string, saleInput: CreateSaleInput, signal?: AbortSignal) =>
    createSale(
      { tenant: 't', idempotencyKey: key, connection: connectionOf(adapter), input: saleInput },
      { store, loadItems: async (ids) => ids.map((id) => items.get(id) ?? null), options: { signal }, waitMs: 5_000 },
    );

  it('maps refusals to typed user errors: payments UNSUPPORTED, an unknown item NOT_FOUND', async () => {
    const before = await simulatorCounts();
    expect(await run('refuse-payments', input({ payments: [{ method: 'Cash', amount: eur('0.43') }] }))).toEqual({
      record: null,
      errors: [{ code: 'UNSUPPORTED', field: 'payments', message: 'IncoCloud records sales unpaid; payments cannot be written through its API' }],
    });
    const unknown = await run('refuse-item', input({ lines: [{ itemId: '999999', quantity: '1', unitPrice: null, discount: null }] }));
    expect(unknown.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: 'lines[0].item' })]);
    expect(await simulatorCounts()).toEqual(before);
  });

  it('reconciles a write whose answer was cut off: the sale it wrote, and no duplicate', async () => {
    const before = await simulatorCounts();
    running.addFault({ route: POST_SALE, method: 'POST', malformed: 'truncated', times: 1 });
    const outcome = await run('truncated', input());
    expect(outcome.errors).toEqual([]);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });
    // 0.333 × 0.10 = 0.0333 → 0.03; 2 × 0.20 = 0.40
    expect(outcome.record).toMatchObject({ total: eur('0.43'), locationId: '1', payments: [] });
    const newest = await lastWritten();
    expect(outcome.record!.id).toBe(newest.id);
    expect(newest.note).toMatch(/^pg-[0-9a-f]{24}$/);
    // The same key again replays it without another write.
    expect(await run('truncated', input())).toEqual(outcome);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });
    expect(running.stats().byRoute[`POST ${POST_SALE}`]).toBe(1);
  });

  it('reconciles a write that timed out: unknown at first, then written exactly once under the same key', async () => {
    const before = await simulatorCounts();
    running.addFault({ route: POST_SALE, method: 'POST', latencyMs: 2_000, times: 1 });
    const first = await run('timeout', input(), AbortSignal.timeout(300));
    expect(first).toMatchObject({ record: null, errors: [{ code: 'OUTCOME_UNKNOWN' }] });
    // Past the injected latency: whatever the vendor was going to do with the first request is done.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const second = await run('timeout', input());
    expect(second.errors).toEqual([]);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });
    const newest = await lastWritten();
    expect(second.record).toMatchObject({ id: newest.id, total: eur('0.43') });
    expect(await run('timeout', input())).toEqual(second);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });
  }, 15_000);
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
          lines { quantity item { id name } unitPrice { amount currency } discount { amount } total { amount currency } }
          payments { id }
        }
        errors { code field message }
      }
    }
  `;
  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await gateway.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: unknown[] };
  };

  beforeAll(() => {
    const config = parseConfig({ connections: [{ id: CONNECTION, vendor: 'incocloud', settings: incocloudAdapterModule.demoSettings(running.url) }] });
    gateway = createGateway({ connections: createConnections(config), graphiql: false });
  });

  it('creates a sale once per key and serves it in the next sales list', async () => {
    const before = await simulatorCounts();
    const variables = {
      input: {
        connection: CONNECTION,
        idempotencyKey: 'gateway-happy',
        location: gid('Location', '3'),
        customer: gid('Customer', '11'),
        note: 'Counter sale',
        lines: [
          { item: gid('Item', '4'), quantity: '0.75', unitPrice: { amount: '0.10', currency: 'EUR' } }, // 0.075 → 0.08
          { item: gid('Item', '9'), quantity: '3', unitPrice: { amount: '0.20', currency: 'EUR' } }, // 0.60
          { item: gid('Item', '2'), quantity: '1' },
        ],
      },
    };
    const first = await graphql(MUTATION, variables);
    expect(first.errors).toBeUndefined();
    const payload = first.data.createSale;
    expect(payload.errors).toEqual([]);
    const number = String(3 * 10_000_000 + (before.sales + 1));
    const total = d('0.08').add(d('0.60')).add(d(itemPrice(2)).round(2)).normalize();
    expect(payload.sale).toMatchObject({
      number,
      total: { amount: total.toFixedAtLeast(2), currency: 'EUR' },
      location: { id: gid('Location', '3'), name: data.locations[2]!.name },
      customer: { id: gid('Customer', '11') },
      payments: [],
    });
    expect(payload.sale.note).toMatch(/^Counter sale \[pg-[0-9a-f]{24}\]$/);
    expect(payload.sale.lines).toEqual([
      { quantity: '0.75', item: { id: gid('Item', '4'), name: data.items[3]!.name }, unitPrice: eur('0.10'), discount: { amount: '0.00' }, total: eur('0.08') },
      { quantity: '3', item: { id: gid('Item', '9'), name: data.items[8]!.name }, unitPrice: eur('0.20'), discount: { amount: '0.00' }, total: eur('0.60') },
      { quantity: '1', item: { id: gid('Item', '2'), name: data.items[1]!.name }, unitPrice: eur(itemPrice(2)), discount: { amount: '0.00' }, total: eur(d(itemPrice(2)).round(2).toString()) },
    ]);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });

    // The same key and input: the same sale, not a second one.
    expect((await graphql(MUTATION, variables)).data.createSale).toEqual(payload);
    expect(await simulatorCounts()).toEqual({ ...before, sales: before.sales + 1 });

    // Newest first: the sale is among the first few of the next list read (others written this second may precede it).
    const list = await graphql(`query { sales(first: 10, connections: ["${CONNECTION}"]) { edges { node { id number total { amount } } } } }`);
    const nodes = list.data.sales.edges.map((edge: { node: unknown }) => edge.node);
    expect(nodes).toContainEqual({ id: payload.sale.id, number, total: { amount: payload.sale.total.amount } });
  });

  it('answers payments with UNSUPPORTED and writes nothing', async () => {
    const before = await simulatorCounts();
    const result = await graphql(MUTATION, {
      input: {
        connection: CONNECTION,
        idempotencyKey: 'gateway-paid',
        lines: [{ item: gid('Item', '4'), quantity: '1', unitPrice: { amount: '1.00', currency: 'EUR' } }],
        payments: [{ method: 'CASH', amount: { amount: '1.00', currency: 'EUR' } }],
      },
    });
    expect(result.data.createSale).toEqual({
      sale: null,
      errors: [{ code: 'UNSUPPORTED', field: 'payments', message: 'IncoCloud records sales unpaid; payments cannot be written through its API' }],
    });
    expect(await simulatorCounts()).toEqual(before);
  });

  it('says in its capabilities that IncoCloud sales can be created', async () => {
    const result = await graphql(`query { connections { id capabilities { sale { create } } } }`);
    expect(result.data.connections).toEqual([{ id: CONNECTION, capabilities: { sale: { create: true } } }]);
  });
});

describe('the note', () => {
  it('is the reference alone, or the client note then the reference in brackets', () => {
    expect(incocloudNoteOf({ note: null, reference: 'pg-1' })).toBe('pg-1');
    expect(incocloudNoteOf({ note: '   ', reference: 'pg-1' })).toBe('pg-1');
    expect(incocloudNoteOf({ note: ' Table 4 ', reference: 'pg-1' })).toBe('Table 4 [pg-1]');
  });
});
