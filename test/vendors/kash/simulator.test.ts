/**
 * The Kash simulator spoken to over raw HTTP, as the public documentation shows the calls
 * (demo shop and host substituted), and checked against the dataset it renders.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, sumDecimals } from '../../../src/core/money.ts';
import { toLocalDate } from '../../../src/core/time.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { createKashSimulator, type KashSimulator } from '../../../src/vendors/kash/simulator.ts';

const SHOPID = '4242';
const APIKEY = 'demo-kash-key';
const dataset = createDataset({ seed: 102, pricePlaces: 2 });

let reads: RunningSimulator;

beforeAll(async () => {
  reads = await startSimulator(createKashSimulator(), { port: 0 });
});

afterAll(async () => {
  await reads.close();
});

function buildUrl(base: string, path: string, params: Record<string, string>): string {
  return `${base}${path}?${new URLSearchParams(params).toString()}`;
}

async function getJson(base: string, path: string, params: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(buildUrl(base, path, params));
  return { status: response.status, body: await response.json() };
}

async function postForm(base: string, path: string, body: URLSearchParams): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

const json = (value: string): number => Decimal.parse(value).toJsonNumber();

describe('authentication (api_auth.md)', () => {
  it('exchanges login and password for the APIKEY and SHOPID, as the documented fetch does', async () => {
    const login = 'demo@posgraph.test';
    const password = 'demo-password';
    const data = await fetch(`${reads.url}/workers/getAuthToken.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login, password }),
    }).then((r) => r.json());
    expect(data).toEqual({ result: 'OK', APIKEY, SHOPID });
  });

  it('refuses a wrong password with HTTP 200 and an ERROR envelope', async () => {
    const answer = await postForm(reads.url, '/workers/getAuthToken.php', new URLSearchParams({ login: 'demo@posgraph.test', password: 'nope' }));
    expect(answer).toEqual({ status: 200, body: { result: 'ERROR', message: 'Invalid login or password' } });
  });

  const workers = ['getPlus', 'getDepartments', 'getClients', 'getPaymentModes', 'getCashbox', 'getOrders', 'getOrder', 'webapp'];

  it.each(workers)('%s.php answers "Invalid key" with HTTP 200 to a missing, wrong or foreign key', async (worker) => {
    const refused: Array<Record<string, string>> = [{ idboutique: SHOPID }, { idboutique: SHOPID, key: 'wrong' }, { idboutique: '1', key: APIKEY }, { key: APIKEY }];
    for (const params of refused) {
      const answer = await getJson(reads.url, `/workers/${worker}.php`, { ...params, format: 'json', order_id: '1', payment: '-1', 'itemsList[]': '1' });
      expect(answer).toEqual({ status: 200, body: { result: 'ERROR', message: 'Invalid key' } });
    }
  });

  it('accepts the shop id under both of its public names, idboutique and shopID', async () => {
    const byIdboutique = await getJson(reads.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY, format: 'json' });
    const byShopID = await getJson(reads.url, '/workers/getCashbox.php', { shopID: SHOPID, key: APIKEY, format: 'json' });
    expect(byShopID).toEqual(byIdboutique);
    expect(byShopID.body).toHaveLength(3);
  });

  it('reads the key from the form body of a POST as well as from the query string', async () => {
    const answer = await postForm(reads.url, '/workers/getPaymentModes.php', new URLSearchParams({ idboutique: SHOPID, key: APIKEY, format: 'json' }));
    expect(answer.body).toEqual([{ id: 1, title: 'Cash' }, { id: 2, title: 'Card' }, { id: 3, title: 'Cheque' }, { id: 4, title: 'Voucher' }]);
  });

  it('keeps the static key valid when tokens are expired, since it has no lifetime', async () => {
    reads.addFault({ expireTokens: true });
    const answer = await getJson(reads.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY, format: 'json' });
    expect(answer.body).toHaveLength(3);
    reads.reset();
  });

  it('refuses the old key once it is regenerated, and hands out the new one at getAuthToken', async () => {
    const simulator = createKashSimulator({ sales: 300 });
    const running = await startSimulator(simulator, { port: 0 });
    try {
      const fresh = simulator.regenerateApiKey();
      const old = await getJson(running.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY, format: 'json' });
      expect(old.body).toEqual({ result: 'ERROR', message: 'Invalid key' });
      const token = await postForm(running.url, '/workers/getAuthToken.php', new URLSearchParams({ login: 'demo@posgraph.test', password: 'demo-password' }));
      expect(token.body).toEqual({ result: 'OK', APIKEY: fresh, SHOPID });
      expect((await getJson(running.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: fresh, format: 'json' })).body).toHaveLength(3);
    } finally {
      await running.close();
    }
  });
});

describe('catalogue and reference lists (api_data.md)', () => {
  it('replays "Items in JSON": every dataset item with its price, department, VAT rate and barcode', async () => {
    const url = buildUrl(reads.url, '/workers/getPlus.php', { idboutique: SHOPID, key: APIKEY, format: 'json' });
    const data = await fetch(url).then((r) => r.json());
    const taxRate = new Map(dataset.taxes.map((tax) => [tax.id, tax.rate]));
    expect(data).toEqual(
      dataset.items.map((item) => ({
        id: item.id,
        title: item.name,
        price: json(item.price),
        departmentId: item.categoryId,
        vatRate: json(taxRate.get(item.taxId)!),
        barcode: item.barcode,
      })),
    );
    expect(data.slice(0, 3).map((plu: { price: number }) => plu.price)).toEqual([0.1, 0.2, 0.3]);
  });

  it('replays "Clients in CSV": a ";"-separated export with a header and one row per client', async () => {
    const url = buildUrl(reads.url, '/workers/getClients.php', { idboutique: SHOPID, key: APIKEY, format: 'csv' });
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = (await response.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe('id;nom;prenom;email;telephone;adresseligne1;adresseligne2;codepostal;ville;pays;numtva;codeBarre;loyaltyPoints');
    expect(rows).toHaveLength(dataset.customers.length + 1);
    const first = dataset.customers[0]!;
    expect(rows[1]!.split(';').slice(0, 3)).toEqual([String(first.id), first.lastName, first.firstName]);
  });

  it('quotes CSV cells that hold the separator or quotes', async () => {
    const url = buildUrl(reads.url, '/workers/getClients.php', { idboutique: SHOPID, key: APIKEY, format: 'csv' });
    const text = await fetch(url).then((r) => r.text());
    const quoted = dataset.customers.find((customer) => customer.lastName.includes("'"));
    expect(quoted).toBeDefined();
    expect(text).toContain(`;${quoted!.lastName};`);
  });

  it('replays "Depts in HTML": a table to inject into a page', async () => {
    const url = buildUrl(reads.url, '/workers/getDepartments.php', { idboutique: SHOPID, key: APIKEY, format: 'html' });
    const html = await fetch(url).then((r) => r.text());
    expect(html.startsWith('<table><tr><th>id</th><th>title</th><th>vatRate</th></tr>')).toBe(true);
    expect(html.match(/<tr>/g)).toHaveLength(dataset.categories.length + 1);
    expect(html).toContain('<td>Fruit &amp; Vegetables</td>');
  });

  it('lists departments, payment modes and cashboxes from the dataset', async () => {
    const auth = { idboutique: SHOPID, key: APIKEY, format: 'json' };
    const departments = (await getJson(reads.url, '/workers/getDepartments.php', auth)).body;
    expect(departments.map((d: { id: number; title: string }) => [d.id, d.title])).toEqual(dataset.categories.map((c) => [c.id, c.name]));
    expect(departments.find((d: { title: string }) => d.title === 'Coffee').vatRate).toBe(10);
    const cashboxes = (await getJson(reads.url, '/workers/getCashbox.php', auth)).body;
    expect(cashboxes).toEqual(dataset.locations.map((location) => ({ id: location.id, title: location.name })));
  });

  it('lists clients with their French field names and loyalty points from paid sales', async () => {
    const clients = (await getJson(reads.url, '/workers/getClients.php', { idboutique: SHOPID, key: APIKEY, format: 'json' })).body;
    expect(clients).toHaveLength(dataset.customers.length);
    const customer = dataset.customers[4]!;
    expect(clients[4]).toEqual({
      id: customer.id,
      nom: customer.lastName,
      prenom: customer.firstName,
      email: customer.email,
      telephone: customer.phone,
      adresseligne1: customer.street,
      adresseligne2: null,
      codepostal: customer.zipCode,
      ville: customer.city,
      pays: customer.country,
      numtva: customer.vatNumber,
      codeBarre: null,
      loyaltyPoints: dataset.sales.filter((sale) => sale.customerId === customer.id && !sale.isRefund).length,
    });
  });

  it('answers json when no format is given and an ERROR envelope for an unknown one', async () => {
    expect((await getJson(reads.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY })).body).toHaveLength(3);
    expect((await getJson(reads.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY, format: 'xml' })).body)
      .toEqual({ result: 'ERROR', message: 'Invalid parameter format' });
  });

  it('answers a plain 404 for a worker it does not have', async () => {
    const response = await fetch(buildUrl(reads.url, '/workers/getSomething.php', { idboutique: SHOPID, key: APIKEY }));
    expect(response.status).toBe(404);
  });
});

describe('orders (api_sales.md, getOrder)', () => {
  const auth = { idboutique: SHOPID, key: APIKEY };

  it('lists every dataset sale as a terminated order, totals exact to the cent', async () => {
    const orders = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, validatedOrders: 'true' })).body;
    expect(orders).toHaveLength(dataset.sales.length);
    expect(orders.map((order: { orderInternalID: number }) => order.orderInternalID)).toEqual(dataset.sales.map((sale) => sale.id));
    const listed = sumDecimals(orders.map((order: { price: number }) => Decimal.fromJsonNumber(order.price)));
    expect(listed.equals(sumDecimals(dataset.sales.map((sale) => Decimal.parse(sale.total))))).toBe(true);
    expect(orders.every((order: { status: string }) => order.status === 'terminated')).toBe(true);
    expect(orders.filter((order: { isRefund: boolean }) => order.isRefund)).toHaveLength(dataset.sales.filter((sale) => sale.isRefund).length);
  });

  it('dates orders in ISO 8601 with the Paris offset of their day', async () => {
    const orders = (await getJson(reads.url, '/workers/getOrders.php', auth)).body;
    expect(orders.map((order: { date: string }) => Date.parse(order.date))).toEqual(dataset.sales.map((sale) => Date.parse(sale.createdAt)));
    expect(orders[0].date).toMatch(/\+02:00$/);
    expect(orders.at(-1).date).toMatch(/\+01:00$/);
  });

  it('renders a sale as one order with its number, register, client, refund flag and payments', async () => {
    const sale = dataset.sales.find((candidate) => candidate.customerId !== null && dataset.payments.filter((p) => p.saleId === candidate.id).length === 2)!;
    const orders = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: sale.createdAt, to_date_ISO8601: sale.createdAt })).body;
    const order = orders.find((candidate: { orderInternalID: number }) => candidate.orderInternalID === sale.id);
    expect(order).toMatchObject({
      orderID: sale.number,
      price: json(sale.total),
      VAT: json(sale.tax),
      clientID: sale.customerId,
      cashBoxID: sale.locationId,
      isRefund: false,
      status: 'terminated',
      payments: dataset.payments.filter((p) => p.saleId === sale.id).map((p) => ({ paymentModeID: p.methodId, amount: json(p.amount) })),
      privateComment: null,
    });
    expect(order).not.toHaveProperty('items');
  });

  it('replays the documented period query: a day with no trading gives an empty list', async () => {
    const answer = await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2025-10-26T00:00:00Z', to_date_ISO8601: '2025-10-26T23:59:59Z' });
    expect(answer).toEqual({ status: 200, body: [] });
  });

  it('treats both bounds as inclusive instants, whatever offset they are written in', async () => {
    const sale = dataset.sales[100]!;
    const exact = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: sale.createdAt, to_date_ISO8601: sale.createdAt })).body;
    expect(exact.map((order: { orderInternalID: number }) => order.orderInternalID)).toContain(sale.id);
    const utc = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2026-11-19T23:00:00Z', to_date_ISO8601: '2026-11-20T22:59:59Z' })).body;
    const paris = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2026-11-20T00:00:00+01:00', to_date_ISO8601: '2026-11-20T23:59:59+01:00' })).body;
    expect(paris).toEqual(utc);
    const compact = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2026-11-20T00:00:00+0100', to_date_ISO8601: '2026-11-20T23:59:59+0100' })).body;
    expect(compact).toEqual(utc);
    // An unencoded "+" reaches PHP as a space; it is still read as the offset.
    const raw = await fetch(`${reads.url}/workers/getOrders.php?idboutique=${SHOPID}&key=${APIKEY}&from_date_ISO8601=2026-11-20T00:00:00+01:00&to_date_ISO8601=2026-11-20T23:59:59+01:00`).then((r) => r.json());
    expect(raw).toEqual(utc);
  });

  it('reads a bare day, or a time without offset, as the shop local (Paris) time', async () => {
    const day = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2026-10-25', to_date_ISO8601: '2026-10-25' })).body;
    const expected = dataset.sales.filter((sale) => toLocalDate(sale.createdAt, 'Europe/Paris') === '2026-10-25').map((sale) => sale.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(day.map((order: { orderInternalID: number }) => order.orderInternalID)).toEqual(expected);
    const local = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2026-10-25T00:00:00', to_date_ISO8601: '2026-10-25T23:59:59' })).body;
    expect(local).toEqual(day);
  });

  it('filters by delivery method, each register selling one way', async () => {
    const counter = (await getJson(reads.url, '/workers/getOrders.php', { ...auth, filterDeliveryMethod: '4' })).body;
    expect(counter.map((order: { orderInternalID: number }) => order.orderInternalID)).toEqual(dataset.sales.filter((sale) => sale.locationId === 1).map((sale) => sale.id));
    expect((await getJson(reads.url, '/workers/getOrders.php', { ...auth, filterDeliveryMethod: '6' })).body).toEqual([]);
  });

  it('lists quotes apart, with validatedOrders=false; the dataset has none', async () => {
    expect((await getJson(reads.url, '/workers/getOrders.php', { ...auth, validatedOrders: 'false' })).body).toEqual([]);
  });

  it.each([
    [{ from_date_ISO8601: 'yesterday' }, 'Invalid parameter from_date_ISO8601'],
    [{ to_date_ISO8601: '2026-13-01T00:00:00Z' }, 'Invalid parameter to_date_ISO8601'],
    [{ filterDeliveryMethod: '7' }, 'Invalid parameter filterDeliveryMethod'],
    [{ validatedOrders: 'maybe' }, 'Invalid parameter validatedOrders'],
  ])('refuses bad filter %j with "%s"', async (filter, message) => {
    expect(await getJson(reads.url, '/workers/getOrders.php', { ...auth, ...filter })).toEqual({ status: 200, body: { result: 'ERROR', message } });
  });

  it('details one order with its lines, discounts, VAT per rate and client', async () => {
    const sale = dataset.sales.find((candidate) => candidate.customerId !== null && candidate.lines.some((line) => line.discount !== '0.00'))!;
    const customer = dataset.customers.find((candidate) => candidate.id === sale.customerId)!;
    const detail = (await getJson(reads.url, '/workers/getOrder.php', { ...auth, order_id: String(sale.id) })).body;
    expect(detail.items).toEqual(
      sale.lines.map((line) => ({
        idArticle: line.itemId,
        departmentId: dataset.items[line.itemId - 1]!.categoryId,
        title: line.name,
        quantity: json(line.quantity),
        price: json(line.unitPrice),
        discount: json(line.discount),
        total: json(line.total),
        vatRate: json(line.taxRate),
        declinaisons: [],
      })),
    );
    const vatTotal = sumDecimals(detail.VATs.map((vat: { amount: number }) => Decimal.fromJsonNumber(vat.amount)));
    expect(vatTotal.equals(Decimal.parse(sale.tax))).toBe(true);
    expect(detail.client).toMatchObject({ id: customer.id, nom: customer.lastName, prenom: customer.firstName });
  });

  it('keeps the exact amounts of the awkward prices: 0.10 + 0.20 + 0.30 is 0.60', async () => {
    const detail = (await getJson(reads.url, '/workers/getOrder.php', { ...auth, order_id: '1' })).body;
    expect(detail.items.map((item: { price: number }) => item.price)).toEqual([0.1, 0.2, 0.3]);
    expect(detail.price).toBe(0.6);
  });

  it.each(['999999', 'abc', '0', ''])('answers "Order not found" for order_id=%j', async (orderId) => {
    expect(await getJson(reads.url, '/workers/getOrder.php', { ...auth, order_id: orderId })).toEqual({ status: 200, body: { result: 'ERROR', message: 'Order not found' } });
  });
});

describe('recording sales (api_record_sale.md, webapp.php)', () => {
  let writes: RunningSimulator;
  const small = createDataset({ seed: 102, pricePlaces: 2, sales: 300 });
  const auth = { idboutique: SHOPID, key: APIKEY };

  beforeAll(async () => {
    writes = await startSimulator(createKashSimulator({ sales: 300 }), { port: 0 });
  });

  afterAll(async () => {
    await writes.close();
  });

  async function record(fields: Record<string, string>, items: string[]): Promise<any> {
    const body = new URLSearchParams({ ...auth, ...fields });
    for (const item of items) body.append('itemsList[]', item);
    return (await postForm(writes.url, '/workers/webapp.php', body)).body;
  }

  async function detail(orderInternalId: number): Promise<any> {
    return (await getJson(writes.url, '/workers/getOrder.php', { ...auth, order_id: String(orderInternalId) })).body;
  }

  async function snapshot(): Promise<unknown> {
    return {
      counts: writes.simulator.counts(),
      orders: (await getJson(writes.url, '/workers/getOrders.php', auth)).body.length,
      quotes: (await getJson(writes.url, '/workers/getOrders.php', { ...auth, validatedOrders: 'false' })).body.length,
      clients: (await getJson(writes.url, '/workers/getClients.php', { ...auth, format: 'json' })).body.length,
    };
  }

  it('replays "client existant": validated unpaid, a priced article with declinaisons and a department line', async () => {
    const body = new URLSearchParams({ idboutique: SHOPID, key: APIKEY, idUser: '1', payment: '-1', deliveryMethod: '0', idClient: '123' });
    body.append('itemsList[]', '12_2_Pizza 4 fromages_14.50_3_8');
    body.append('itemsList[]', '-5_9.99_Vente libre');
    const payload = await fetch(`${writes.url}/workers/webapp.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    }).then((r) => r.json());
    expect(payload).toEqual({ result: 'OK', orderInternalID: 301, orderID: 'WS-000301', price: 38.99 });
    const order = await detail(301);
    expect(order).toMatchObject({ status: 'validated', payments: [], clientID: 123, deliveryMethod: 0, isRefund: false, VAT: 5.35 });
    expect(order.items).toEqual([
      { idArticle: 12, departmentId: small.items[11]!.categoryId, title: 'Pizza 4 fromages', quantity: 2, price: 14.5, discount: 0, total: 29, vatRate: json(small.taxes.find((t) => t.id === small.items[11]!.taxId)!.rate), declinaisons: [3, 8] },
      { idArticle: null, departmentId: 5, title: 'Vente libre', quantity: 1, price: 9.99, discount: 0, total: 9.99, vatRate: 5.5, declinaisons: [] },
    ]);
  });

  it('replays "nouveau client + vente": paid by mode 2, the client created from the French fields', async () => {
    const before = writes.simulator.counts();
    const body = new URLSearchParams({ idboutique: SHOPID, key: APIKEY, payment: '2', deliveryMethod: '1' });
    const client: Record<string, string> = {
      nom: 'Durand', prenom: 'Zoé', email: 'zoe.durand@example.com', telephone: '+33 6 12 34 56 78', adresseligne1: '10 rue des Écoles',
      adresseligne2: 'Bât. B', commentaireadresse: 'Sonner 2 fois', codepostal: '75005', ville: 'Paris', pays: 'FR', numtva: 'FRXX999999999',
      rcs: 'RCS Paris 123 456 789', codeBarre: 'CUST-0001', telephone2: '+33 1 23 45 67 89', lat: '48.848', lng: '2.347',
    };
    for (const [key, value] of Object.entries(client)) body.append(`client[${key}]`, value);
    body.append('itemsList[]', '42_1_Menu midi_12.90');
    body.append('itemsList[]', '15_3_Canette Cola_2.50');
    const payload = await fetch(`${writes.url}/workers/webapp.php`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body }).then((r) => r.json());
    expect(payload).toMatchObject({ result: 'OK', price: 20.4 });
    const order = await detail(payload.orderInternalID);
    expect(order).toMatchObject({ status: 'terminated', deliveryMethod: 1, payments: [{ paymentModeID: 2, amount: 20.4 }] });
    expect(order.client).toEqual({
      id: small.customers.length + 1, nom: 'Durand', prenom: 'Zoé', email: 'zoe.durand@example.com', telephone: '+33 6 12 34 56 78',
      adresseligne1: '10 rue des Écoles', adresseligne2: 'Bât. B', codepostal: '75005', ville: 'Paris', pays: 'FR', numtva: 'FRXX999999999',
      codeBarre: 'CUST-0001', loyaltyPoints: 1,
    });
    expect(writes.simulator.counts()).toEqual({ ...before, customers: before.customers + 1, sales: before.sales + 1, payments: before.payments + 1 });
  });

  it('records a sale sent as one GET URL, as the seed describes', async () => {
    const url = buildUrl(writes.url, '/workers/webapp.php', { ...auth, payment: '1', deliveryMethod: '4', idUser: '1', 'itemsList[]': '3' });
    const payload = await fetch(url).then((r) => r.json());
    expect(payload).toMatchObject({ result: 'OK', price: json(small.items[2]!.price) });
  });

  it('reads every itemsList[] form: id, id_qty, empty segments, forced title and price, department and free lines', async () => {
    const item = small.items[9]!;
    const payload = await record({ payment: '1' }, ['10', '10_1.5', '10_1__', '10___2.00', '10_2_Custom_1.25_7', '-2_4.40_Glass_of_water', 'Free_0.30_Bag']);
    const order = await detail(payload.orderInternalID);
    expect(order.items.map((line: any) => [line.idArticle, line.title, line.quantity, line.price, line.total, line.declinaisons])).toEqual([
      [10, item.name, 1, json(item.price), json(item.price), []],
      [10, item.name, 1.5, json(item.price), json(Decimal.parse('1.5').mul(Decimal.parse(item.price)).round(2).toString()), []],
      [10, item.name, 1, json(item.price), json(item.price), []],
      [10, item.name, 1, 2, 2, []],
      [10, 'Custom', 2, 1.25, 2.5, [7]],
      [null, 'Glass_of_water', 1, 4.4, 4.4, []],
      [null, 'Bag', 1, 0.3, 0.3, []],
    ]);
    const expectedTotal = sumDecimals(order.items.map((line: { total: number }) => Decimal.fromJsonNumber(line.total)));
    expect(Decimal.fromJsonNumber(payload.price).equals(expectedTotal)).toBe(true);
    expect(order.items.at(-1).vatRate).toBe(20);
  });

  it('lists a quote (payment -2) only among quotes, by its creation date', async () => {
    const payload = await record({ payment: '-2', privateComment: 'quote-ref-1' }, ['5']);
    const quotes = (await getJson(writes.url, '/workers/getOrders.php', { ...auth, validatedOrders: 'false' })).body;
    expect(quotes).toEqual([expect.objectContaining({ orderInternalID: payload.orderInternalID, status: 'quote', payments: [], privateComment: 'quote-ref-1' })]);
    const orders = (await getJson(writes.url, '/workers/getOrders.php', { ...auth, validatedOrders: 'true' })).body;
    expect(orders.some((order: { orderInternalID: number }) => order.orderInternalID === payload.orderInternalID)).toBe(false);
  });

  it('dates an order by dateValeur and lists it with its comments for that day', async () => {
    const dateValeur = Date.parse('2026-11-20T10:15:00Z') / 1000;
    const payload = await record({ payment: '2', dateValeur: String(dateValeur), privateComment: 'posgraph:abc-123', publicComment: 'Merci «beaucoup» & à bientôt' }, ['7_2']);
    const day = (await getJson(writes.url, '/workers/getOrders.php', { ...auth, from_date_ISO8601: '2026-11-20', to_date_ISO8601: '2026-11-20' })).body;
    const listed = day.find((order: { privateComment: string | null }) => order.privateComment === 'posgraph:abc-123');
    expect(listed).toMatchObject({ orderInternalID: payload.orderInternalID, date: '2026-11-20T11:15:00+01:00', publicComment: 'Merci «beaucoup» & à bientôt' });
  });

  it('marks a sale whose lines add up below zero as a refund, paid back by the mode given', async () => {
    const payload = await record({ payment: '1' }, ['8_-2']);
    const order = await detail(payload.orderInternalID);
    const expected = Decimal.parse('-2').mul(Decimal.parse(small.items[7]!.price)).round(2).toString();
    expect(order).toMatchObject({ isRefund: true, price: json(expected), payments: [{ paymentModeID: 1, amount: json(expected) }] });
  });

  it('honours only the French client[...] keys: English ones create no client', async () => {
    const before = writes.simulator.counts().customers;
    const payload = await record({ payment: '-1', 'client[firstname]': 'Ann', 'client[lastname]': 'Lee' }, ['1']);
    expect((await detail(payload.orderInternalID)).clientID).toBeNull();
    expect(writes.simulator.counts().customers).toBe(before);
  });

  it('prefers idClient over inline client fields', async () => {
    const before = writes.simulator.counts().customers;
    const payload = await record({ payment: '-1', idClient: '7', 'client[nom]': 'Ignored' }, ['1']);
    expect((await detail(payload.orderInternalID)).client.id).toBe(7);
    expect(writes.simulator.counts().customers).toBe(before);
  });

  it('puts the order on the register given by idcaisse', async () => {
    const payload = await record({ payment: '-1', idcaisse: '2', idtable: '4', numcouverts: '2', pagerNum: '9' }, ['1']);
    expect((await detail(payload.orderInternalID)).cashBoxID).toBe(2);
  });

  describe('rejects bad input with HTTP 200 {"result":"ERROR"} and changes nothing', () => {
    const cases: Array<[string, Record<string, string>, string[], string]> = [
      ['a missing key', { key: '' }, ['1'], 'Invalid key'],
      ['a missing payment', {}, ['1'], 'Missing parameter payment'],
      ['a payment that is not a number', { payment: 'cash' }, ['1'], 'Invalid parameter payment'],
      ['an unknown payment mode', { payment: '99' }, ['1'], 'Unknown payment mode'],
      ['a delivery method out of 0..6', { payment: '1', deliveryMethod: '7' }, ['1'], 'Invalid parameter deliveryMethod'],
      ['an unknown register', { payment: '1', idcaisse: '9' }, ['1'], 'Unknown cashbox'],
      ['an idUser that is not an integer', { payment: '1', idUser: 'bob' }, ['1'], 'Invalid parameter idUser'],
      ['an unknown client', { payment: '1', idClient: '99999' }, ['1'], 'Unknown client'],
      ['no itemsList[]', { payment: '1' }, [], 'Missing parameter itemsList'],
      ['an unknown article', { payment: '1' }, ['99999'], 'Unknown article 99999'],
      ['a quantity with a comma', { payment: '1' }, ['12_1,5'], 'Invalid quantity in item 12_1,5'],
      ['a zero quantity', { payment: '1' }, ['12_0'], 'Invalid quantity in item 12_0'],
      ['a price that is not a decimal', { payment: '1' }, ['12_1_Pizza_abc'], 'Invalid price in item 12_1_Pizza_abc'],
      ['six declinaisons', { payment: '1' }, ['12_1___1_2_3_4_5_6'], 'Too many declinaisons in item 12_1___1_2_3_4_5_6'],
      ['an unknown department', { payment: '1' }, ['-99_1.00_Thing'], 'Unknown department 99'],
      ['an amount too large for the till', { payment: '1' }, ['12_999999999_Yacht_999999999.99'], 'Invalid amount'],
      ['a free line without a title segment', { payment: '1' }, ['Free_1.00'], 'Invalid item Free_1.00'],
      ['a dateValeur that is not unix seconds', { payment: '1', dateValeur: '2026-11-20' }, ['1'], 'Invalid parameter dateValeur'],
      ['one bad line among good ones, with an inline client', { payment: '1', 'client[nom]': 'Nobody' }, ['1', '2_2', '99999'], 'Unknown article 99999'],
    ];

    it.each(cases)('%s', async (_name, fields, items, message) => {
      const before = await snapshot();
      expect(await record(fields, items)).toEqual({ result: 'ERROR', message });
      expect(await snapshot()).toEqual(before);
    });

    it('a JSON body, which PHP does not read as a form', async () => {
      const before = await snapshot();
      const response = await fetch(`${writes.url}/workers/webapp.php`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...auth, payment: 1, itemsList: ['1'] }),
      });
      expect(await response.json()).toEqual({ result: 'ERROR', message: 'Invalid key' });
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe('injected faults in the Kash dialect', () => {
  it('renders an injected failure as the ERROR envelope with the injected status', async () => {
    reads.addFault({ route: '/workers/getCashbox.php', errorRate: 1, errorStatus: 503, times: 1 });
    const response = await fetch(buildUrl(reads.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY }));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ result: 'ERROR', message: 'Injected failure' });
    reads.reset();
  });

  it('renders a rate limit as HTTP 429 with the envelope and no retry hint', async () => {
    reads.addFault({ rateLimitBurst: 1 });
    const response = await fetch(buildUrl(reads.url, '/workers/getCashbox.php', { idboutique: SHOPID, key: APIKEY }));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({ result: 'ERROR', message: 'Too many requests' });
    reads.reset();
  });

  it('counts the entities it serves, with registers as cashbooks and no bookings', () => {
    expect(reads.simulator.counts()).toEqual({
      items: dataset.items.length,
      customers: dataset.customers.length,
      sales: dataset.sales.length,
      payments: dataset.payments.length,
      cashbooks: dataset.locations.length,
      bookings: 0,
    });
  });
});

describe('webhook (seed "Get notified during a sale")', () => {
  let receiver: Server;
  let received: Array<Record<string, string>> = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  let simulator: KashSimulator;
  let running: RunningSimulator;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(Object.fromEntries(new URLSearchParams(text)));
        response.end('OK');
        if (waiting && received.length >= waiting.count) waiting.resolve();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    simulator = createKashSimulator({ sales: 300, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
    running = await startSimulator(simulator, { port: 0 });
  });

  afterAll(async () => {
    await running.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const until = (count: number): Promise<void> =>
    received.length >= count ? Promise.resolve() : new Promise((resolve) => (waiting = { count, resolve }));

  async function sell(payment: string): Promise<{ orderInternalID: number }> {
    const body = new URLSearchParams({ idboutique: SHOPID, key: APIKEY, payment, idClient: '3', idcaisse: '1' });
    body.append('itemsList[]', '1_3');
    return (await postForm(running.url, '/workers/webapp.php', body)).body;
  }

  it('calls the webhook twice for a paid sale, "validated" then "terminated", with form-encoded fields', async () => {
    received = [];
    const sale = await sell('2');
    await until(2);
    expect(received.map((notice) => notice.type)).toEqual(['validated', 'terminated']);
    const notice = received[1]!;
    expect(notice).toMatchObject({ orderInternalID: String(sale.orderInternalID), price: '0.3', clientID: '3', cashBoxID: '1', deliveryMethod: '0', isRefund: 'false', VAT: '0.02' });
    expect(JSON.parse(notice.items!)).toEqual([expect.objectContaining({ idArticle: 1, quantity: 3, total: 0.3 })]);
    expect(JSON.parse(notice.customer!)).toMatchObject({ id: 3 });
    expect(JSON.parse(notice.VATs!)).toEqual([{ rate: 5.5, amount: 0.02 }]);
  });

  it('calls it once, "validated", for a validated unpaid sale, and not at all for a quote', async () => {
    received = [];
    await sell('-2');
    const validated = await sell('-1');
    await until(1);
    expect(received).toEqual([expect.objectContaining({ type: 'validated', orderInternalID: String(validated.orderInternalID) })]);
  });
});
