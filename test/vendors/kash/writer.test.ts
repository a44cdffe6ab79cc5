import { isRejection } from '../../../src/core/adapter.ts';
/**
 * createSale at Kash against the Kash simulator on loopback (no mocks): through the adapter's
 * writer (driven by the core createSale, as the gateway drives it) and through the GraphQL
 * gateway. Every refusal must leave the shop's order count unchanged; every write that lost
 * its answer must be found again by its reference, never written twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteRefusedError, type SaleDraft, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { createSale, type CreateSaleInput, type CreateSaleOutcome } from '../../../src/core/create-sale.ts';
import { HttpTransport } from '../../../src/core/http.ts';
import { InMemoryIdempotencyStore } from '../../../src/core/idempotency.ts';
import type { WriteStore } from '../../../src/core/write-once.ts';
import { encodeGlobalId } from '../../../src/core/ids.ts';
import type { ItemRecord, SaleRecord } from '../../../src/core/model.ts';
import { Decimal } from '../../../src/core/money.ts';
import { createConnections, parseConfig } from '../../../src/config.ts';
import { createGateway, type Gateway } from '../../../src/server.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { kashAdapterModule } from '../../../src/vendors/kash/adapter.ts';
import { KashClient } from '../../../src/vendors/kash/client.ts';
import { createKashSimulator } from '../../../src/vendors/kash/simulator.ts';

const CONNECTION = 'kash';
const WEBAPP = '/workers/webapp.php';
const EUR = (amount: string) => ({ amount, currency: 'EUR' });

let running: RunningSimulator;
let adapter: VendorAdapter;
let connection: Connection;
let gateway: Gateway;
let kash: KashClient;
let keyCounter = 0;

function newAdapter(): VendorAdapter {
  return kashAdapterModule.createAdapter(kashAdapterModule.demoSettings(running.url), { connectionId: CONNECTION, transport: new HttpTransport() });
}

beforeAll(async () => {
  running = await startSimulator(createKashSimulator({ seed: 102, sales: 200 }), { port: 0 });
  adapter = newAdapter();
  connection = { id: CONNECTION, name: 'Kash', vendor: 'kash', adapter };
  const config = parseConfig({ connections: [{ id: CONNECTION, vendor: 'kash', settings: kashAdapterModule.demoSettings(running.url) }] });
  gateway = createGateway({ connections: createConnections(config), graphiql: false });
  kash = new KashClient({ connection: 'kash-test', baseUrl: running.url, credentials: { shopId: '4242', apiKey: 'demo-kash-key' } });
});
afterAll(() => running.close());
beforeEach(() => running.reset());

async function simCounts(): Promise<{ sales: number; payments: number }> {
  const response = await fetch(`${running.url}/__sim/info`);
  return ((await response.json()) as { counts: { sales: number; payments: number } }).counts;
}

const store: WriteStore = new InMemoryIdempotencyStore();

async function loadItems(ids: readonly string[]): Promise<Array<ItemRecord | null>> {
  const batch = adapter.sources.item!.batch!;
  if (batch.strategy !== 'scan') throw new Error('Kash items are scanned');
  const all = new Map((await batch.load({})).filter((item): item is ItemRecord => !isRejection(item)).map((item) => [item.id, item]));
  return ids.map((id) => all.get(id) ?? null);
}

/** The core's createSale over the adapter's writer, as the gateway runs it. */
function write(input: Partial<CreateSaleInput>, options: { key?: string; signal?: AbortSignal; on?: Connection } = {}): Promise<CreateSaleOutcome> {
  keyCounter += 1;
  return createSale(
    {
      tenant: 'test',
      idempotencyKey: options.key ?? `kash-writer-${keyCounter}-${Date.now()}`,
      connection: options.on ?? connection,
      input: { locationId: null, customerId: null, lines: [], payments: null, note: null, ...input },
    },
    { store, loadItems, options: { signal: options.signal } },
  );
}

const line = (itemId: string, quantity: string, extra: { unitPrice?: string; discount?: string } = {}) => ({
  itemId,
  quantity,
  unitPrice: extra.unitPrice === undefined ? null : EUR(extra.unitPrice),
  discount: extra.discount === undefined ? null : EUR(extra.discount),
});

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: Array<{ message: string }> }> {
  const response = await gateway.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
}

const gid = (type: 'Item' | 'Sale' | 'Location' | 'Customer', id: string) => encodeGlobalId({ type, connection: CONNECTION, id });

