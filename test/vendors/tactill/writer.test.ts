import { isRejection } from '../../../src/core/adapter.ts';
/**
 * createSale at Tactill against the real simulator on loopback (no mocks): the body's exact
 * amounts, the sale as the vendor stores it, every refusal reachable here with nothing
 * written, answers lost or late reconciled by `original_id` without a duplicate, and the
 * whole path through the GraphQL gateway.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteRefusedError, type SaleDraft, type SaleWriter, type VendorAdapter } from '../../../src/core/adapter.ts';
import type { Connection } from '../../../src/core/connection.ts';
import { createSale, type CreateSaleInput, type CreateSaleOutcome } from '../../../src/core/create-sale.ts';
import type { WriteOutcome } from '../../../src/core/write-once.ts';
import { VendorRateLimitedError, VendorRejectedError } from '../../../src/core/errors.ts';
import { HttpTransport } from '../../../src/core/http.ts';
import { InMemoryIdempotencyStore } from '../../../src/core/idempotency.ts';
import { encodeGlobalId } from '../../../src/core/ids.ts';
import type { ItemRecord } from '../../../src/core/model.ts';
import { Decimal } from '../../../src/core/money.ts';
import { createConnections, parseConfig } from '../../../src/config.ts';
import { createGateway } from '../../../src/server.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { tactillAdapterModule, tactillSettingsSchema, type TactillSettings } from '../../../src/vendors/tactill/adapter.ts';
import { TactillClient } from '../../../src/vendors/tactill/client.ts';
import { TACTILL_PRODUCTION_KEY, createTactillSimulator } from '../../../src/vendors/tactill/simulator.ts';
import type { TactillSale } from '../../../src/vendors/tactill/wire.ts';
import { includedTax, resolveTactillPaymentMethod, tactillSaleBody } from '../../../src/vendors/tactill/writer.ts';
import { basisPoints, cents, productionId, tactillDataset } from './support.ts';

const SALES = 300;
const dataset = tactillDataset(SALES);
const weighed = dataset.items.find((item) => item.soldByWeight)!;
const plain = dataset.items.find((item, index) => index > 10 && !item.soldByWeight && Decimal.parse(item.price).compare(Decimal.parse('2')) > 0)!;
/** Dataset items 1 and 2 cost 0.10 and 0.20: their sum must be exactly 0.30. */
const DIME = productionId('product', 1);
const TWO_DIMES = productionId('product', 2);
const WEIGHED = productionId('product', weighed.id);
const PLAIN = productionId('product', plain.id);
const SHOP = (n: number) => productionId('shop', n);
const CUSTOMER = productionId('customer', 7);

let simulator: RunningSimulator;
let client: TactillClient;
let adapter: VendorAdapter;
let writer: SaleWriter;
let connection: Connection;

function settingsFor(overrides: Partial<TactillSettings> = {}): TactillSettings {
  return tactillSettingsSchema.parse({ ...tactillAdapterModule.demoSettings(simulator.url), ...overrides });
}

function adapterWith(overrides: Partial<TactillSettings> = {}, id = 'tactill-writer'): VendorAdapter {
  return tactillAdapterModule.createAdapter(settingsFor(overrides), { connectionId: id, transport: new HttpTransport() });
}

function connectionOf(target: VendorAdapter, id = 'tactill-writer'): Connection {
  return { id, name: id, vendor: 'tactill', adapter: target };
}

