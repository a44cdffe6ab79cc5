/**
 * KashClient against the Kash simulator on loopback: every call checked against the dataset,
 * auth (static key, login exchange, regenerated key), vendor errors and every kit fault.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  VendorAuthError,
  VendorConnectionError,
  VendorMalformedResponseError,
  VendorNotFoundError,
  VendorRateLimitedError,
  VendorRejectedError,
  VendorTimeoutError,
  VendorUnavailableError,
} from '../../../src/core/errors.ts';
import { Decimal, sumDecimals } from '../../../src/core/money.ts';
import { toLocalDate } from '../../../src/core/time.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { KashClient, type KashCredentials } from '../../../src/vendors/kash/client.ts';
import { createKashSimulator, type KashSimulator } from '../../../src/vendors/kash/simulator.ts';

const KEY: KashCredentials = { shopId: '4242', apiKey: 'demo-kash-key' };
const LOGIN: KashCredentials = { login: 'demo@posgraph.test', password: 'demo-password' };
const SECRETS = ['demo-kash-key', 'demo-password'];
const LOGIN_ROUTE = 'POST /workers/getAuthToken.php';

const dataset = createDataset({ seed: 102, pricePlaces: 2 });
const small = createDataset({ seed: 102, pricePlaces: 2, sales: 300 });
const decimal = (value: number): Decimal => Decimal.fromJsonNumber(value);

let running: RunningSimulator;
let client: KashClient;

function clientFor(simulator: RunningSimulator, credentials: KashCredentials): KashClient {
  return new KashClient({ connection: 'kash-test', baseUrl: simulator.url, credentials });
}

async function failure<E extends Error>(promise: Promise<unknown>, kind: abstract new (...args: any[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(kind);
  return error as E;
}

function expectNoSecret(error: unknown): void {
  for (const secret of SECRETS) {
    expect(String(error)).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  }
}

beforeAll(async () => {
  running = await startSimulator(createKashSimulator(), { port: 0 });
  client = clientFor(running, KEY);
});

afterAll(async () => {
  await running.close();
});

describe('reading the catalogue and reference lists', () => {
  it('returns every article with its exact price, department, VAT rate and barcode', async () => {
    const plus = await client.getPlus();
    expect(plus).toHaveLength(dataset.items.length);
    const taxRate = new Map(dataset.taxes.map((tax) => [tax.id, tax.rate]));
    const normalized = (price: Decimal, vatRate: Decimal): string => `${price.normalize().toString()} @ ${vatRate.normalize().toString()}%`;
    expect(plus.map((plu) => [plu.id, plu.title, plu.departmentId, plu.barcode, normalized(decimal(plu.price), decimal(plu.vatRate))])).toEqual(
      dataset.items.map((item) => [item.id, item.name, item.categoryId, item.barcode, normalized(Decimal.parse(item.price), Decimal.parse(taxRate.get(item.taxId)!))]),
    );
  });

  it('returns departments, payment modes and registers', async () => {
    expect((await client.getDepartments()).map((department) => department.title)).toEqual(dataset.categories.map((category) => category.name));
    expect(await client.getPaymentModes()).toEqual(dataset.paymentMethods.map((method) => ({ id: method.id, title: method.name })));
    expect(await client.getCashbox()).toEqual(dataset.locations.map((location) => ({ id: location.id, title: location.name })));
  });

  it('returns every client with the French field names', async () => {
    const clients = await client.getClients();
    expect(clients.map((entry) => [entry.id, entry.nom, entry.prenom, entry.email, entry.ville, entry.numtva])).toEqual(
      dataset.customers.map((customer) => [customer.id, customer.lastName, customer.firstName, customer.email, customer.city, customer.vatNumber]),
    );
  });
});

describe('reading orders', () => {
  it('lists every sale of the period once, with totals and payments exact to the cent', async () => {
    const orders = await client.getOrders();
    expect(orders.map((order) => order.orderInternalID)).toEqual(dataset.sales.map((sale) => sale.id));
    const paid = (order: (typeof orders)[number]): string => sumDecimals(order.payments.map((payment) => decimal(payment.amount))).toFixedAtLeast(2);
    expect(orders.map((order) => [decimal(order.price).toFixedAtLeast(2), paid(order), Date.parse(order.date), order.isRefund])).toEqual(
      dataset.sales.map((sale) => [sale.total, sale.total, Date.parse(sale.createdAt), sale.isRefund]),
    );
    const paymentCount = orders.reduce((count, order) => count + order.payments.length, 0);
    expect(paymentCount).toBe(dataset.payments.length);
  });

  it('lists the orders of one shop day, bounds computed in the shop time zone', async () => {
    const orders = await client.getOrders(client.shopDay('2026-10-25'));
    const expected = dataset.sales.filter((sale) => toLocalDate(sale.createdAt, 'Europe/Paris') === '2026-10-25').map((sale) => sale.id);
    expect(orders.map((order) => order.orderInternalID)).toEqual(expected);
  });

  it('accepts Date bounds and filters by delivery method', async () => {
    const orders = await client.getOrders({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-30T00:00:00Z'), deliveryMethod: 0 });
    const expected = dataset.sales.filter((sale) => sale.createdAt >= '2026-11-01' && sale.locationId === 2).map((sale) => sale.id);
    expect(orders.map((order) => order.orderInternalID)).toEqual(expected);
  });

  it('lists quotes apart; the dataset has none', async () => {
    expect(await client.getOrders({ validated: false })).toEqual([]);
  });

  it('details one order: lines, VAT per rate and client, consistent with its total', async () => {
    const sale = dataset.sales.find((candidate) => candidate.customerId !== null && candidate.lines.length >= 3)!;
    const order = await client.getOrder(sale.id);
    expect(order.items.map((item) => [item.idArticle, item.title])).toEqual(sale.lines.map((line) => [line.itemId, line.name]));
    expect(order.items.map((item) => decimal(item.quantity).toString())).toEqual(sale.lines.map((line) => Decimal.parse(line.quantity).toString()));
    expect(sumDecimals(order.items.map((item) => decimal(item.total))).equals(decimal(order.price))).toBe(true);
    expect(sumDecimals(order.VATs.map((vat) => decimal(vat.amount))).equals(Decimal.parse(sale.tax))).toBe(true);
    expect(order.client?.id).toBe(sale.customerId);
  });

  it('reports an unknown order as VendorNotFoundError with the vendor message', async () => {
    const error = await failure(client.getOrder(999_999), VendorNotFoundError);
    expect(error).toMatchObject({ status: 200, vendorMessage: 'Order not found', vendor: 'kash', connection: 'kash-test' });
  });

  it('refuses misuse before calling: a non-integer order id, a bound without time or offset', async () => {
    await expect(client.getOrder(0)).rejects.toThrow(/positive integer orderInternalID, got 0/);
    await expect(client.getOrders({ from: '2026-11-20' })).rejects.toThrow(/ISO 8601 instant with offset, got "2026-11-20"/);
  });
});

describe('recording sales', () => {
  let shop: RunningSimulator;
  let writer: KashClient;

  beforeAll(async () => {
    shop = await startSimulator(createKashSimulator({ sales: 300 }), { port: 0 });
    writer = clientFor(shop, KEY);
  });

  afterAll(async () => {
    await shop.close();
  });

  it('records a paid sale of article, department and free lines with an inline client', async () => {
    const result = await writer.recordSale({
      payment: 2,
      deliveryMethod: 2,
      idcaisse: 3,
      client: { nom: "O'Neil", prenom: 'Zoé', email: 'zoe@example.com', ville: 'Lyon' },
      items: [
        { kind: 'article', idArticle: 1, quantity: 3 },
        { kind: 'article', idArticle: 2, quantity: '1.5', title: 'Riz_basmati', price: '2.675' },
        { kind: 'department', departmentId: 9, price: '1.10', title: 'Café_crème' },
        { kind: 'free', price: '0.20', title: 'Sac' },
      ],
    });
    // 0.30 + round2(1.5 × 2.675 = 4.0125) + 1.10 + 0.20
    expect(result).toEqual({ result: 'OK', orderInternalID: 301, orderID: 'WS-000301', price: 5.61 });
    const order = await writer.getOrder(result.orderInternalID);
    expect(order).toMatchObject({ status: 'terminated', cashBoxID: 3, deliveryMethod: 2, payments: [{ paymentModeID: 2, amount: 5.61 }] });
    expect(order.items.map((item) => [item.idArticle, item.title, item.total])).toEqual([
      [1, small.items[0]!.name, 0.3],
      [2, 'Riz basmati', 4.01],
      [null, 'Café_crème', 1.1],
      [null, 'Sac', 0.2],
    ]);
    expect(order.client).toMatchObject({ id: small.customers.length + 1, nom: "O'Neil", prenom: 'Zoé', loyaltyPoints: 1 });
    expect((await writer.getClients()).at(-1)?.nom).toBe("O'Neil");
  });

  it('finds a sale by its privateComment after the fact, on the day of its value date', async () => {
    const reference = 'posgraph:7f1c2a';
    const dateValeur = Date.parse('2026-11-19T16:30:00Z') / 1000;
    const result = await writer.recordSale({ payment: 1, privateComment: reference, dateValeur, items: [{ kind: 'article', idArticle: 4 }] });
    const found = await writer.findOrdersByPrivateComment(reference, writer.shopDay('2026-11-19'));
    expect(found.map((order) => order.orderInternalID)).toEqual([result.orderInternalID]);
    expect(await writer.findOrdersByPrivateComment('posgraph:never-sent', writer.shopDay('2026-11-19'))).toEqual([]);
  });

  it('finds a quote by its privateComment too, on the day it was recorded', async () => {
    const reference = 'posgraph:quote-9';
    const result = await writer.recordSale({ payment: -2, privateComment: reference, items: [{ kind: 'article', idArticle: 5 }] });
    const found = await writer.findOrdersByPrivateComment(reference, { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) });
    expect(found).toEqual([expect.objectContaining({ orderInternalID: result.orderInternalID, status: 'quote' })]);
  });

  it('reports a refused sale as VendorRejectedError with the vendor message, and records nothing', async () => {
    const before = shop.simulator.counts();
    const error = await failure(
      writer.recordSale({ payment: 1, client: { nom: 'Ghost' }, items: [{ kind: 'article', idArticle: 1 }, { kind: 'article', idArticle: 99_999 }] }),
      VendorRejectedError,
    );
    expect(error).toMatchObject({ status: 200, vendorMessage: 'Unknown article 99999' });
    await failure(writer.recordSale({ payment: 77, items: [{ kind: 'article', idArticle: 1 }] }), VendorRejectedError);
    expect(shop.simulator.counts()).toEqual(before);
    expectNoSecret(error);
  });

  it('refuses an empty sale before calling', async () => {
    await expect(writer.recordSale({ payment: 1, items: [] })).rejects.toThrow(/at least one item/);
  });
});

describe('authentication', () => {
  let shop: RunningSimulator;
  let simulator: KashSimulator;

  beforeAll(async () => {
    simulator = createKashSimulator({ sales: 300 });
    shop = await startSimulator(simulator, { port: 0 });
  });

  afterAll(async () => {
    await shop.close();
  });

  afterEach(() => shop.reset());

  const logins = (): number => shop.stats().byRoute[LOGIN_ROUTE] ?? 0;

  it('uses a static key directly, without any login', async () => {
    await clientFor(shop, { shopId: '4242', apiKey: simulator.credentials(shop.url).apiKey! }).getCashbox();
    expect(logins()).toBe(0);
  });

  it('exchanges login and password once, shared by concurrent first calls', async () => {
    const viaLogin = clientFor(shop, LOGIN);
    const [cashboxes, modes, departments, again] = await Promise.all([viaLogin.getCashbox(), viaLogin.getPaymentModes(), viaLogin.getDepartments(), viaLogin.getCashbox()]);
    expect([cashboxes.length, modes.length, departments.length, again.length]).toEqual([3, 4, 10, 3]);
    expect(logins()).toBe(1);
    await viaLogin.getPlus();
    expect(logins()).toBe(1);
  });

  it('reports a refused login as VendorAuthError, and tries again on the next call', async () => {
    const wrong = clientFor(shop, { login: 'demo@posgraph.test', password: 'not-the-password' });
    const error = await failure(wrong.getCashbox(), VendorAuthError);
    expect(error).toMatchObject({ status: 200, vendorMessage: 'Invalid login or password' });
    expect(String(error)).not.toContain('not-the-password');
    await failure(wrong.getCashbox(), VendorAuthError);
    expect(logins()).toBe(2);
  });

  it('reports a wrong static key as VendorAuthError "Invalid key" without retrying', async () => {
    const wrong = clientFor(shop, { shopId: '4242', apiKey: 'wrong-key' });
    const error = await failure(wrong.getOrders(), VendorAuthError);
    expect(error).toMatchObject({ status: 200, vendorMessage: 'Invalid key' });
    expect(shop.stats().total).toBe(1);
  });

  it('is unaffected by token expiry, since the key has no lifetime: no login, no retry', async () => {
    const keyClient = clientFor(shop, { shopId: '4242', apiKey: simulator.credentials(shop.url).apiKey! });
    const loginClient = clientFor(shop, LOGIN);
    await loginClient.getCashbox();
    shop.addFault({ expireTokens: true });
    expect(await keyClient.getCashbox()).toHaveLength(3);
    expect(await loginClient.getCashbox()).toHaveLength(3);
    expect(logins()).toBe(1);
    expect(shop.stats().total).toBe(4);
  });

  it('fetches a regenerated key again when it knows the login, and retries the call once', async () => {
    const loginClient = clientFor(shop, LOGIN);
    const both = clientFor(shop, { shopId: '4242', apiKey: simulator.credentials(shop.url).apiKey!, ...LOGIN });
    const keyOnly = clientFor(shop, { shopId: '4242', apiKey: simulator.credentials(shop.url).apiKey! });
    await loginClient.getCashbox();
    simulator.regenerateApiKey();
    shop.reset();

    expect(await loginClient.getCashbox()).toHaveLength(3);
    expect(shop.stats().byRoute).toEqual({ 'GET /workers/getCashbox.php': 2, [LOGIN_ROUTE]: 1 });
    expect(await both.getCashbox()).toHaveLength(3);
    expect(logins()).toBe(2);

    const error = await failure(keyOnly.getCashbox(), VendorAuthError);
    expect(error.vendorMessage).toBe('Invalid key');
    expect(logins()).toBe(2);
  });

  it('shares one re-login among concurrent calls refused with the old key', async () => {
    const loginClient = clientFor(shop, LOGIN);
    await loginClient.getCashbox();
    simulator.regenerateApiKey();
    shop.reset();
    await Promise.all([loginClient.getCashbox(), loginClient.getPaymentModes(), loginClient.getDepartments()]);
    expect(logins()).toBe(1);
  });

  it('takes the shop id handed out by getAuthToken over a stale configured one', async () => {
    const stale = clientFor(shop, { shopId: '1', apiKey: 'old', ...LOGIN });
    expect(await stale.getCashbox()).toHaveLength(3);
    expect(logins()).toBe(1);
  });
});

describe('kit faults seen through the client', () => {
  afterEach(() => running.reset());

  it('turns latency past the caller deadline into VendorTimeoutError, with the key redacted', async () => {
    running.addFault({ route: '/workers/getCashbox.php', latencyMs: 1_000, times: 1 });
    const error = await failure(client.getCashbox({ signal: AbortSignal.timeout(50) }), VendorTimeoutError);
    expect(error.message).toContain('key=[redacted]');
    expectNoSecret(error);
  });

  it.each([
    [503, VendorUnavailableError],
    [500, VendorUnavailableError],
    [400, VendorRejectedError],
    [401, VendorAuthError],
    [403, VendorAuthError],
    [404, VendorNotFoundError],
  ] as const)('maps an injected HTTP %i to %o with the vendor message', async (status, kind) => {
    running.addFault({ errorRate: 1, errorStatus: status });
    const error = await failure<Error & { status?: number }>(client.getCashbox(), kind);
    expect(error).toMatchObject({ status, vendorMessage: 'Injected failure' });
    expectNoSecret(error);
  });

  it('fails a write on an injected 500 without recording it', async () => {
    const before = running.simulator.counts();
    running.addFault({ route: '/workers/webapp.php', errorRate: 1, errorStatus: 500, times: 1 });
    await failure(client.recordSale({ payment: 1, items: [{ kind: 'article', idArticle: 1 }] }), VendorUnavailableError);
    expect(running.simulator.counts()).toEqual(before);
  });

  it('maps a 429 burst to VendorRateLimitedError without a retry hint, then recovers', async () => {
    running.addFault({ rateLimitBurst: 2, rateLimitResetSeconds: 5 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await failure(client.getPaymentModes(), VendorRateLimitedError);
      expect(error).toMatchObject({ status: 429, vendorMessage: 'Too many requests', retryAfterMs: undefined, retryable: true });
    }
    expect(await client.getPaymentModes()).toHaveLength(4);
  });

  it('maps an invalid JSON body to VendorMalformedResponseError', async () => {
    running.addFault({ malformed: 'invalid', times: 1 });
    await failure(client.getCashbox(), VendorMalformedResponseError);
  });

  it('maps a body cut short to VendorConnectionError or VendorMalformedResponseError', async () => {
    running.addFault({ malformed: 'truncated', times: 1 });
    const error = await client.getPlus().catch((caught: unknown) => caught);
    expect(error instanceof VendorConnectionError || error instanceof VendorMalformedResponseError).toBe(true);
    expectNoSecret(error);
  });

  it('maps a reset connection to VendorConnectionError, and the next call succeeds', async () => {
    running.addFault({ resetConnection: true, times: 1 });
    const error = await failure(client.getCashbox(), VendorConnectionError);
    expectNoSecret(error);
    expect(await client.getCashbox()).toHaveLength(3);
  });
});

describe('walking orders by date windows (Kash has no paging)', () => {
  let shop: RunningSimulator;
  let reader: KashClient;

  beforeAll(async () => {
    shop = await startSimulator(createKashSimulator({ sales: 300 }), { port: 0 });
    reader = clientFor(shop, KEY);
  });

  afterAll(async () => {
    await shop.close();
  });

  it('returns every order exactly once for any split of the period into consecutive windows', async () => {
    const times = small.sales.map((sale) => Date.parse(sale.createdAt));
    const start = times[0]!;
    const end = times.at(-1)!;
    const cut = fc.oneof(fc.integer({ min: start + 1, max: end }), fc.constantFrom(...times.slice(1)));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(cut, { maxLength: 8 }), async (cuts) => {
        const bounds = [start, ...[...cuts].sort((a, b) => a - b), end + 1];
        const seen: number[] = [];
        for (let index = 0; index + 1 < bounds.length; index += 1) {
          const window = await reader.getOrders({ from: new Date(bounds[index]!), to: new Date(bounds[index + 1]! - 1) });
          seen.push(...window.map((order) => order.orderInternalID));
        }
        expect(seen).toEqual(small.sales.map((sale) => sale.id));
      }),
      { numRuns: 20 },
    );
  });
});