describe('Kash createSale through the writer', () => {
  it('records a paid sale with a fractional quantity and awkward prices, and returns it as Kash has it', async () => {
    const before = await simCounts();
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    // Items 1 and 2 cost 0.10 and 0.20; item 4 costs 1.01, weighed at 0.333 (0.33633 → 0.34).
    const outcome = await write({
      lines: [line('1', '1'), line('2', '1'), line('4', '0.333')],
      payments: [{ method: 'card', amount: EUR('0.64') }],
      locationId: '1',
      customerId: '3',
      note: 'Ticket_with_underscores & accents é',
    });
    expect(outcome.errors).toEqual([]);
    const sale = outcome.record!;
    expect(sale.number).toMatch(/^WS-\d{6}$/);
    expect(sale.total).toEqual(EUR('0.64'));
    expect(sale.note).toBe('Ticket_with_underscores & accents é');
    expect(sale.locationId).toBe('1');
    expect(sale.cashbookId).toBe('1');
    expect(sale.customerId).toBe('3');
    expect(sale.lines!.map((l) => [l.itemId, l.quantity, l.unitPrice.amount, l.discount.amount, l.total.amount])).toEqual([
      ['1', '1', '0.10', '0.00', '0.10'],
      ['2', '1', '0.20', '0.00', '0.20'],
      ['4', '0.333', '1.01', '0.00', '0.34'],
    ]);
    expect(sale.payments!.map((p) => [p.method, p.methodType, p.amount.amount, p.saleId])).toEqual([['Card', 'CARD', '0.64', sale.id]]);
    const raw = sale.raw as { privateComment: string; deliveryMethod: number; status: string };
    expect(raw.privateComment).toMatch(/^pg-[0-9a-f]{24}$/);
    expect(raw.deliveryMethod).toBe(4);
    expect(raw.status).toBe('terminated');

    const after = await simCounts();
    expect(after.sales).toBe(before.sales + 1);
    expect(after.payments).toBe(before.payments + 1);

    // The next list read sees it, lines and all through the lookup by id.
    const page = await adapter.sources.sale!.list!({ filter: { from: startedAt }, cursor: null, limit: 50 });
    expect(page.records.map((record) => record.id)).toContain(sale.id);
    const batch = adapter.sources.sale!.batch!;
    if (batch.strategy !== 'each') throw new Error('Kash sales are read one by one');
    expect(await batch.load(sale.id, {})).toEqual(sale);
  });

  it('leaves a sale without payments validated and unpaid (payment -1)', async () => {
    const before = await simCounts();
    const outcome = await write({ lines: [line('3', '2')], payments: [] });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record!.total).toEqual(EUR('0.60'));
    expect(outcome.record!.payments).toEqual([]);
    expect((outcome.record!.raw as { status: string }).status).toBe('validated');
    const after = await simCounts();
    expect(after.sales).toBe(before.sales + 1);
    expect(after.payments).toBe(before.payments);
  });

  it('resolves a payment type to the shop mode of that type', async () => {
    const outcome = await write({ lines: [line('6', '3')], payments: [{ method: 'CHECK', amount: EUR('0.03') }] });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record!.payments!.map((p) => [p.method, p.methodType])).toEqual([['Cheque', 'CHECK']]);
  });

  it('sends a discounted line at its discounted unit price when that is exact', async () => {
    // Item 7 costs 20.00: 2 × 20.00 − 4.00 = 36.00, i.e. 18.00 each. Item 10 (0.07) × 3 − 0.01 = 0.20, not exact per unit.
    const outcome = await write({ lines: [line('7', '2', { discount: '4.00' }), line('1', '0.5', { unitPrice: '0.1234' })], payments: [{ method: 'CASH', amount: EUR('36.06') }] });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record!.total).toEqual(EUR('36.06'));
    expect(outcome.record!.lines!.map((l) => [l.quantity, l.unitPrice.amount, l.discount.amount, l.total.amount])).toEqual([
      ['2', '18.00', '0.00', '36.00'],
      ['0.5', '0.1234', '0.00', '0.06'],
    ]);
  });

  it('is found again by its reference, also by a writer that did not send it', async () => {
    const outcome = await write({ lines: [line('2', '1')], payments: [{ method: 'Cash', amount: EUR('0.20') }] });
    const reference = (outcome.record!.raw as { privateComment: string }).privateComment;
    const draft = { reference } as SaleDraft;
    expect(await adapter.writers!.sale!.findByReference(draft, {})).toEqual(outcome.record);
    // A fresh adapter does not know when it was sent: it scans the window around now.
    running.reset();
    expect(await newAdapter().writers!.sale!.findByReference(draft, {})).toEqual(outcome.record);
    expect(running.stats().byRoute['GET /workers/getOrders.php']).toBe(2);
    expect(await newAdapter().writers!.sale!.findByReference({ reference: 'pg-000000000000000000000000' } as SaleDraft, {})).toBeNull();
  });
});

