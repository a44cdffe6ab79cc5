/**
 * createCustomer, openCashbook and closeCashbook at Tactill against the real simulator on
 * loopback (no mocks): the bodies as stored, exact cash amounts both ways, refusals with
 * nothing written, answers cut after the vendor wrote reconciled by reference (customers:
 * `original_id`; openings: `note`; closings: the amount counted), and the whole path
 * through the GraphQL gateway.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteRefusedError, type CashbookWriter, type CustomerWriter, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { closeCashbook, createCustomer, openCashbook, type CustomerInput, type WriteContext } from '../../../src/core/customer-and-cashbook-writes.ts';
import { HttpTransport } from '../../../src/core/http.ts';
import { InMemoryIdempotencyStore } from '../../../src/core/idempotency.ts';
import { decodeGlobalId, encodeGlobalId } from '../../../src/core/ids.ts';
import { Decimal } from '../../../src/core/money.ts';
import type { WriteOutcome, WriteStore } from '../../../src/core/write-once.ts';
import { createConnections, parseConfig } from '../../../src/config.ts';
import { createGateway } from '../../../src/server.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { tactillAdapterModule, tactillSettingsSchema, type TactillSettings } from '../../../src/vendors/tactill/adapter.ts';
import { TactillClient } from '../../../src/vendors/tactill/client.ts';
import { TACTILL_PRODUCTION_KEY, createTactillSimulator } from '../../../src/vendors/tactill/simulator.ts';
import type { TactillCashbook, TactillCustomer } from '../../../src/vendors/tactill/wire.ts';
import { productionId } from './support.ts';

const SHOP = (n: number) => productionId('shop', n);
const eur = (amount: string) => ({ amount, currency: 'EUR' });

let simulator: RunningSimulator;
let client: TactillClient;
let adapter: VendorAdapter;
let customers: CustomerWriter;
let cashbooks: CashbookWriter;
let connection: Connection;

function adapterWith(overrides: Partial<TactillSettings> = {}, id = 'tactill-writes', transport = new HttpTransport()): VendorAdapter {
  const settings = tactillSettingsSchema.parse({ ...tactillAdapterModule.demoSettings(simulator.url), listCacheTtlMs: 0, ...overrides });
  return tactillAdapterModule.createAdapter(settings, { connectionId: id, transport });
}

function connectionOf(target: VendorAdapter, id = 'tactill-writes'): Connection {
  return { id, name: id, vendor: 'tactill', adapter: target };
}

/** A transport that cuts the answer of the first request `matches` picks, after the vendor has handled it. */
class CuttingTransport extends HttpTransport {
  constructor(private readonly matches: (method: string, path: string) => boolean) {
    super();
  }

  override send(...args: Parameters<HttpTransport['send']>): ReturnType<HttpTransport['send']> {
    const [, request] = args;
    if (this.matches(request.method, request.url.pathname)) {
      simulator.addFault({ route: request.url.pathname, method: request.method, malformed: 'truncated', times: 1 });
    }
    return super.send(...args);
  }
}