beforeAll(async () => {
  simulator = await startSimulator(createTactillSimulator({ sales: SALES, rateLimit: { limit: 1_000_000, windowMs: 600_000 } }), { port: 0 });
  client = new TactillClient({ connection: 'spec', baseUrl: `${simulator.url}/v0`, credentials: { apiKey: TACTILL_PRODUCTION_KEY } });
  adapter = adapterWith({ listCacheTtlMs: 0 });
  writer = adapter.writers!.sale!;
  connection = connectionOf(adapter);
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(() => {
  simulator.reset();
});

async function salesAtVendor(): Promise<number> {
  const response = await fetch(`${simulator.url}/__sim/info`);
  return ((await response.json()) as { counts: { sales: number } }).counts.sales;
}

/** Every sale the vendor holds with this `original_id`. */
async function byReference(reference: string): Promise<TactillSale[]> {
  return (await client.listSales({ filter: { original_id: { eq: reference } }, limit: 100 })).items;
}

async function loadItems(ids: readonly string[], target = adapter): Promise<Array<ItemRecord | null>> {
  const batch = target.sources.item!.batch!;
  if (batch.strategy !== 'byIds') throw new Error('expected byIds');
  const found = (await batch.load(ids, {})).filter((item): item is ItemRecord => !isRejection(item));
  return ids.map((id) => found.find((item) => item.id === id) ?? null);
}

function run(
  key: string,
  saleInput: CreateSaleInput,
  options: { target?: Connection; store?: InMemoryIdempotencyStore<WriteOutcome<unknown>>; signal?: AbortSignal; items?: typeof loadItems } = {},
): Promise<CreateSaleOutcome> {
  const target = options.target ?? connection;
  return createSale(
    { tenant: 'spec', idempotencyKey: key, connection: target, input: saleInput },
    {
      store: options.store ?? new InMemoryIdempotencyStore<WriteOutcome<unknown>>(),
      loadItems: (ids) => (options.items ?? loadItems)(ids, target.adapter),
      options: { signal: options.signal },
    },
  );
}

const eur = (amount: string) => ({ amount, currency: 'EUR' });

/** 0.10 + 0.20 + 0.375 kg of a weighed good + 2 × a plain item less 0.50: the exact total. */
function happyInput(overrides: Partial<CreateSaleInput> = {}): { input: CreateSaleInput; total: Decimal } {
  const weighedTotal = Decimal.parse('0.375').mul(Decimal.parse(weighed.price)).round(2);
  const plainTotal = Decimal.parse('2').mul(Decimal.parse(plain.price)).round(2).sub(Decimal.parse('0.50'));
  const total = Decimal.parse('0.30').add(weighedTotal).add(plainTotal);
  const card = total.sub(Decimal.parse('0.30'));
  return {
    total,
    input: {
      locationId: null,
      customerId: null,
      lines: [
        { itemId: DIME, quantity: '1', unitPrice: null, discount: null },
        { itemId: TWO_DIMES, quantity: '1', unitPrice: null, discount: null },
        { itemId: WEIGHED, quantity: '0.375', unitPrice: null, discount: null },
        { itemId: PLAIN, quantity: '2', unitPrice: null, discount: eur('0.50') },
      ],
      payments: [
        { method: 'cash', amount: eur('0.30') },
        { method: 'Carte Bancaire', amount: eur(card.toFixedAtLeast(2)) },
      ],
      note: 'Written by posgraph — «reçu»',
      ...overrides,
    },
  };
}

/** A draft built as the core builds it, for calls straight to the writer. */
async function draftOf(reference: string, lines: Array<{ itemId: string; quantity: string }>, payments: SaleDraft['payments'] = [], extra: Partial<SaleDraft> = {}): Promise<SaleDraft> {
  const items = await loadItems(lines.map((line) => line.itemId));
  const draftLines = lines.map((line, index) => {
    const item = items[index]!;
    const quantity = Decimal.parse(line.quantity);
    const unitPrice = Decimal.parse(item.price.amount);
    const total = quantity.mul(unitPrice).round(2);
    return { itemId: line.itemId, item, quantity, unitPrice, discount: Decimal.zero.round(2), total };
  });
  const total = draftLines.reduce((sum, line) => sum.add(line.total), Decimal.zero.round(2));
  return { reference, locationId: null, customerId: null, lines: draftLines, payments, total, note: null, ...extra };
}

// ---------------------------------------------------------------------------------------

describe('the sale body', () => {
  it('computes each line tax exactly as the dataset does, for every line of every dataset sale', () => {
    for (const sale of dataset.sales) {
      for (const line of sale.lines) expect(includedTax(cents(line.total), basisPoints(line.taxRate))).toBe(cents(line.tax));
    }
  });

  it('resolves methods by type or known name, case- and accent-blind, with one stable id per method', () => {
    const cash = resolveTactillPaymentMethod('Cash')!;
    expect(cash).toEqual({ id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), name: 'Cash', type: 'CASH' });
    expect(resolveTactillPaymentMethod(' CASH ')).toEqual({ ...cash, name: 'CASH' });
    expect(resolveTactillPaymentMethod('cash')!.id).toBe(cash.id);
    expect(resolveTactillPaymentMethod('Espèces')!.type).toBe('CASH');
    expect(resolveTactillPaymentMethod('Espèces')!.id).not.toBe(cash.id);
    expect(resolveTactillPaymentMethod('card')!.type).toBe('CARD');
    expect(resolveTactillPaymentMethod('Chèque')!.type).toBe('CHECK');
    expect(resolveTactillPaymentMethod('CHECK')!.type).toBe('CHECK');
    expect(resolveTactillPaymentMethod('Voucher')!.type).toBe('OTHER');
    expect(resolveTactillPaymentMethod('other')!.type).toBe('OTHER');
    for (const unknown of ['bitcoin', '', 'cash back', 'PAYPAL']) expect(resolveTactillPaymentMethod(unknown)).toBeNull();
  });

  it('sends integer cents with total = total_tax_free + total_tax, unpaid sales OPEN with the whole total as rest', async () => {
    const till = { shopId: SHOP(1), sourceId: 'src', sourceName: 'Till', cashbookId: 'cb' };
    const at = new Date('2026-11-24T10:00:00.000Z');
    const paid = await draftOf('pg-body', [{ itemId: DIME, quantity: '1' }, { itemId: TWO_DIMES, quantity: '1' }], [
      { method: 'CASH', amount: Decimal.parse('0.1') },
      { method: 'Card', amount: Decimal.parse('0.20') },
    ]);
    const body = tactillSaleBody(paid, till, 'EUR', at);
    expect(body).toMatchObject({
      original_id: 'pg-body', shop_id: SHOP(1), source_id: 'src', source_name: 'Till', cashbook_id: 'cb',
      state: 'CLOSED', payment_status: 'FULL', refund_status: 'NONE', refunded_status: 'NONE',
      opened_at: at.toISOString(), closed_at: at.toISOString(),
      total: 30, total_discount: 0, total_rest: 0,
      payments: [
        { payment_method_type: 'CASH', payment_method_name: 'CASH', amount: 10 },
        { payment_method_type: 'CARD', payment_method_name: 'Card', amount: 20 },
      ],
    });
    expect(body.lines!.map((line) => [line.unit_price, line.quantity, line.total])).toEqual([[10, 1, 10], [20, 1, 20]]);
    expect(body.total).toBe(body.total_tax_free + body.total_tax);
    expect(body.total_tax).toBe(body.lines!.reduce((sum, line) => sum + includedTax(line.total, line.tax_rate), 0));

    const unpaid = tactillSaleBody({ ...paid, payments: [] }, till, 'EUR', at);
    expect(unpaid).toMatchObject({ state: 'OPEN', payment_status: 'NONE', total_rest: 30, payments: [] });
    expect(unpaid.closed_at).toBeUndefined();
  });
});

describe('createSale at Tactill', () => {
  it('writes one sale and answers it as the vendor has it: number, exact totals, lines and payments', async () => {
    const before = await salesAtVendor();
    const { input, total } = happyInput({ customerId: CUSTOMER });
    const outcome = await run('happy', input);
    expect(outcome.errors).toEqual([]);
    const sale = outcome.record!;
    const raw = sale.raw as TactillSale;

    expect(await salesAtVendor()).toBe(before + 1);
    expect(Number(sale.number)).toBeGreaterThan(SALES);
    expect(sale.total).toEqual(eur(total.toFixedAtLeast(2)));
    expect(sale.customerId).toBe(CUSTOMER);
    expect(sale.note).toBe(input.note);
    expect(sale.lines!.map(({ itemId, name, quantity, unitPrice, discount, total: lineTotal, taxRate }) => ({ itemId, name, quantity, unitPrice, discount, total: lineTotal, taxRate }))).toEqual([
      { itemId: DIME, name: dataset.items[0]!.name, quantity: '1', unitPrice: eur('0.10'), discount: eur('0.00'), total: eur('0.10'), taxRate: expect.any(String) },
      { itemId: TWO_DIMES, name: dataset.items[1]!.name, quantity: '1', unitPrice: eur('0.20'), discount: eur('0.00'), total: eur('0.20'), taxRate: expect.any(String) },
      {
        itemId: WEIGHED, name: weighed.name, quantity: '0.375', unitPrice: eur(weighed.price), discount: eur('0.00'),
        total: eur(Decimal.parse('0.375').mul(Decimal.parse(weighed.price)).round(2).toFixedAtLeast(2)), taxRate: expect.any(String),
      },
      {
        itemId: PLAIN, name: plain.name, quantity: '2', unitPrice: eur(plain.price), discount: eur('0.50'),
        total: eur(Decimal.parse('2').mul(Decimal.parse(plain.price)).round(2).sub(Decimal.parse('0.50')).toFixedAtLeast(2)), taxRate: expect.any(String),
      },
    ]);
    expect(sale.payments!.map(({ method, methodType, amount, saleId, cashbookId }) => ({ method, methodType, amount, saleId, cashbookId }))).toEqual([
      { method: 'cash', methodType: 'CASH', amount: eur('0.30'), saleId: sale.id, cashbookId: sale.cashbookId },
      { method: 'Carte Bancaire', methodType: 'CARD', amount: eur(total.sub(Decimal.parse('0.30')).toFixedAtLeast(2)), saleId: sale.id, cashbookId: sale.cashbookId },
    ]);

    // As stored: the reference, CLOSED and FULL, taxes exact, in an open cashbook of its shop.
    expect(raw).toMatchObject({ original_id: expect.stringMatching(/^pg-/), state: 'CLOSED', payment_status: 'FULL', total_rest: 0, total_discount: 50 });
    expect(raw.total).toBe(raw.total_tax_free + raw.total_tax);
    expect(raw.total_tax).toBe(raw.lines.reduce((sum, line) => sum + includedTax(line.total, line.tax_rate), 0));
    expect(raw.payments.every((payment) => payment.state === 'VALID' && payment.type === 'IN')).toBe(true);
    expect(raw.cashbook).toMatchObject({ state: 'OPEN', shop_id: sale.locationId });
    expect(raw.source_id).toBe(raw.cashbook!.source_id);

    // The next reads see it: newest first in the list, and found by its reference.
    const page = await adapter.sources.sale!.list!({ filter: {}, cursor: null, limit: 1 });
    expect(page.records[0]!.id).toBe(sale.id);
    expect(page.records[0]!.total).toEqual(sale.total);
    const payments = await adapter.sources.payment!.list!({ filter: { saleId: sale.id }, cursor: null, limit: 10 });
    expect(payments.records.map((payment) => payment.amount)).toEqual(expect.arrayContaining(sale.payments!.map((payment) => payment.amount)));
    expect(await byReference(raw.original_id!)).toHaveLength(1);
  });

  it('leaves a sale without payments OPEN, with nothing paid and the whole total to pay', async () => {
    const outcome = await run('unpaid', happyInput({ payments: null }).input);
    expect(outcome.errors).toEqual([]);
    expect(outcome.record!.payments).toEqual([]);
    expect(outcome.record!.raw).toMatchObject({ state: 'OPEN', payment_status: 'NONE', total_rest: (outcome.record!.raw as TactillSale).total, closed_at: null });
  });

  it("rings a sale up in an open cashbook of the draft's shop, else of settings.shopId, with settings' source", async () => {
    const inShop2 = await run('shop-2', happyInput({ locationId: SHOP(2) }).input);
    expect(inShop2.record).toMatchObject({ locationId: SHOP(2), raw: { cashbook: { state: 'OPEN', shop_id: SHOP(2) } } });

    const configured = connectionOf(adapterWith({ shopId: SHOP(3), sourceId: 'posgraph', sourceName: 'posgraph gateway' }, 'tactill-shop-3'), 'tactill-shop-3');
    const inShop3 = await run('shop-3', happyInput().input, { target: configured });
    expect(inShop3.record).toMatchObject({ locationId: SHOP(3), raw: { source_id: 'posgraph', source_name: 'posgraph gateway', cashbook: { state: 'OPEN', shop_id: SHOP(3) } } });
    // The draft's location wins over the setting.
    const explicit = await run('shop-3-to-1', happyInput({ locationId: SHOP(1) }).input, { target: configured });
    expect(explicit.record!.locationId).toBe(SHOP(1));
  });

  it('keeps the open cashbook it found for listCacheTtlMs, and moves to the new one when the kept one was closed', async () => {
    const caching = connectionOf(adapterWith({ listCacheTtlMs: 60_000 }, 'tactill-caching'), 'tactill-caching');
    const first = await run('cache-1', happyInput({ locationId: SHOP(3) }).input, { target: caching });
    const second = await run('cache-2', happyInput({ locationId: SHOP(3) }).input, { target: caching });
    expect(second.record!.cashbookId).toBe(first.record!.cashbookId);
    expect(simulator.stats().byRoute['POST /v0/cashbooks/request']).toBe(1);
    expect(simulator.stats().byRoute['POST /v0/sales']).toBe(2);

    // The till closes its session and opens the next one.
    const old = await client.getCashbook(first.record!.cashbookId!);
    await client.updateCashbook({ id: old.id, state: 'CLOSED' });
    const next = await client.createCashbook({ shop_id: old.shop_id, source_id: old.source_id, source_name: old.source_name, number: old.number + 1, state: 'OPEN', opened_at: new Date().toISOString() });
    const before = await salesAtVendor();
    const third = await run('cache-3', happyInput({ locationId: SHOP(3) }).input, { target: caching });
    expect(third.errors).toEqual([]);
    expect(third.record!.cashbookId).toBe(next.id);
    expect(await salesAtVendor()).toBe(before + 1);

    // With no open session left in the shop, nothing is written and the field is named.
    await client.updateCashbook({ id: next.id, state: 'CLOSED' });
    const refused = await run('cache-4', happyInput({ locationId: SHOP(3) }).input, { target: caching });
    expect(refused).toEqual({ record: null, errors: [{ code: 'VALIDATION', field: 'location', message: expect.stringContaining('no open cashbook') }] });
    expect(await salesAtVendor()).toBe(before + 1);
    await client.createCashbook({ shop_id: old.shop_id, source_id: old.source_id, source_name: old.source_name, number: old.number + 2, state: 'OPEN', opened_at: new Date().toISOString() });
  });

  it('finds no sale for a reference never written, with a real vendor call', async () => {
    const draft = await draftOf('pg-never-written', [{ itemId: DIME, quantity: '1' }]);
    expect(await writer.findByReference(draft, {})).toBeNull();
    expect(simulator.stats().byRoute['POST /v0/sales/request']).toBe(1);
  });
});

describe('refusals, each with no sale written', () => {
  it('VALIDATION: an unknown payment method, before any vendor write', async () => {
    const before = await salesAtVendor();
    const { input, total } = happyInput();
    const outcome = await run('bitcoin', { ...input, payments: [{ method: 'bitcoin', amount: eur(total.toFixedAtLeast(2)) }] });
    expect(outcome).toEqual({ record: null, errors: [{ code: 'VALIDATION', field: 'payments[0].method', message: expect.stringContaining('bitcoin') }] });
    expect(await salesAtVendor()).toBe(before);
    expect(simulator.stats().byRoute['POST /v0/sales']).toBeUndefined();
    expect(simulator.stats().byRoute['POST /v0/cashbooks/request']).toBeUndefined();
  });

  it('VALIDATION: a location that has no open cashbook (here: no such shop)', async () => {
    const before = await salesAtVendor();
    const outcome = await run('no-shop', happyInput({ locationId: 'no-such-shop' }).input);
    expect(outcome.errors).toEqual([{ code: 'VALIDATION', field: 'location', message: expect.stringContaining('no-such-shop') }]);
    expect(await salesAtVendor()).toBe(before);
  });

  it("VENDOR_REJECTED with the vendor's message: a customer the vendor does not have", async () => {
    const before = await salesAtVendor();
    const outcome = await run('ghost-customer', happyInput({ customerId: 'ghost' }).input);
    expect(outcome).toEqual({ record: null, errors: [{ code: 'VENDOR_REJECTED', field: null, message: 'customer_id: customer ghost does not exist' }] });
    expect(await salesAtVendor()).toBe(before);
  });

  it("VENDOR_REJECTED with the vendor's message: an item deleted between the gateway's read and the write", async () => {
    const doomed = await client.createProduct({ name: 'Short-lived scone', buy_price: 50, sell_price: 120, category: productionId('category', 1), tax: productionId('tax', 1) });
    const [item] = await loadItems([doomed.id]);
    await client.deleteProduct(doomed.id);
    const before = await salesAtVendor();

    const outcome = await run('deleted-item', { locationId: null, customerId: null, lines: [{ itemId: doomed.id, quantity: '1', unitPrice: null, discount: null }], payments: null, note: null }, { items: async () => [item!] });
    expect(outcome).toEqual({ record: null, errors: [{ code: 'VENDOR_REJECTED', field: null, message: `lines.0.product_id: product ${doomed.id} does not exist` }] });

    // Straight to the writer: the client's VendorRejectedError, which the core reports as above.
    const draft = await draftOf('pg-deleted', [{ itemId: DIME, quantity: '1' }]);
    const stale = { ...draft, lines: [{ ...draft.lines[0]!, itemId: doomed.id, item: item! }] };
    await expect(writer.create(stale, {})).rejects.toBeInstanceOf(VendorRejectedError);
    expect(await salesAtVendor()).toBe(before);
  });

  it('throws WriteRefusedError itself for what it can tell before writing', async () => {
    const draft = await draftOf('pg-refused', [{ itemId: DIME, quantity: '1' }], [{ method: 'PayPal', amount: Decimal.parse('0.10') }]);
    const refusal = await writer.create(draft, {}).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WriteRefusedError);
    expect(refusal).toMatchObject({ code: 'VALIDATION', field: 'payments[0].method' });
  });
});