describe('Kash createSale refusals write nothing', () => {
  const cases: Array<[string, Partial<CreateSaleInput>, { code: string; field: string | null; message?: RegExp }]> = [
    ['an unknown payment method', { lines: [line('1', '1')], payments: [{ method: 'bitcoin', amount: EUR('0.10') }] }, { code: 'VALIDATION', field: 'payments[0].method', message: /no payment mode "bitcoin"/ }],
    [
      'a split payment',
      { lines: [line('1', '1'), line('2', '1')], payments: [{ method: 'CASH', amount: EUR('0.10') }, { method: 'CARD', amount: EUR('0.20') }] },
      { code: 'UNSUPPORTED', field: 'payments', message: /^Kash records one payment mode per sale$/ },
    ],
    ['a discount with no exact unit price', { lines: [line('9', '3', { discount: '0.01' })], payments: [] }, { code: 'VALIDATION', field: 'lines[0].discount', message: /not exact at 4 decimals/ }],
    ['an amount Kash refuses', { lines: [line('1', '2', { unitPrice: '999999999.99' })], payments: [] }, { code: 'VENDOR_REJECTED', field: null, message: /^Invalid amount$/ }],
    ['an unknown register', { lines: [line('1', '1')], locationId: '99' }, { code: 'NOT_FOUND', field: 'location', message: /^Unknown cashbox$/ }],
    ['an unknown client', { lines: [line('1', '1')], customerId: '99999' }, { code: 'NOT_FOUND', field: 'customer', message: /^Unknown client$/ }],
  ];

  it.each(cases)('%s', async (_name, input, expected) => {
    const before = await simCounts();
    const outcome = await write(input);
    expect(outcome.record).toBeNull();
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]).toMatchObject({ code: expected.code, field: expected.field });
    if (expected.message) expect(outcome.errors[0]!.message).toMatch(expected.message);
    expect(await simCounts()).toEqual(before);
    // Refused locally (no webapp.php call) or by Kash itself (one call, answered ERROR).
    expect(running.stats().byRoute[`POST ${WEBAPP}`] ?? 0).toBe(expected.code === 'VENDOR_REJECTED' || expected.code === 'NOT_FOUND' ? 1 : 0);
  });

  it('reports an article Kash no longer has as VENDOR_REJECTED with its message', async () => {
    const [item] = await loadItems(['1']);
    const gone: ItemRecord = { ...item!, id: '99999' };
    const draft: SaleDraft = {
      reference: 'pg-deleted-article',
      locationId: null,
      customerId: null,
      lines: [{ itemId: '99999', item: gone, quantity: Decimal.parse('1'), unitPrice: Decimal.parse('0.10'), discount: Decimal.parse('0.00'), total: Decimal.parse('0.10') }],
      payments: [],
      total: Decimal.parse('0.10'),
      note: null,
    };
    const before = await simCounts();
    const error = await adapter.writers!.sale!.create(draft, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WriteRefusedError);
    expect(error).toMatchObject({ code: 'VENDOR_REJECTED', message: 'Unknown article 99999', field: 'lines[0].item' });
    expect(await simCounts()).toEqual(before);
  });
});