beforeAll(async () => {
  simulator = await startSimulator(createTactillSimulator({ sales: 50, rateLimit: { limit: 1_000_000, windowMs: 600_000 } }), { port: 0 });
  client = new TactillClient({ connection: 'spec', baseUrl: `${simulator.url}/v0`, credentials: { apiKey: TACTILL_PRODUCTION_KEY } });
  adapter = adapterWith();
  customers = adapter.writers!.customer!;
  cashbooks = adapter.writers!.cashbook!;
  connection = connectionOf(adapter);
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => {
  simulator.reset();
});

async function countsAtVendor(): Promise<{ customers: number; cashbooks: number }> {
  const response = await fetch(`${simulator.url}/__sim/info`);
  return ((await response.json()) as { counts: { customers: number; cashbooks: number } }).counts;
}

function calls(route: string): number {
  return simulator.stats().byRoute[route] ?? 0;
}

function newStore(): WriteStore {
  return new InMemoryIdempotencyStore<WriteOutcome<unknown>>();
}

function contextOf(store: WriteStore = newStore(), signal?: AbortSignal): WriteContext {
  return { tenant: 'spec', store, options: { signal } };
}

const ada: CustomerInput = { firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines Ltd', email: 'ada@example.com', phone: '+44 20 7946 0000', vatNumber: 'GB123456789' };

/** The shop's highest-numbered session, as the till would see it. */
async function latestSession(shopId: string): Promise<TactillCashbook> {
  return (await client.listCashbooks({ shop_id: { eq: shopId }, sort: { field: 'number', direction: 'desc' }, limit: 1 })).items[0]!;
}

// ---------------------------------------------------------------------------------------

describe('createCustomer at Tactill', () => {
  it('writes one customer with the reference as original_id, and answers it as the vendor has it', async () => {
    const before = await countsAtVendor();
    const outcome = await createCustomer(contextOf(), connection, 'ada', ada);
    expect(outcome.errors).toEqual([]);
    const customer = outcome.record!;
    expect(customer).toMatchObject({
      kind: 'customer', name: 'Analytical Engines Ltd', firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines Ltd',
      email: 'ada@example.com', phone: '+44 20 7946 0000', vatNumber: 'GB123456789',
    });
    const raw = customer.raw as TactillCustomer;
    expect(raw).toMatchObject({ id: customer.id, original_id: expect.stringMatching(/^pg-[0-9a-f]{24}$/), company_vat_number: 'GB123456789', note: null });
    expect((await countsAtVendor()).customers).toBe(before.customers + 1);
    expect(calls('POST /v0/customers')).toBe(1);

    // As stored, and found again by that reference.
    expect(await client.getCustomer(customer.id)).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', company_name: 'Analytical Engines Ltd', email: 'ada@example.com' });
    const found = await customers.findByReference({ reference: raw.original_id!, ...ada }, {});
    expect(found?.id).toBe(customer.id);
    expect(await customers.findByReference({ reference: 'pg-never-written', ...ada }, {})).toBeNull();
  });

  it('sends only the fields given: a company alone is a customer', async () => {
    const outcome = await createCustomer(contextOf(), connection, 'company-only', { firstName: null, lastName: null, company: 'Babbage & Co', email: null, phone: null, vatNumber: null });
    expect(outcome.record).toMatchObject({ name: 'Babbage & Co', firstName: null, lastName: null, email: null, vatNumber: null });
  });

  it('replays the same key without a second write, and refuses the key with another input', async () => {
    const store = newStore();
    const first = await createCustomer(contextOf(store), connection, 'replay', ada);
    const before = await countsAtVendor();
    const again = await createCustomer(contextOf(store), connection, 'replay', ada);
    expect(again).toEqual(first);
    const conflict = await createCustomer(contextOf(store), connection, 'replay', { ...ada, email: 'countess@example.com' });
    expect(conflict).toEqual({ record: null, errors: [{ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey', message: expect.any(String) }] });
    expect(await countsAtVendor()).toEqual(before);
    expect(calls('POST /v0/customers')).toBe(1);
  });

  it('VALIDATION on email, with nothing sent: a malformed address, and one only Tactill would refuse', async () => {
    const before = await countsAtVendor();
    const loose = await createCustomer(contextOf(), connection, 'bad-email', { ...ada, email: 'not-an-email' });
    expect(loose).toEqual({ record: null, errors: [{ code: 'VALIDATION', field: 'email', message: expect.stringContaining('not-an-email') }] });
    // The core's check lets consecutive dots through; Tactill's validation does not.
    const dotted = await createCustomer(contextOf(), connection, 'dotted-email', { ...ada, email: 'ada..lovelace@example.com' });
    expect(dotted).toEqual({ record: null, errors: [{ code: 'VALIDATION', field: 'email', message: expect.stringContaining('email') }] });
    await expect(customers.create({ reference: 'pg-x', ...ada, email: 'ada..lovelace@example.com' }, {})).rejects.toBeInstanceOf(WriteRefusedError);
    expect(await countsAtVendor()).toEqual(before);
    expect(calls('POST /v0/customers')).toBe(0);
  });

  it('finds the customer whose answer was cut after the vendor stored it, and writes nothing twice', async () => {
    const before = await countsAtVendor();
    simulator.addFault({ route: '/v0/customers', method: 'POST', malformed: 'truncated', times: 1 });
    const store = newStore();
    const outcome = await createCustomer(contextOf(store), connection, 'cut', ada);
    expect(outcome.errors).toEqual([]);
    expect(calls('POST /v0/customers')).toBe(1);
    expect(calls('POST /v0/customers/request')).toBe(1);
    expect((await countsAtVendor()).customers).toBe(before.customers + 1);
    const again = await createCustomer(contextOf(store), connection, 'cut', ada);
    expect(again.record!.id).toBe(outcome.record!.id);
    expect(calls('POST /v0/customers')).toBe(1);
  });
});

describe('openCashbook at Tactill', () => {
  it("opens the shop's till's next session with the cash exact, the reference as note", async () => {
    const previous = await latestSession(SHOP(2));
    const before = await countsAtVendor();
    simulator.reset();
    const outcome = await openCashbook(contextOf(), connection, 'open-2', { locationId: SHOP(2), openingAmount: eur('150.35') });
    expect(outcome.errors).toEqual([]);
    const cashbook = outcome.record!;
    expect(cashbook).toMatchObject({
      kind: 'cashbook', state: 'OPEN', openingAmount: eur('150.35'), closingAmount: null, closedAt: null, locationId: SHOP(2),
      name: `${previous.source_name} #${previous.number + 1}`,
    });
    expect(Date.parse(cashbook.openedAt!)).toBeGreaterThan(Date.now() - 60_000);
    const raw = cashbook.raw as TactillCashbook;
    expect(raw).toMatchObject({
      shop_id: SHOP(2), source_id: previous.source_id, source_name: previous.source_name, number: previous.number + 1, state: 'OPEN',
      note: expect.stringMatching(/^pg-[0-9a-f]{24}$/),
      // The till's own cash method, from its earlier counts.
      opening_cash_fund: [{ payment_method_id: previous.opening_cash_fund[0]!.payment_method_id, payment_method_name: 'Cash', amount: 15035 }],
    });
    expect((await countsAtVendor()).cashbooks).toBe(before.cashbooks + 1);
    expect(calls('POST /v0/cashbooks')).toBe(1);
    // Shop known: one list call for the till and its number.
    expect(calls('POST /v0/cashbooks/request')).toBe(1);

    const found = await cashbooks.findOpened({ reference: raw.note!, locationId: SHOP(2), openingAmount: Decimal.parse('150.35') }, {});
    expect(found?.id).toBe(cashbook.id);
    expect(await cashbooks.findOpened({ reference: 'pg-never-opened', locationId: null, openingAmount: Decimal.zero }, {})).toBeNull();
  });

  it('without a location, opens at the till of the newest session; an empty drawer is exactly 0.00', async () => {
    const newest = (await client.listCashbooks({ sort: { field: 'opened_at', direction: 'desc' }, limit: 1 })).items[0]!;
    const previous = await latestSession(newest.shop_id);
    const outcome = await openCashbook(contextOf(), connection, 'open-anywhere', { locationId: null, openingAmount: eur('0') });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record).toMatchObject({ state: 'OPEN', openingAmount: eur('0.00'), locationId: newest.shop_id });
    expect(outcome.record!.raw).toMatchObject({ source_id: previous.source_id, number: previous.number + 1 });
  });

  it("with settings' shop and till, numbers that till's sessions from 1", async () => {
    const configured = connectionOf(adapterWith({ shopId: SHOP(3), sourceId: 'posgraph-till', sourceName: 'posgraph till' }, 'tactill-till'), 'tactill-till');
    const first = await openCashbook(contextOf(), configured, 'till-1', { locationId: null, openingAmount: eur('20.00') });
    expect(first.record).toMatchObject({ name: 'posgraph till #1', locationId: SHOP(3), raw: { source_id: 'posgraph-till', number: 1 } });
    const second = await openCashbook(contextOf(), configured, 'till-2', { locationId: null, openingAmount: eur('20.00') });
    expect(second.record).toMatchObject({ name: 'posgraph till #2', raw: { source_id: 'posgraph-till', number: 2 } });
  });

  it('refuses what it can tell before writing: a shop with no till to learn (VALIDATION), another currency or precision', async () => {
    const before = await countsAtVendor();
    const noShop = await openCashbook(contextOf(), connection, 'no-shop', { locationId: 'no-such-shop', openingAmount: eur('10.00') });
    expect(noShop).toEqual({ record: null, errors: [{ code: 'VALIDATION', field: 'location', message: expect.stringContaining('no-such-shop') }] });
    const dollars = await openCashbook(contextOf(), connection, 'usd', { locationId: SHOP(1), openingAmount: { amount: '10.00', currency: 'USD' } });
    expect(dollars.errors).toEqual([{ code: 'VALIDATION', field: 'openingAmount', message: expect.stringContaining('USD') }]);
    const mills = await openCashbook(contextOf(), connection, 'mills', { locationId: SHOP(1), openingAmount: eur('10.005') });
    expect(mills.errors[0]).toMatchObject({ code: 'VALIDATION', field: 'openingAmount' });
    expect(await countsAtVendor()).toEqual(before);
    expect(calls('POST /v0/cashbooks')).toBe(0);
  });

  it("VENDOR_REJECTED with the vendor's message: settings' till in a shop the vendor does not have", async () => {
    const configured = connectionOf(adapterWith({ sourceId: 'posgraph-till' }, 'tactill-ghost-shop'), 'tactill-ghost-shop');
    const outcome = await openCashbook(contextOf(), configured, 'ghost-shop', { locationId: 'ghost-shop', openingAmount: eur('10.00') });
    expect(outcome).toEqual({ record: null, errors: [{ code: 'VENDOR_REJECTED', field: null, message: 'shop_id: shop ghost-shop does not exist' }] });
  });

  it('replays the same key without a second session, and refuses the key with another amount', async () => {
    const store = newStore();
    const first = await openCashbook(contextOf(store), connection, 'open-replay', { locationId: SHOP(1), openingAmount: eur('75.00') });
    const again = await openCashbook(contextOf(store), connection, 'open-replay', { locationId: SHOP(1), openingAmount: eur('75.00') });
    expect(again).toEqual(first);
    const conflict = await openCashbook(contextOf(store), connection, 'open-replay', { locationId: SHOP(1), openingAmount: eur('76.00') });
    expect(conflict.errors).toEqual([{ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey', message: expect.any(String) }]);
    expect(calls('POST /v0/cashbooks')).toBe(1);
  });

  it('finds the session whose answer was cut after the vendor opened it: one session', async () => {
    const cutting = connectionOf(adapterWith({}, 'tactill-cut-open', new CuttingTransport((method, path) => method === 'POST' && path === '/v0/cashbooks')), 'tactill-cut-open');
    const before = await countsAtVendor();
    simulator.reset();
    const store = newStore();
    const outcome = await openCashbook(contextOf(store), cutting, 'open-cut', { locationId: SHOP(1), openingAmount: eur('42.10') });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record).toMatchObject({ state: 'OPEN', openingAmount: eur('42.10') });
    expect((await countsAtVendor()).cashbooks).toBe(before.cashbooks + 1);
    // The till's look-up, the POST whose answer was cut, then the look-up by note.
    expect(calls('POST /v0/cashbooks/request')).toBe(2);
    expect(calls('POST /v0/cashbooks')).toBe(1);
    const reference = (outcome.record!.raw as TactillCashbook).note!;
    expect((await client.listCashbooks({ note: { eq: reference } })).items.map((cashbook) => cashbook.id)).toEqual([outcome.record!.id]);
  });
});

describe('closeCashbook at Tactill', () => {
  async function opened(amount = '100.00'): Promise<string> {
    const outcome = await openCashbook(contextOf(), connection, `open-${Math.random()}`, { locationId: SHOP(1), openingAmount: eur(amount) });
    return outcome.record!.id;
  }

  it('closes with the cash counted exact and closedAt set; the note (reference of the opening) stays', async () => {
    const id = await opened();
    const note = (await client.getCashbook(id)).note;
    simulator.reset();
    const outcome = await closeCashbook(contextOf(), connection, 'close', { cashbookId: id, closingAmount: eur('1234.56') });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record).toMatchObject({ id, state: 'CLOSED', openingAmount: eur('100.00'), closingAmount: eur('1234.56') });
    expect(Date.parse(outcome.record!.closedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await client.getCashbook(id)).toMatchObject({ state: 'CLOSED', note, closing_cash_fund: [{ payment_method_name: 'Cash', amount: 123456 }] });
    // A GET (outside the quota) to check, then the PATCH.
    expect(calls(`GET /v0/cashbooks/${id}`)).toBe(2);
    expect(calls(`PATCH /v0/cashbooks/${id}`)).toBe(1);
  });

  it('an already closed cashbook: VALIDATION with another amount; the same amount is that closing, returned unchanged', async () => {
    const id = await opened();
    const closed = await closeCashbook(contextOf(), connection, 'close-once', { cashbookId: id, closingAmount: eur('80.00') });
    const other = await closeCashbook(contextOf(), connection, 'close-twice', { cashbookId: id, closingAmount: eur('90.00') });
    expect(other).toEqual({ record: null, errors: [{ code: 'VALIDATION', field: 'cashbook', message: `Cashbook ${id} is already closed` }] });
    const same = await closeCashbook(contextOf(), connection, 'close-same', { cashbookId: id, closingAmount: eur('80') });
    expect(same.record).toEqual(closed.record);
    expect(calls(`PATCH /v0/cashbooks/${id}`)).toBe(1);
    // Straight to the writer.
    await expect(cashbooks.close({ reference: 'pg-x', cashbookId: id, closingAmount: Decimal.parse('1') }, {})).rejects.toMatchObject({ code: 'VALIDATION', field: 'cashbook' });
    expect(await cashbooks.findClosed({ reference: 'pg-x', cashbookId: id, closingAmount: Decimal.parse('80.00') }, {})).toMatchObject({ id, state: 'CLOSED' });
    expect(await cashbooks.findClosed({ reference: 'pg-x', cashbookId: id, closingAmount: Decimal.parse('80.01') }, {})).toBeNull();
  });

  it('NOT_FOUND on cashbook for an id the vendor does not have, with nothing sent', async () => {
    const outcome = await closeCashbook(contextOf(), connection, 'ghost', { cashbookId: 'ghost', closingAmount: eur('1.00') });
    expect(outcome).toEqual({ record: null, errors: [{ code: 'NOT_FOUND', field: 'cashbook', message: expect.stringContaining('ghost') }] });
    expect(calls('PATCH /v0/cashbooks/ghost')).toBe(0);
    expect(await cashbooks.findClosed({ reference: 'pg-x', cashbookId: 'ghost', closingAmount: Decimal.zero }, {})).toBeNull();
  });

  it('finds the closing whose answer was cut after the vendor recorded it, without refusing it as already closed', async () => {
    const id = await opened();
    const cutting = connectionOf(adapterWith({}, 'tactill-cut-close', new CuttingTransport((method) => method === 'PATCH')), 'tactill-cut-close');
    const store = newStore();
    const outcome = await closeCashbook(contextOf(store), cutting, 'close-cut', { cashbookId: id, closingAmount: eur('55.55') });
    expect(outcome.errors).toEqual([]);
    expect(outcome.record).toMatchObject({ id, state: 'CLOSED', closingAmount: eur('55.55') });
    // The check, the PATCH whose answer was cut, then the look-up that recognised it.
    expect(calls(`GET /v0/cashbooks/${id}`)).toBe(2);
    const again = await closeCashbook(contextOf(store), cutting, 'close-cut', { cashbookId: id, closingAmount: eur('55.55') });
    expect(again).toEqual(outcome);
    expect(calls(`PATCH /v0/cashbooks/${id}`)).toBe(1);
  });

  it("a cut answer on the cashbook routes (the kit's route fault) ends, on the retry with the same key, in one closing", async () => {
    const id = await opened();
    simulator.reset();
    simulator.addFault({ route: '/v0/cashbooks', malformed: 'truncated', times: 1 });
    const store = newStore();
    const input = { cashbookId: id, closingAmount: eur('12.34') };
    // The first cashbook call is the check before writing: its answer is cut like a dropped
    // connection, the session is still open, so the outcome is unknown and the key kept.
    const first = await closeCashbook(contextOf(store), connection, 'close-route-cut', input);
    expect(first).toEqual({ record: null, errors: [{ code: 'OUTCOME_UNKNOWN', field: null, message: expect.any(String) }] });
    expect(calls(`PATCH /v0/cashbooks/${id}`)).toBe(0);
    // The retry asks first (not closed with that amount yet), then closes: once.
    const retried = await closeCashbook(contextOf(store), connection, 'close-route-cut', input);
    expect(retried.errors).toEqual([]);
    expect(retried.record).toMatchObject({ id, state: 'CLOSED', closingAmount: eur('12.34') });
    expect(calls(`PATCH /v0/cashbooks/${id}`)).toBe(1);
    const replay = await closeCashbook(contextOf(store), connection, 'close-route-cut', input);
    expect(replay).toEqual(retried);
    expect(calls(`PATCH /v0/cashbooks/${id}`)).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------

describe('through the GraphQL gateway', () => {
  interface UserErrorShape {
    code: string;
    field: string | null;
    message: string;
  }

  let post: (query: string, variables?: Record<string, unknown>) => Promise<{ data?: Record<string, any>; errors?: unknown[] }>;

  beforeAll(() => {
    const config = parseConfig({ connections: [{ id: 'tactill', vendor: 'tactill', settings: tactillAdapterModule.demoSettings(simulator.url) }] });
    const gateway = createGateway({ connections: createConnections(config), graphiql: false });
    post = async (query, variables = {}) => {
      const response = await gateway.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
    };
  });

  const CREATE_CUSTOMER = /* GraphQL */ `
    mutation Create($input: CreateCustomerInput!) {
      createCustomer(input: $input) {
        customer { id name firstName lastName company email phone vatNumber }
        errors { code field message }
      }
    }`;
  const CASHBOOK = 'cashbook { id name state openedAt closedAt openingAmount { amount currency } closingAmount { amount currency } location { id } }';
  const OPEN = `mutation Open($input: OpenCashbookInput!) { openCashbook(input: $input) { ${CASHBOOK} errors { code field message } } }`;
  const CLOSE = `mutation Close($input: CloseCashbookInput!) { closeCashbook(input: $input) { ${CASHBOOK} errors { code field message } } }`;

  it('says Tactill customers and cashbooks can be created', async () => {
    const result = await post('{ connections { id capabilities { customer { create } cashbook { create } sale { create } } } }');
    expect(result.data!.connections).toEqual([{ id: 'tactill', capabilities: { customer: { create: true }, cashbook: { create: true }, sale: { create: true } } }]);
  });

  it('creates a customer once per key, refuses another input under it, and a bad e-mail with nothing written', async () => {
    const input = { connection: 'tactill', idempotencyKey: 'gql-customer', firstName: 'Grace', lastName: 'Hopper', company: null, email: 'grace@example.com', phone: '+1 555 0100', vatNumber: 'US-42' };
    const before = await countsAtVendor();
    const first = await post(CREATE_CUSTOMER, { input });
    expect(first.errors).toBeUndefined();
    const { customer, errors } = first.data!.createCustomer as { customer: Record<string, unknown> & { id: string }; errors: UserErrorShape[] };
    expect(errors).toEqual([]);
    expect(customer).toEqual({ id: expect.any(String), name: 'Grace Hopper', firstName: 'Grace', lastName: 'Hopper', company: null, email: 'grace@example.com', phone: '+1 555 0100', vatNumber: 'US-42' });
    expect((await countsAtVendor()).customers).toBe(before.customers + 1);

    const replay = await post(CREATE_CUSTOMER, { input });
    expect(replay.data!.createCustomer.customer.id).toBe(customer.id);
    const conflict = await post(CREATE_CUSTOMER, { input: { ...input, lastName: 'Murray Hopper' } });
    expect(conflict.data!.createCustomer).toEqual({ customer: null, errors: [{ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey', message: expect.any(String) }] });
    const badEmail = await post(CREATE_CUSTOMER, { input: { ...input, idempotencyKey: 'gql-bad-email', email: 'grace at navy' } });
    expect(badEmail.data!.createCustomer).toEqual({ customer: null, errors: [{ code: 'VALIDATION', field: 'email', message: expect.any(String) }] });
    expect((await countsAtVendor()).customers).toBe(before.customers + 1);
    expect(calls('POST /v0/customers')).toBe(1);

    const read = await post('query ($id: ID!) { node(id: $id) { ... on Customer { name vatNumber } } }', { id: customer.id });
    expect(read.data!.node).toEqual({ name: 'Grace Hopper', vatNumber: 'US-42' });
  });

  it('opens and closes a till session with exact amounts; a second closing is refused, a cut one recognised on retry', async () => {
    const location = encodeGlobalId({ type: 'Location', connection: 'tactill', id: SHOP(3) });
    const opened = await post(OPEN, { input: { connection: 'tactill', idempotencyKey: 'gql-open', location, openingAmount: eur('200.10') } });
    expect(opened.errors).toBeUndefined();
    const session = opened.data!.openCashbook.cashbook;
    expect(opened.data!.openCashbook.errors).toEqual([]);
    expect(session).toMatchObject({ state: 'OPEN', openingAmount: eur('200.10'), closingAmount: null, closedAt: null, openedAt: expect.any(String) });

    const closed = await post(CLOSE, { input: { cashbook: session.id, idempotencyKey: 'gql-close', closingAmount: eur('987.65') } });
    expect(closed.data!.closeCashbook.errors).toEqual([]);
    expect(closed.data!.closeCashbook.cashbook).toMatchObject({ id: session.id, state: 'CLOSED', openingAmount: eur('200.10'), closingAmount: eur('987.65'), closedAt: expect.any(String) });

    const twice = await post(CLOSE, { input: { cashbook: session.id, idempotencyKey: 'gql-close-again', closingAmount: eur('1.00') } });
    expect(twice.data!.closeCashbook).toEqual({ cashbook: null, errors: [{ code: 'VALIDATION', field: 'cashbook', message: expect.stringContaining('is already closed') }] });

    const read = await post('query ($id: ID!) { node(id: $id) { ... on Cashbook { state closingAmount { amount } } } }', { id: session.id });
    expect(read.data!.node).toEqual({ state: 'CLOSED', closingAmount: { amount: '987.65' } });

    // The kit's route fault cuts the first cashbook call of the next closing.
    const next = await post(OPEN, { input: { connection: 'tactill', idempotencyKey: 'gql-open-2', location, openingAmount: eur('10.00') } });
    const nextId = next.data!.openCashbook.cashbook.id as string;
    simulator.addFault({ route: '/v0/cashbooks', malformed: 'truncated', times: 1 });
    const cutInput = { input: { cashbook: nextId, idempotencyKey: 'gql-close-cut', closingAmount: eur('33.30') } };
    const cut = await post(CLOSE, cutInput);
    expect(cut.data!.closeCashbook).toEqual({ cashbook: null, errors: [{ code: 'OUTCOME_UNKNOWN', field: null, message: expect.any(String) }] });
    const retried = await post(CLOSE, cutInput);
    expect(retried.data!.closeCashbook).toEqual({ cashbook: expect.objectContaining({ id: nextId, state: 'CLOSED', closingAmount: eur('33.30') }), errors: [] });
    expect(calls(`PATCH /v0/cashbooks/${decodeGlobalId(nextId, 'Cashbook').id}`)).toBe(1);
  });
});