describe('lost and late answers', () => {
  it('finds the sale whose answer was cut off after the vendor wrote it, and writes nothing twice', async () => {
    const before = await salesAtVendor();
    simulator.addFault({ route: '/v0/sales', method: 'POST', malformed: 'truncated', times: 1 });
    const store = new InMemoryIdempotencyStore<WriteOutcome<unknown>>();
    const outcome = await run('truncated', happyInput().input, { store });
    expect(outcome.errors).toEqual([]);
    expect(await salesAtVendor()).toBe(before + 1);
    // One write, then one lookup by reference.
    expect(simulator.stats().byRoute).toMatchObject({ 'POST /v0/sales': 1, 'POST /v0/sales/request': 1 });
    const reference = (outcome.record!.raw as TactillSale).original_id!;
    expect((await byReference(reference)).map((sale) => sale.id)).toEqual([outcome.record!.id]);

    // The same key again: the recorded outcome, no vendor write.
    const replay = await run('truncated', happyInput().input, { store });
    expect(replay.record!.id).toBe(outcome.record!.id);
    expect(simulator.stats().byRoute['POST /v0/sales']).toBe(1);
  });

  it('a write that timed out is reconciled on the retry with the same key: exactly one sale', async () => {
    const before = await salesAtVendor();
    simulator.addFault({ route: '/v0/sales', method: 'POST', latencyMs: 2000, times: 1 });
    const store = new InMemoryIdempotencyStore<WriteOutcome<unknown>>();
    const { input } = happyInput();
    const timedOut = await run('late', input, { store, signal: AbortSignal.timeout(300) });
    // The deadline has passed: the vendor cannot be asked within it, so the outcome is unknown.
    expect(timedOut).toEqual({ record: null, errors: [{ code: 'OUTCOME_UNKNOWN', field: null, message: expect.any(String) }] });

    const retried = await run('late', input, { store });
    expect(retried.errors).toEqual([]);
    const reference = (retried.record!.raw as TactillSale).original_id!;
    // Let the delayed request run out: the vendor never ran it, and never will.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await byReference(reference)).map((sale) => sale.id)).toEqual([retried.record!.id]);
    expect(await salesAtVendor()).toBe(before + 1);
  });

  it('a write over the rate limit stores nothing and may be retried with the same key', async () => {
    const before = await salesAtVendor();
    simulator.addFault({ route: '/v0/sales', method: 'POST', rateLimitBurst: 1 });
    const store = new InMemoryIdempotencyStore<WriteOutcome<unknown>>();
    await expect(run('limited', happyInput().input, { store })).rejects.toBeInstanceOf(VendorRateLimitedError);
    expect(await salesAtVendor()).toBe(before);
    const retried = await run('limited', happyInput().input, { store });
    expect(retried.errors).toEqual([]);
    expect(await salesAtVendor()).toBe(before + 1);
  });
});