describe('Kash createSale when the answer is lost', () => {
  it('a write that timed out is reconciled by its reference, and written once', async () => {
    const before = await simCounts();
    const key = `timeout-${Date.now()}`;
    const input = { lines: [line('1', '1'), line('2', '1')], payments: [{ method: 'CASH', amount: EUR('0.30') }] };
    running.addFault({ route: WEBAPP, latencyMs: 2_000, times: 1 });
    const first = await write(input, { key, signal: AbortSignal.timeout(300) });
    // The request's own deadline has passed, so Kash cannot be asked within it: the outcome is unknown.
    expect(first.record).toBeNull();
    expect(first.errors.map((error) => error.code)).toEqual(['OUTCOME_UNKNOWN']);
    // The simulator drops the delayed request once it sees the client hung up: nothing was written.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await simCounts()).toEqual(before);

    const second = await write(input, { key });
    expect(second.errors).toEqual([]);
    expect(second.record!.number).toMatch(/^WS-\d{6}$/);
    expect(await simCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
    const third = await write(input, { key });
    expect(third).toEqual(second);
    // Exactly one order carries the reference.
    const reference = (second.record!.raw as { privateComment: string }).privateComment;
    expect(await kash.findOrdersByPrivateComment(reference, { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000) })).toHaveLength(1);
  }, 15_000);

  it('a write whose answer was cut is found by its reference, not written again', async () => {
    const before = await simCounts();
    const key = `truncated-${Date.now()}`;
    const input = { lines: [line('4', '0.5'), line('2', '1')], payments: [{ method: 'Voucher', amount: EUR('0.71') }] };
    running.addFault({ route: WEBAPP, malformed: 'truncated', times: 1 });
    const outcome = await write(input, { key });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record!.total).toEqual(EUR('0.71'));
    expect(outcome.record!.payments!.map((p) => [p.method, p.methodType, p.amount.amount])).toEqual([['Voucher', 'OTHER', '0.71']]);
    expect(running.stats().byRoute[`POST ${WEBAPP}`]).toBe(1);
    expect(await simCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });
    expect(await write(input, { key })).toEqual(outcome);
    expect(running.stats().byRoute[`POST ${WEBAPP}`]).toBe(1);
  });

  it('a write whose answer was cut is found by a direct findByReference', async () => {
    const before = await simCounts();
    const [one] = await loadItems(['1']);
    const draft: SaleDraft = {
      reference: `pg-direct-${Date.now()}`,
      locationId: '2',
      customerId: null,
      lines: [{ itemId: '1', item: one!, quantity: Decimal.parse('1.25'), unitPrice: Decimal.parse('0.10'), discount: Decimal.parse('0.00'), total: Decimal.parse('0.13') }],
      payments: [],
      total: Decimal.parse('0.13'),
      note: null,
    };
    running.addFault({ route: WEBAPP, malformed: 'truncated', times: 1 });
    const writer = adapter.writers!.sale!;
    await expect(writer.create(draft, {})).rejects.toMatchObject({ code: expect.stringMatching(/^VENDOR_(CONNECTION_FAILED|MALFORMED_RESPONSE|TIMEOUT)$/) });
    const found = await writer.findByReference(draft, {});
    expect(found).toMatchObject({ total: EUR('0.13'), locationId: '2', payments: [] });
    expect(found!.lines!.map((l) => [l.quantity, l.total.amount])).toEqual([['1.25', '0.13']]);
    expect((await simCounts()).sales).toBe(before.sales + 1);
  });

  it('a failed read-back after the write is reconciled, never reported as a refusal', async () => {
    const before = await simCounts();
    // A 400 from getOrder would read as a rejection (nothing written); the writer must not let it.
    running.addFault({ route: '/workers/getOrder.php', errorRate: 1, errorStatus: 400, times: 1 });
    const outcome = await write({ lines: [line('8', '1')], payments: [{ method: 'cash', amount: EUR('1.10') }] });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record!.total).toEqual(EUR('1.10'));
    expect(running.stats().byRoute['GET /workers/getOrder.php']).toBe(2);
    expect((await simCounts()).sales).toBe(before.sales + 1);
  });

  it('a write Kash failed with a server error is not written and the key may be used again', async () => {
    const before = await simCounts();
    const key = `unavailable-${Date.now()}`;
    const input = { lines: [line('1', '3')], payments: [] };
    running.addFault({ route: WEBAPP, errorRate: 1, errorStatus: 503, times: 1 });
    await expect(write(input, { key })).rejects.toMatchObject({ code: 'VENDOR_UNAVAILABLE' });
    expect(await simCounts()).toEqual(before);
    const retry = await write(input, { key });
    expect(retry.errors).toEqual([]);
    expect((await simCounts()).sales).toBe(before.sales + 1);
  });
});

