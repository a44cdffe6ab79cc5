/**
 * The IncoCloud simulator over raw HTTP: the seed document's own examples, the vendor's
 * authentication and host rules, and its answers to bad input. What the client makes of
 * these answers is in client.test.ts.
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Decimal, sumDecimals } from '../../../src/core/money.ts';
import { toLocalDate } from '../../../src/core/time.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { createIncocloudSimulator } from '../../../src/vendors/incocloud/simulator.ts';

const TIME_ZONE = 'Europe/Sofia';
const data = createDataset({ seed: 101, pricePlaces: 4, currency: 'EUR' });
const small = createDataset({ seed: 101, sales: 300, pricePlaces: 4, currency: 'EUR' });

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

async function raw(url: string, init: { method?: 'GET' | 'POST' | 'DELETE'; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  const response = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

async function login(base: string, appId = 'demo-app-id', appSecret = 'demo-app-secret'): Promise<{ token: string; server_url: string }> {
  const answer = await raw(`${base}/connect/api/access_token?app_id=${appId}&app_secret=${appSecret}`);
  expect(answer.status).toBe(200);
  return answer.json as { token: string; server_url: string };
}

const decimalOf = (value: unknown): Decimal => Decimal.fromJsonNumber(value as number);

let running: RunningSimulator;
let base: string;
let token: string;
let server: string;

beforeAll(async () => {
  running = await startSimulator(createIncocloudSimulator(), { port: 0 });
  base = running.url;
  ({ token, server_url: server } = await login(base));
});

afterAll(async () => {
  await running.close();
});

describe('the seed document examples, replayed', () => {
  it('Step 2: access_token answers a token and the server_url to use from now on', async () => {
    const answer = await raw(`${base}/connect/api/access_token?app_id=demo-app-id&app_secret=demo-app-secret`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ token: expect.stringMatching(/^[0-9a-f]{48}$/), server_url: `${base}/server-sim` });
  });

  it('Step 3: GET {server_url}/connect/api/item?token= lists every item as a bare array', async () => {
    const answer = await raw(`${server}/connect/api/item?token=${token}`);
    expect(answer.status).toBe(200);
    const items = answer.json as Array<Record<string, unknown>>;
    expect(items).toHaveLength(data.items.length);
    expect(items[0]).toEqual({
      id: 1,
      code: 'SKU-00001',
      name: data.items[0]!.name,
      barcode: data.items[0]!.barcode,
      group_id: data.items[0]!.categoryId,
      price_out: 0.1,
      vat_group_id: data.items[0]!.taxId,
      catalog: data.items[0]!.categoryId !== 8,
    });
  });

  it('Example 1 (Python): include_availability=True adds stock per location that adds up to the item stock', async () => {
    const answer = await raw(`${server}/connect/api/item?token=${token}&include_availability=True`);
    const items = answer.json as Array<{ id: number; availability: Array<{ location_id: number; quantity: number }> }>;
    expect(items).toHaveLength(data.items.length);
    for (const item of items) {
      expect(item.availability.map((entry) => entry.location_id)).toEqual([1, 2, 3]);
      const total = sumDecimals(item.availability.map((entry) => decimalOf(entry.quantity)));
      expect(total.equals(Decimal.parse(data.items[item.id - 1]!.stock))).toBe(true);
    }
  });

  it("Example 2 (Node): the doc's own January 2025 range is before the shop opened, so the list is empty", async () => {
    const answer = await raw(`${server}/connect/api/sale?token=${token}&from_date=2025-01-01&to_date=2025-01-31&load_payments=true`);
    expect(answer).toMatchObject({ status: 200, json: [] });
  });

  it('Example 2 (Node): a month of sales with load_payments=true carries payments that add up to each total', async () => {
    const answer = await raw(`${server}/connect/api/sale?token=${token}&from_date=2026-10-01&to_date=2026-10-31&load_payments=true`);
    const expected = data.sales.filter((sale) => toLocalDate(sale.createdAt, TIME_ZONE).startsWith('2026-10'));
    const sales = answer.json as Array<{ id: number; total: number; payments: Array<{ amount: number }> }>;
    expect(sales.map((sale) => sale.id)).toEqual(expected.map((sale) => sale.id));
    for (const sale of sales) {
      expect(sumDecimals(sale.payments.map((payment) => decimalOf(payment.amount))).equals(decimalOf(sale.total))).toBe(true);
    }
  });

  it('Example 3 (C#): the code filter finds an item by its exact code and nothing for an unknown one', async () => {
    expect((await raw(`${server}/connect/api/item?token=${token}&code=SKU-00042`)).json).toMatchObject([{ id: 42, code: 'SKU-00042' }]);
    expect((await raw(`${server}/connect/api/item?token=${token}&code=SKU-001`)).json).toEqual([]);
  });

  it('Example 4 (PHP): POST sale with the documented body creates the sale and answers it with its new id', async () => {
    const writable = await startSimulator(createIncocloudSimulator({ sales: 300 }), { port: 0 });
    try {
      const auth = await login(writable.url);
      const answer = await raw(`${auth.server_url}/connect/api/sale?token=${encodeURIComponent(auth.token)}`, {
        method: 'POST',
        headers: { 'Content-type': 'application/json' },
        body: JSON.stringify({ location_id: 1, partner_id: 123, details: [{ item_id: 456, quantity: 2, price_out: 29.99 }] }),
      });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        id: 301,
        operation_number: 10_000_301,
        location_id: 1,
        partner_id: 123,
        total: 59.98,
        note: null,
        details: [{ item_id: 456, name: small.items[455]!.name, vat_percent: Number(small.taxes[small.items[455]!.taxId - 1]!.rate), quantity: 2, price_out: 29.99, discount: 0, total: 59.98 }],
        payments: [],
      });
      const readBack = await raw(`${auth.server_url}/connect/api/sale?token=${auth.token}&operation_number=10000301`);
      expect(readBack.json).toMatchObject([{ id: 301, total: 59.98 }]);
    } finally {
      await writable.close();
    }
  });
});

describe('authentication', () => {
  beforeEach(() => running.reset());

  it.each([
    ['a wrong secret', 'app_id=demo-app-id&app_secret=nope'],
    ['an unknown application', 'app_id=nope&app_secret=demo-app-secret'],
    ['no secret', 'app_id=demo-app-id'],
    ['no parameters', ''],
  ])('refuses %s with 401 "Invalid credentials"', async (_, query) => {
    const answer = await raw(`${base}/connect/api/access_token?${query}`);
    expect(answer).toMatchObject({ status: 401, json: { error: 'Invalid credentials' } });
  });

  it('refuses a missing or unknown token with 401 "Invalid token"', async () => {
    expect(await raw(`${server}/connect/api/item`)).toMatchObject({ status: 401, json: { error: 'Invalid token' } });
    expect(await raw(`${server}/connect/api/item?token=deadbeef`)).toMatchObject({ status: 401, json: { error: 'Invalid token' } });
  });

  it('keeps every issued token valid until tokens are revoked, then refuses them all', async () => {
    const second = await login(base);
    expect((await raw(`${server}/connect/api/location?token=${token}`)).status).toBe(200);
    expect((await raw(`${server}/connect/api/location?token=${second.token}`)).status).toBe(200);
    running.addFault({ expireTokens: true });
    expect(await raw(`${server}/connect/api/location?token=${token}`)).toMatchObject({ status: 401, json: { error: 'Invalid token' } });
    expect(await raw(`${server}/connect/api/location?token=${second.token}`)).toMatchObject({ status: 401, json: { error: 'Invalid token' } });
    ({ token } = await login(base));
    expect((await raw(`${server}/connect/api/location?token=${token}`)).status).toBe(200);
  });

  it('answers 403 "Wrong server" to a valid token used on the generic host', async () => {
    expect(await raw(`${base}/connect/api/item?token=${token}`)).toMatchObject({ status: 403, json: { error: 'Wrong server' } });
  });

  it('hands out tokens on the account server too', async () => {
    expect((await raw(`${server}/connect/api/access_token?app_id=demo-app-id&app_secret=demo-app-secret`)).status).toBe(200);
  });

  it.each(['incocloud.com', 'server-xyz.incocloud.com', '192.168.1.10:4101'])(
    'answers 403 "Insecure connection" to plain HTTP for the host %s',
    async (host) => {
      const headers = { host };
      expect(await raw(`${base}/connect/api/access_token?app_id=demo-app-id&app_secret=demo-app-secret`, { headers })).toMatchObject({
        status: 403,
        json: { error: 'Insecure connection' },
      });
      expect(await raw(`${server}/connect/api/item?token=${token}`, { headers })).toMatchObject({ status: 403, json: { error: 'Insecure connection' } });
    },
  );

  it.each(['localhost', 'localhost:4101', '127.0.0.1', '[::1]:4101'])('exempts the loopback host %s from the HTTPS rule', async (host) => {
    expect((await raw(`${server}/connect/api/location?token=${token}`, { headers: { host } })).status).toBe(200);
  });
});

describe('the СУПТО localization', () => {
  it('reads like any account but refuses POST sale with 403 "Permission denied", storing nothing', async () => {
    const supto = await login(base, 'demo-supto-app-id', 'demo-supto-app-secret');
    expect(supto.server_url).toBe(server);
    expect((await raw(`${server}/connect/api/item?token=${supto.token}&id=1`)).json).toMatchObject([{ id: 1 }]);
    const before = running.simulator.counts();
    const answer = await raw(`${server}/connect/api/sale?token=${supto.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location_id: 1, details: [{ item_id: 1, quantity: 1 }] }),
    });
    expect(answer).toMatchObject({ status: 403, json: { error: 'Permission denied' } });
    expect(running.simulator.counts()).toEqual(before);
  });

  it('lists both demo applications in its credentials', () => {
    expect(running.simulator.credentials(base)).toEqual({
      app_id: 'demo-app-id',
      app_secret: 'demo-app-secret',
      supto_app_id: 'demo-supto-app-id',
      supto_app_secret: 'demo-supto-app-secret',
    });
  });
});

describe('routing', () => {
  it.each([
    ['an unknown resource', 'GET', '/server-sim/connect/api/nonsense'],
    ['a documented resource the simulator does not serve', 'GET', '/server-sim/connect/api/invoice'],
    ['a method the resource does not take', 'DELETE', '/server-sim/connect/api/sale'],
    ['POST on a read-only resource', 'POST', '/server-sim/connect/api/item'],
    ['a path outside the API', 'GET', '/server-sim/other'],
  ] as const)('answers 404 "Not found" to %s', async (_, method, path) => {
    expect(await raw(`${base}${path}?token=${token}`, { method, body: method === 'POST' ? '{}' : undefined })).toMatchObject({
      status: 404,
      json: { error: 'Not found' },
    });
  });

  it('checks the token before the resource, so an unknown resource with a bad token is 401', async () => {
    expect(await raw(`${server}/connect/api/nonsense?token=bad`)).toMatchObject({ status: 401, json: { error: 'Invalid token' } });
  });
});

describe('query parameters', () => {
  it.each(['true', 'True', '1'])('reads %s as true', async (word) => {
    const items = (await raw(`${server}/connect/api/item?token=${token}&id=7&include_availability=${word}`)).json as Array<Record<string, unknown>>;
    expect(items[0]).toHaveProperty('availability');
  });

  it.each(['false', 'False', '0'])('reads %s as false', async (word) => {
    const items = (await raw(`${server}/connect/api/item?token=${token}&id=7&include_availability=${word}`)).json as Array<Record<string, unknown>>;
    expect(items[0]).not.toHaveProperty('availability');
  });

  it.each([
    ['a boolean that is not one', 'item', 'only_available=yes'],
    ['an id that is not an integer', 'item', 'id=abc'],
    ['a negative id', 'partner', 'id=-3'],
    ['a date that does not exist', 'sale', 'from_date=2026-02-30'],
    ['a date in another format', 'payment', 'to_date=20.11.2026'],
    ['a date with a time', 'booking', 'from_date=2026-11-20%2010:00:00'],
  ])('answers 400 "Invalid parameters" to %s', async (_, resource, query) => {
    expect(await raw(`${server}/connect/api/${resource}?token=${token}&${query}`)).toMatchObject({ status: 400, json: { error: 'Invalid parameters' } });
  });

  it('treats an empty parameter as absent', async () => {
    expect((await raw(`${server}/connect/api/partner?token=${token}&id=&group_id=`)).json).toHaveLength(data.customers.length);
  });

  it('ignores parameters it does not know', async () => {
    expect((await raw(`${server}/connect/api/location?token=${token}&limit=1`)).json).toHaveLength(3);
  });

  it('answers an unknown id with an empty list, not a 404', async () => {
    expect(await raw(`${server}/connect/api/item?token=${token}&id=999999`)).toMatchObject({ status: 200, json: [] });
    expect(await raw(`${server}/connect/api/sale?token=${token}&operation_number=1`)).toMatchObject({ status: 200, json: [] });
  });
});

describe('POST sale', () => {
  let writable: RunningSimulator;
  let auth: { token: string; server_url: string };
  const post = (body: string): Promise<RawAnswer> =>
    raw(`${auth.server_url}/connect/api/sale?token=${auth.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    writable = await startSimulator(createIncocloudSimulator({ sales: 300 }), { port: 0 });
    auth = await login(writable.url);
  });

  afterAll(async () => {
    await writable.close();
  });

  it.each([
    ['a body that is not JSON', '{"location_id":1,'],
    ['no details', '{"location_id":1}'],
    ['empty details', '{"location_id":1,"details":[]}'],
    ['no location', '{"details":[{"item_id":1,"quantity":1}]}'],
    ['an unknown location', '{"location_id":9,"details":[{"item_id":1,"quantity":1}]}'],
    ['an unknown partner', '{"location_id":1,"partner_id":99999,"details":[{"item_id":1,"quantity":1}]}'],
    ['an unknown item among known ones', '{"location_id":1,"details":[{"item_id":1,"quantity":1},{"item_id":99999,"quantity":1}]}'],
    ['a zero quantity', '{"location_id":1,"details":[{"item_id":1,"quantity":0}]}'],
    ['a quantity as a string', '{"location_id":1,"details":[{"item_id":1,"quantity":"2"}]}'],
    ['a quantity with 4 decimals', '{"location_id":1,"details":[{"item_id":1,"quantity":1.0005}]}'],
    ['a price with 5 decimals', '{"location_id":1,"details":[{"item_id":1,"quantity":1,"price_out":1.00001}]}'],
    ['a negative price', '{"location_id":1,"details":[{"item_id":1,"quantity":1,"price_out":-1}]}'],
    ['a note longer than 255 characters', JSON.stringify({ location_id: 1, note: 'x'.repeat(256), details: [{ item_id: 1, quantity: 1 }] })],
  ])('refuses %s with 400 "Invalid data" and stores nothing', async (_, body) => {
    const before = writable.simulator.counts();
    const salesBefore = (await raw(`${auth.server_url}/connect/api/sale?token=${auth.token}`)).json;
    expect(await post(body)).toMatchObject({ status: 400, json: { error: 'Invalid data' } });
    expect(writable.simulator.counts()).toEqual(before);
    expect((await raw(`${auth.server_url}/connect/api/sale?token=${auth.token}`)).json).toEqual(salesBefore);
  });

  it('sells at the catalog price when price_out is left out, without a partner, to the cent', async () => {
    const answer = await post(JSON.stringify({ location_id: 2, details: [{ item_id: 1, quantity: 1 }, { item_id: 2, quantity: 1 }, { item_id: 6, quantity: 3 }] }));
    expect(answer.status).toBe(200);
    // 0.10 + 0.20 + round2(3 × 0.0125) = 0.30 + 0.04
    expect(answer.json).toMatchObject({
      partner_id: null,
      location_id: 2,
      total: 0.34,
      details: [
        { item_id: 1, name: small.items[0]!.name, price_out: Number(small.items[0]!.price), total: 0.1 },
        { item_id: 2, price_out: 0.2, total: 0.2 },
        { item_id: 6, quantity: 3, price_out: 0.0125, total: 0.04 },
      ],
    });
    expect((answer.json as { date: string }).date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('stores the note, and GET sale finds the sale by it', async () => {
    const answer = await post(JSON.stringify({ location_id: 3, partner_id: 5, note: 'posgraph:abc-123', details: [{ item_id: 10, quantity: 1.5, price_out: 2.675 }] }));
    expect(answer.json).toMatchObject({ note: 'posgraph:abc-123', total: 4.01, details: [{ quantity: 1.5, total: 4.01 }] });
    const created = answer.json as { id: number; date: string };
    const found = await raw(`${auth.server_url}/connect/api/sale?token=${auth.token}&note=posgraph:abc-123`);
    expect(found.json).toEqual([expect.objectContaining({ id: created.id, note: 'posgraph:abc-123' })]);
    const day = created.date.slice(0, 10);
    const byPartnerAndDay = await raw(`${auth.server_url}/connect/api/sale?token=${auth.token}&partner_id=5&from_date=${day}&to_date=${day}`);
    expect((byPartnerAndDay.json as Array<{ id: number }>).map((sale) => sale.id)).toContain(created.id);
    expect(writable.simulator.counts().sales).toBe(302);
  });
});

describe('injected faults, in the vendor dialect', () => {
  beforeEach(() => running.reset());

  it('renders an injected error as {"error": message} with the asked status', async () => {
    running.addFault({ route: '/server-sim/connect/api/location', errorRate: 1, errorStatus: 503 });
    expect(await raw(`${server}/connect/api/location?token=${token}`)).toMatchObject({ status: 503, json: { error: 'Injected failure' } });
  });

  it('answers a rate limit with 429 "Rate limit exceeded" and no retry header, as the vendor sends none', async () => {
    running.addFault({ route: '/server-sim/connect/api/location', rateLimitBurst: 1 });
    const answer = await raw(`${server}/connect/api/location?token=${token}`);
    expect(answer).toMatchObject({ status: 429, json: { error: 'Rate limit exceeded' } });
    expect(Object.keys(answer.headers).filter((name) => /retry|ratelimit/i.test(name))).toEqual([]);
  });

  it('counts the entities it serves, with no cashbooks', () => {
    expect(running.simulator.counts()).toEqual({
      items: data.items.length,
      customers: data.customers.length,
      sales: data.sales.length,
      payments: data.payments.length,
      cashbooks: 0,
      bookings: data.bookings.length,
    });
  });
});