describe('through the GraphQL gateway', () => {
  const MUTATION = /* GraphQL */ `
    mutation Create($input: CreateSaleInput!) {
      createSale(input: $input) {
        sale {
          id number total { amount currency } note
          lines { item { id } name quantity unitPrice { amount } discount { amount } total { amount } taxRate }
          payments { method methodType amount { amount } }
          cashbook { id state }
        }
        errors { code field message }
      }
    }`;

  interface Payload {
    data?: { createSale: { sale: (Record<string, unknown> & { id: string; number: string; total: { amount: string } }) | null; errors: Array<{ code: string; field: string | null; message: string }> } };
    errors?: unknown[];
  }

  it('creates the sale, replays the same key without a second write, and lists it first', async () => {
    const config = parseConfig({ connections: [{ id: 'tactill', vendor: 'tactill', settings: tactillAdapterModule.demoSettings(simulator.url) }] });
    const yoga = createGateway({ connections: createConnections(config), graphiql: false });
    const post = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as Payload & { data?: Record<string, any> };
    };
    const itemId = (id: string) => encodeGlobalId({ type: 'Item', connection: 'tactill', id });
    const { input, total } = happyInput();
    const variables = {
      input: {
        connection: 'tactill',
        idempotencyKey: 'gateway-1',
        location: encodeGlobalId({ type: 'Location', connection: 'tactill', id: SHOP(2) }),
        lines: input.lines.map((line) => ({ item: itemId(line.itemId), quantity: line.quantity, ...(line.discount ? { discount: line.discount } : {}) })),
        payments: input.payments,
        note: input.note,
      },
    };
    const before = await salesAtVendor();
    const first = await post(MUTATION, variables);
    expect(first.errors).toBeUndefined();
    expect(first.data!.createSale.errors).toEqual([]);
    const sale = first.data!.createSale.sale!;
    expect(sale).toMatchObject({
      number: expect.stringMatching(/^\d+$/),
      total: { amount: total.toFixedAtLeast(2), currency: 'EUR' },
      note: input.note,
      payments: [
        { method: 'cash', methodType: 'CASH', amount: { amount: '0.30' } },
        { method: 'Carte Bancaire', methodType: 'CARD', amount: { amount: total.sub(Decimal.parse('0.30')).toFixedAtLeast(2) } },
      ],
      cashbook: { state: 'OPEN' },
    });
    expect((sale.lines as Array<{ item: { id: string }; quantity: string; total: { amount: string } }>).map((line) => [line.item.id, line.quantity, line.total.amount])).toEqual([
      [itemId(DIME), '1', '0.10'],
      [itemId(TWO_DIMES), '1', '0.20'],
      [itemId(WEIGHED), '0.375', Decimal.parse('0.375').mul(Decimal.parse(weighed.price)).round(2).toFixedAtLeast(2)],
      [itemId(PLAIN), '2', Decimal.parse('2').mul(Decimal.parse(plain.price)).round(2).sub(Decimal.parse('0.50')).toFixedAtLeast(2)],
    ]);
    expect(await salesAtVendor()).toBe(before + 1);

    const writes = simulator.stats().byRoute['POST /v0/sales'];
    const replay = await post(MUTATION, variables);
    expect(replay.data!.createSale.sale!.id).toBe(sale.id);
    expect(simulator.stats().byRoute['POST /v0/sales']).toBe(writes);
    expect(await salesAtVendor()).toBe(before + 1);

    const listed = await post('{ sales(first: 1) { edges { node { id number total { amount } } } } }');
    expect(listed.data!.sales.edges[0].node).toEqual({ id: sale.id, number: sale.number, total: { amount: total.toFixedAtLeast(2) } });

    const refused = await post(MUTATION, { input: { ...variables.input, idempotencyKey: 'gateway-2', payments: [{ method: 'bitcoin', amount: { amount: total.toFixedAtLeast(2), currency: 'EUR' } }] } });
    expect(refused.data!.createSale).toEqual({ sale: null, errors: [{ code: 'VALIDATION', field: 'payments[0].method', message: expect.stringContaining('bitcoin') }] });
    expect(await salesAtVendor()).toBe(before + 1);
  });
});