describe('Kash createSale through the GraphQL gateway', () => {
  const MUTATION = /* GraphQL */ `
    mutation Create($input: CreateSaleInput!) {
      createSale(input: $input) {
        sale {
          id
          number
          total { amount currency }
          note
          location { id }
          customer { id }
          lines { item { id } quantity unitPrice { amount } discount { amount } total { amount } }
          payments { method methodType amount { amount currency } }
        }
        errors { code field message }
      }
    }
  `;

  interface Payload {
    createSale: {
      sale: null | {
        id: string;
        number: string;
        total: { amount: string; currency: string };
        note: string | null;
        location: { id: string } | null;
        customer: { id: string } | null;
        lines: Array<{ item: { id: string } | null; quantity: string; unitPrice: { amount: string }; discount: { amount: string }; total: { amount: string } }>;
        payments: Array<{ method: string; methodType: string; amount: { amount: string; currency: string } }>;
      };
      errors: Array<{ code: string; field: string | null; message: string }>;
    };
  }

  it('creates the sale once per idempotency key and the next list read sees it', async () => {
    const before = await simCounts();
    const from = new Date(Date.now() - 1_000).toISOString();
    const input = {
      connection: CONNECTION,
      idempotencyKey: `gql-${Date.now()}`,
      location: gid('Location', '3'),
      customer: gid('Customer', '5'),
      lines: [
        { item: gid('Item', '1'), quantity: '2.5' },
        { item: gid('Item', '2'), quantity: '1', unitPrice: EUR('0.20') },
      ],
      payments: [{ method: 'Cash', amount: EUR('0.45') }],
      note: 'GraphQL sale',
    };
    const result = await graphql<Payload>(MUTATION, { input });
    expect(result.errors).toBeUndefined();
    const { sale, errors } = result.data!.createSale;
    expect(errors).toEqual([]);
    expect(sale).toMatchObject({
      number: expect.stringMatching(/^WS-\d{6}$/),
      total: EUR('0.45'),
      note: 'GraphQL sale',
      location: { id: gid('Location', '3') },
      customer: { id: gid('Customer', '5') },
      payments: [{ method: 'Cash', methodType: 'CASH', amount: EUR('0.45') }],
    });
    expect(sale!.lines.map((l) => [l.item?.id, l.quantity, l.unitPrice.amount, l.total.amount])).toEqual([
      [gid('Item', '1'), '2.5', '0.10', '0.25'],
      [gid('Item', '2'), '1', '0.20', '0.20'],
    ]);
    expect(await simCounts()).toEqual({ ...before, sales: before.sales + 1, payments: before.payments + 1 });

    const again = await graphql<Payload>(MUTATION, { input });
    expect(again.data!.createSale).toEqual(result.data!.createSale);
    expect((await simCounts()).sales).toBe(before.sales + 1);

    const list = await graphql<{ sales: { edges: Array<{ node: { id: string; number: string; total: { amount: string } } }> } }>(
      `query($from: DateTime) { sales(connections: ["${CONNECTION}"], first: 20, filter: { from: $from }) { edges { node { id number total { amount } } } } }`,
      { from },
    );
    expect(list.errors).toBeUndefined();
    expect(list.data!.sales.edges.map((edge) => edge.node)).toContainEqual({ id: sale!.id, number: sale!.number, total: { amount: '0.45' } });
  });

  it('reports refusals as typed errors and writes nothing', async () => {
    const before = await simCounts();
    const base = { connection: CONNECTION, lines: [{ item: gid('Item', '1'), quantity: '1' }] };
    const refusals = [
      [{ ...base, idempotencyKey: `gql-bad-method-${Date.now()}`, payments: [{ method: 'Bitcoin', amount: EUR('0.10') }] }, 'VALIDATION', 'payments[0].method'],
      [
        { ...base, idempotencyKey: `gql-split-${Date.now()}`, lines: [{ item: gid('Item', '7'), quantity: '1' }], payments: [{ method: 'CASH', amount: EUR('10.00') }, { method: 'CARD', amount: EUR('10.00') }] },
        'UNSUPPORTED',
        'payments',
      ],
      [{ ...base, idempotencyKey: `gql-amount-${Date.now()}`, lines: [{ item: gid('Item', '1'), quantity: '3', unitPrice: EUR('999999999.99') }] }, 'VENDOR_REJECTED', null],
    ] as const;
    for (const [input, code, field] of refusals) {
      const result = await graphql<Payload>(MUTATION, { input });
      expect(result.data!.createSale.sale).toBeNull();
      expect(result.data!.createSale.errors).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(await simCounts()).toEqual(before);
  });
});
