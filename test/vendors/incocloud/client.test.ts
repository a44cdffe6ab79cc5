/**
 * IncocloudClient against the simulator on loopback. Expected values come from the same
 * `createDataset(...)` the simulator renders, never from the client itself.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  VendorAuthError,
  VendorConnectionError,
  VendorError,
  VendorMalformedResponseError,
  VendorNotFoundError,
  VendorRateLimitedError,
  VendorRejectedError,
  VendorTimeoutError,
  VendorUnavailableError,
} from '../../../src/core/errors.ts';
import { HttpTransport, type CallSite, type HttpRequest, type HttpResponse } from '../../../src/core/http.ts';
import { Decimal, sumDecimals } from '../../../src/core/money.ts';
import { toLocalDate, toLocalDateTime } from '../../../src/core/time.ts';
import { createDataset, type Dataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { IncocloudClient, type IncocloudCredentials } from '../../../src/vendors/incocloud/client.ts';
import { createIncocloudSimulator } from '../../../src/vendors/incocloud/simulator.ts';

const TIME_ZONE = 'Europe/Sofia';
const CREDENTIALS: IncocloudCredentials = { appId: 'demo-app-id', appSecret: 'demo-app-secret' };
const SUPTO_CREDENTIALS: IncocloudCredentials = { appId: 'demo-supto-app-id', appSecret: 'demo-supto-app-secret' };
const LOGIN_ROUTE = 'GET /connect/api/access_token';
const STATUS_IDS = { CONFIRMED: 1, CHECKED_IN: 2, CHECKED_OUT: 3, CANCELLED: 4 } as const;

const data = createDataset({ seed: 101, pricePlaces: 4, currency: 'EUR' });

/** The real transport, remembering every token it carried and letting a test bend a request or answer. */
class ObservingTransport extends HttpTransport {
  readonly tokens = new Set<string>();
  beforeSend: ((request: HttpRequest) => HttpRequest) | undefined;
  afterReceive: ((request: HttpRequest, response: HttpResponse) => HttpResponse) | undefined;

  override async send(site: CallSite, request: HttpRequest): Promise<HttpResponse> {
    const token = request.url.searchParams.get('token');
    if (token) this.tokens.add(token);
    const sent = this.beforeSend ? this.beforeSend(request) : request;
    const response = await super.send(site, sent);
    return this.afterReceive ? this.afterReceive(sent, response) : response;
  }
}

function newClient(running: RunningSimulator, transport = new ObservingTransport(), credentials = CREDENTIALS): IncocloudClient {
  return new IncocloudClient({ connection: 'inco-test', baseUrl: running.url, credentials, transport });
}

async function failureOf(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(VendorError);
    return error as VendorError;
  }
  throw new Error('expected the call to fail');
}

/** No credential the client ever held shows up in what it throws. */
function expectNoSecrets(error: unknown, transport: ObservingTransport, credentials = CREDENTIALS): void {
  const secrets = [credentials.appSecret, ...transport.tokens];
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(String(error)).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect((error as VendorError).vendorMessage ?? '').not.toContain(secret);
  }
}

const exact = (value: number): Decimal => Decimal.fromJsonNumber(value);
const sameAmount = (value: number, expected: string): boolean => exact(value).equals(Decimal.parse(expected));
const localDate = (iso: string): string => toLocalDate(iso, TIME_ZONE);

let running: RunningSimulator;
let transport: ObservingTransport;
let client: IncocloudClient;

beforeAll(async () => {
  running = await startSimulator(createIncocloudSimulator(), { port: 0 });
  transport = new ObservingTransport();
  client = newClient(running, transport);
});

afterAll(async () => {
  await running.close();
});

describe('items', () => {
  it('lists every item with its code, name, barcode, group, VAT group and exact price', async () => {
    const items = await client.listItems();
    expect(items).toHaveLength(data.items.length);
    for (const [index, item] of items.entries()) {
      const expected = data.items[index]!;
      expect(item).toMatchObject({ id: expected.id, code: expected.code, name: expected.name, barcode: expected.barcode, group_id: expected.categoryId, vat_group_id: expected.taxId });
      expect(sameAmount(item.price_out, expected.price)).toBe(true);
      expect(item.availability).toBeUndefined();
    }
    expect(items.slice(0, 10).map((item) => item.price_out)).toEqual([0.1, 0.2, 0.3, 1.005, 2.675, 0.0125, 19.999, 1.1, 33.3333, 0.07]);
  });

  it('gets one item by id with its stock per location, and undefined for an unknown id', async () => {
    const expected = data.items[41]!;
    const item = await client.getItem(42, { include_availability: true });
    expect(item).toMatchObject({ id: 42, code: expected.code });
    expect(sumDecimals(item!.availability!.map((entry) => exact(entry.quantity))).equals(Decimal.parse(expected.stock))).toBe(true);
    expect(await client.getItem(999_999)).toBeUndefined();
  });

  it('filters by group, tag, code and catalog', async () => {
    const ids = async (query: Parameters<IncocloudClient['listItems']>[0]): Promise<number[]> => (await client.listItems(query)).map((item) => item.id);
    expect(await ids({ group_id: 3 })).toEqual(data.items.filter((item) => item.categoryId === 3).map((item) => item.id));
    expect(await ids({ tag_id: 1 })).toEqual(data.items.filter((item) => item.soldByWeight).map((item) => item.id));
    expect(await ids({ tag_id: 2 })).toEqual(data.items.filter((item) => item.barcode === null).map((item) => item.id));
    expect(await ids({ code: 'SKU-00777' })).toEqual([777]);
    expect(await ids({ catalog: false })).toEqual(data.items.filter((item) => item.categoryId === 8).map((item) => item.id));
    expect(await ids({ catalog: true, group_id: 8 })).toEqual([]);
  });

  it('keeps only items in stock with only_available, at one location when location_id is given', async () => {
    const anywhere = await client.listItems({ only_available: true });
    expect(anywhere.map((item) => item.id)).toEqual(data.items.filter((item) => Decimal.parse(item.stock).compare(Decimal.zero) > 0).map((item) => item.id));
    const atKiosk = await client.listItems({ only_available: true, location_id: 2, include_availability: true });
    expect(atKiosk.length).toBeGreaterThan(0);
    expect(atKiosk.length).toBeLessThan(anywhere.length);
    for (const item of atKiosk) {
      expect(item.availability).toEqual([{ location_id: 2, quantity: expect.any(Number) }]);
      expect(item.availability![0]!.quantity).toBeGreaterThan(0);
    }
  });

  it('lists item groups, item tags and VAT groups from the shop configuration', async () => {
    expect(await client.listItemGroups()).toEqual(data.categories.map(({ id, name }) => ({ id, name })));
    expect(await client.listItemTags()).toEqual([
      { id: 1, name: 'Sold by weight' },
      { id: 2, name: 'No barcode' },
    ]);
    expect(await client.listVatGroups()).toEqual(data.taxes.map(({ id, name, rate }) => ({ id, name, percent: Number(rate) })));
  });
});

describe('sales', () => {
  const operationNumber = (sale: Dataset['sales'][number]): number => sale.locationId * 10_000_000 + sale.id;

  it('lists the sales of an inclusive range of local days, with exact lines', async () => {
    const sales = await client.listSales({ from_date: '2026-11-19', to_date: '2026-11-20' });
    const expected = data.sales.filter((sale) => ['2026-11-19', '2026-11-20'].includes(localDate(sale.createdAt)));
    expect(sales.map((sale) => sale.id)).toEqual(expected.map((sale) => sale.id));
    for (const [index, sale] of sales.entries()) {
      const source = expected[index]!;
      expect(sale).toMatchObject({
        operation_number: operationNumber(source),
        date: toLocalDateTime(source.createdAt, TIME_ZONE),
        location_id: source.locationId,
        partner_id: source.customerId,
        note: source.note,
      });
      expect(sale.payments).toBeUndefined();
      expect(sameAmount(sale.total, source.total)).toBe(true);
      expect(sale.details).toHaveLength(source.lines.length);
      for (const [lineIndex, detail] of sale.details.entries()) {
        const line = source.lines[lineIndex]!;
        expect(detail).toMatchObject({ item_id: line.itemId, name: line.name, vat_percent: Number(line.taxRate) });
        expect(sameAmount(detail.quantity, line.quantity) && sameAmount(detail.price_out, line.unitPrice)).toBe(true);
        expect(sameAmount(detail.discount, line.discount) && sameAmount(detail.total, line.total)).toBe(true);
      }
    }
  });

  it('keeps the awkward first sale exact: 0.10 + 0.20 + 0.30 is 0.60', async () => {
    const first = await client.getSale(operationNumber(data.sales[0]!));
    expect(first?.details.map((detail) => detail.total)).toEqual([0.1, 0.2, 0.3]);
    expect(first?.total).toBe(0.6);
  });

  it('filters by location and by partner', async () => {
    const atStall = await client.listSales({ location_id: 3 });
    expect(atStall.map((sale) => sale.id)).toEqual(data.sales.filter((sale) => sale.locationId === 3).map((sale) => sale.id));
    const partnerId = data.sales.find((sale) => sale.customerId !== null)!.customerId!;
    const bought = await client.listSales({ partner_id: partnerId, location_id: 1 });
    expect(bought.map((sale) => sale.id)).toEqual(data.sales.filter((sale) => sale.customerId === partnerId && sale.locationId === 1).map((sale) => sale.id));
  });

  it('gets a sale by operation number, with its payments on request', async () => {
    const source = data.sales.find((sale) => data.payments.filter((payment) => payment.saleId === sale.id).length === 2)!;
    const sale = await client.getSale(operationNumber(source), { load_payments: true });
    expect(sale?.id).toBe(source.id);
    const expectedPayments = data.payments.filter((payment) => payment.saleId === source.id);
    expect(sale?.payments?.map((payment) => payment.id)).toEqual(expectedPayments.map((payment) => payment.id));
    expect(sumDecimals(sale!.payments!.map((payment) => exact(payment.amount))).equals(Decimal.parse(source.total))).toBe(true);
  });

  it('answers undefined for an operation number it does not know', async () => {
    expect(await client.getSale(424_242)).toBeUndefined();
  });
});

describe('payments', () => {
  it('lists payments of a range of local days, with type, amount and operation', async () => {
    const payments = await client.listPayments({ from_date: '2026-09-01', to_date: '2026-09-07' });
    const saleById = new Map(data.sales.map((sale) => [sale.id, sale]));
    const expected = data.payments.filter((payment) => localDate(payment.createdAt) >= '2026-09-01' && localDate(payment.createdAt) <= '2026-09-07');
    expect(payments.map((payment) => payment.id)).toEqual(expected.map((payment) => payment.id));
    for (const [index, payment] of payments.entries()) {
      const source = expected[index]!;
      const sale = saleById.get(source.saleId)!;
      expect(payment).toMatchObject({ payment_type_id: source.methodId, operation_number: sale.locationId * 10_000_000 + sale.id });
      expect(sameAmount(payment.amount, source.amount)).toBe(true);
    }
  });

  it('filters payments by operation number, partner and location', async () => {
    const sale = data.sales[100]!;
    expect((await client.listPayments({ operation_number: sale.locationId * 10_000_000 + sale.id })).map((payment) => payment.id)).toEqual(
      data.payments.filter((payment) => payment.saleId === sale.id).map((payment) => payment.id),
    );
    const saleById = new Map(data.sales.map((entry) => [entry.id, entry]));
    const partnerId = data.sales.find((entry) => entry.customerId !== null)!.customerId!;
    expect((await client.listPayments({ partner_id: partnerId })).map((payment) => payment.id)).toEqual(
      data.payments.filter((payment) => saleById.get(payment.saleId)!.customerId === partnerId).map((payment) => payment.id),
    );
    expect(await client.listPayments({ location_id: 2 })).toHaveLength(data.payments.filter((payment) => saleById.get(payment.saleId)!.locationId === 2).length);
  });

  it('lists the payment types', async () => {
    expect(await client.listPaymentTypes()).toEqual(data.paymentMethods.map(({ id, name }) => ({ id, name })));
  });
});

describe('partners and locations', () => {
  it('lists every customer as a partner, companies under their company name', async () => {
    const partners = await client.listPartners();
    expect(partners).toHaveLength(data.customers.length);
    for (const [index, partner] of partners.entries()) {
      const customer = data.customers[index]!;
      const person = `${customer.firstName} ${customer.lastName}`;
      expect(partner).toEqual({
        id: customer.id,
        code: `C-${String(customer.id).padStart(5, '0')}`,
        name: customer.company ?? person,
        contact_person: person,
        email: customer.email,
        phone: customer.phone,
        address: customer.street,
        city: customer.city,
        post_code: customer.zipCode,
        country: customer.country,
        vat_number: customer.vatNumber,
        group_id: customer.company === null ? 1 : 2,
      });
    }
  });

  it('gets a partner by id, and filters by code and group', async () => {
    expect(await client.getPartner(17)).toMatchObject({ id: 17, code: 'C-00017' });
    expect(await client.getPartner(99_999)).toBeUndefined();
    expect(await client.listPartners({ code: 'C-00200' })).toMatchObject([{ id: 200 }]);
    expect((await client.listPartners({ group_id: 2 })).map((partner) => partner.id)).toEqual(data.customers.filter((customer) => customer.company !== null).map((customer) => customer.id));
    expect(await client.listPartnerGroups()).toEqual([
      { id: 1, name: 'Retail customers' },
      { id: 2, name: 'Business customers' },
    ]);
  });

  it('lists the locations', async () => {
    expect(await client.listLocations()).toEqual(data.locations.map(({ id, name }) => ({ id, name })));
  });
});

describe('bookings and reservations', () => {
  it('lists every booking with its partner, place, status, local times and exact total', async () => {
    const bookings = await client.listBookings();
    expect(bookings).toHaveLength(data.bookings.length);
    for (const [index, booking] of bookings.entries()) {
      const source = data.bookings[index]!;
      expect(booking).toMatchObject({
        id: source.id,
        partner_id: source.customerId,
        location_id: source.locationId,
        booking_status_id: STATUS_IDS[source.status],
        from_date: toLocalDateTime(source.startsAt, TIME_ZONE),
        to_date: toLocalDateTime(source.endsAt, TIME_ZONE),
        item_ids: source.itemIds,
      });
      expect(sameAmount(booking.total, source.total)).toBe(true);
    }
    expect(await client.listBookingStatuses()).toEqual([
      { id: 1, name: 'Confirmed' },
      { id: 2, name: 'Checked in' },
      { id: 3, name: 'Checked out' },
      { id: 4, name: 'Cancelled' },
    ]);
  });

  it('gets a booking by id, and filters by partner and by the days a stay overlaps', async () => {
    const source = data.bookings[10]!;
    expect(await client.getBooking(source.id)).toMatchObject({ id: source.id, partner_id: source.customerId });
    expect(await client.getBooking(99_999)).toBeUndefined();
    expect((await client.listBookings({ partner_id: source.customerId })).map((booking) => booking.id)).toEqual(
      data.bookings.filter((booking) => booking.customerId === source.customerId).map((booking) => booking.id),
    );
    const overlapping = await client.listBookings({ from_date: '2026-10-10', to_date: '2026-10-12' });
    expect(overlapping.map((booking) => booking.id)).toEqual(
      data.bookings.filter((booking) => localDate(booking.endsAt) >= '2026-10-10' && localDate(booking.startsAt) <= '2026-10-12').map((booking) => booking.id),
    );
  });

  it('lists table reservations, one per 100 sales, and filters them like the full list', async () => {
    const all = await client.listReservations();
    expect(all).toHaveLength(50);
    expect(new Set(all.map((reservation) => reservation.id)).size).toBe(50);
    const customerIds = new Set(data.customers.map((customer) => customer.id));
    for (const reservation of all) {
      expect(reservation.partner_id === null || customerIds.has(reservation.partner_id)).toBe(true);
      expect(reservation.date >= '2026-08-23' && reservation.date <= '2026-11-21').toBe(true);
    }
    const partnerId = all.find((reservation) => reservation.partner_id !== null)!.partner_id!;
    expect(await client.listReservations({ partner_id: partnerId })).toEqual(all.filter((reservation) => reservation.partner_id === partnerId));
    expect(await client.listReservations({ location_id: 2, from_date: '2026-10-01', to_date: '2026-10-31' })).toEqual(
      all.filter((reservation) => reservation.location_id === 2 && reservation.date.startsWith('2026-10')),
    );
    expect(await client.listReservations({ id: all[3]!.id })).toEqual([all[3]]);
  });
});

describe('createSale', () => {
  let writable: RunningSimulator;
  let writer: IncocloudClient;

  beforeAll(async () => {
    writable = await startSimulator(createIncocloudSimulator({ sales: 300 }), { port: 0 });
    writer = newClient(writable);
  });

  afterAll(async () => {
    await writable.close();
  });

  it('creates an unpaid sale that later reads return', async () => {
    const created = await writer.createSale({
      location_id: 2,
      partner_id: 7,
      note: 'posgraph:first',
      details: [
        { item_id: 4, quantity: 3, price_out: 1.005 },
        { item_id: 9, quantity: 0.25 },
      ],
    });
    // round2(3 × 1.005) = 3.02 (not 3.01 as a float would say); round2(0.25 × 33.3333) = 8.33
    expect(created).toMatchObject({ id: 301, operation_number: 20_000_301, location_id: 2, partner_id: 7, total: 11.35, payments: [] });
    expect(created.details.map((detail) => detail.total)).toEqual([3.02, 8.33]);
    const small = createDataset({ seed: 101, sales: 300, pricePlaces: 4 });
    const taxOf = (itemId: number): number => Number(small.taxes[small.items[itemId - 1]!.taxId - 1]!.rate);
    expect(created.details.map((detail) => [detail.name, detail.vat_percent])).toEqual([
      [small.items[3]!.name, taxOf(4)],
      [small.items[8]!.name, taxOf(9)],
    ]);
    expect(await writer.getSale(created.operation_number, { load_payments: true })).toEqual(created);
    expect(writable.simulator.counts().sales).toBe(301);
  });

  it('finds a written sale by its note around the time it was sent, and nothing for an unknown note', async () => {
    const sentAt = new Date();
    const created = await writer.createSale({ location_id: 1, note: 'posgraph:lookup', details: [{ item_id: 1, quantity: 1 }] });
    expect(await writer.findSalesByNote('posgraph:lookup', { around: sentAt, location_id: 1 })).toEqual([expect.objectContaining({ id: created.id })]);
    expect(await writer.findSalesByNote('posgraph:never-sent', { around: sentAt })).toEqual([]);
  });

  it('refuses unknown ids with VendorRejectedError "Invalid data" and stores nothing', async () => {
    const before = writable.simulator.counts();
    const error = await failureOf(writer.createSale({ location_id: 1, details: [{ item_id: 123_456, quantity: 1 }] }));
    expect(error).toBeInstanceOf(VendorRejectedError);
    expect(error).toMatchObject({ status: 400, vendorMessage: 'Invalid data', retryable: false });
    expect(writable.simulator.counts()).toEqual(before);
  });

  it('gets VendorAuthError "Permission denied" under the СУПТО localization, whose reads still work', async () => {
    const suptoTransport = new ObservingTransport();
    const supto = newClient(writable, suptoTransport, SUPTO_CREDENTIALS);
    expect(await supto.listLocations()).toHaveLength(3);
    const error = await failureOf(supto.createSale({ location_id: 1, details: [{ item_id: 1, quantity: 1 }] }));
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(error).toMatchObject({ status: 403, vendorMessage: 'Permission denied' });
    expectNoSecrets(error, suptoTransport, SUPTO_CREDENTIALS);
  });
});

describe('authentication', () => {
  beforeEach(() => running.reset());

  it('shares one login among concurrent first calls', async () => {
    const fresh = newClient(running);
    const answers = await Promise.all([fresh.listLocations(), fresh.listPaymentTypes(), fresh.getItem(1), fresh.listItemTags(), fresh.getPartner(1)]);
    expect(answers[0]).toHaveLength(3);
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(1);
    await fresh.listLocations();
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(1);
  });

  it('fails with VendorAuthError "Invalid credentials" on a wrong secret, and tries again on the next call', async () => {
    const wrongTransport = new ObservingTransport();
    const wrong = newClient(running, wrongTransport, { appId: 'demo-app-id', appSecret: 'not-the-secret' });
    const error = await failureOf(wrong.listLocations());
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(error).toMatchObject({ status: 401, vendorMessage: 'Invalid credentials', code: 'VENDOR_AUTH_FAILED', vendor: 'incocloud', connection: 'inco-test' });
    expectNoSecrets(error, wrongTransport, { appId: 'demo-app-id', appSecret: 'not-the-secret' });
    await failureOf(wrong.listLocations());
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(2);
  });

  it('renews a revoked token once and repeats the call, transparently', async () => {
    const fresh = newClient(running);
    await fresh.listLocations();
    running.addFault({ expireTokens: true });
    expect(await fresh.listLocations()).toHaveLength(3);
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(2);
  });

  it('renews once only: a token refused again fails with VendorAuthError "Invalid token"', async () => {
    const revoking = new ObservingTransport();
    revoking.beforeSend = (request) => {
      if (request.url.pathname.endsWith('/location')) running.simulator.expireTokens();
      return request;
    };
    const fresh = newClient(running, revoking);
    const error = await failureOf(fresh.listLocations());
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(error).toMatchObject({ status: 401, vendorMessage: 'Invalid token' });
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(2);
    expect(running.stats().byRoute['GET /server-sim/connect/api/location']).toBe(2);
    expectNoSecrets(error, revoking);
  });

  it('renews the token when told "Wrong server", then uses the server_url that comes with it', async () => {
    const misrouting = new ObservingTransport();
    let misrouted = false;
    misrouting.beforeSend = (request) => {
      if (misrouted || !request.url.pathname.startsWith('/server-sim/')) return request;
      misrouted = true;
      const url = new URL(request.url);
      url.pathname = url.pathname.replace('/server-sim', '');
      return { ...request, url };
    };
    const fresh = newClient(running, misrouting);
    expect(await fresh.listLocations()).toHaveLength(3);
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(2);
    expect(running.stats().byRoute['GET /connect/api/location']).toBe(1);
  });

  it('never puts the token in what it throws', async () => {
    running.addFault({ route: '/server-sim/connect/api/location', errorRate: 1, errorStatus: 500 });
    const error = await failureOf(client.listLocations());
    expect(transport.tokens.size).toBeGreaterThan(0);
    expectNoSecrets(error, transport);
  });
});

describe('faults, as the client reports them', () => {
  const ROUTE = '/server-sim/connect/api/location';

  beforeAll(async () => {
    running.reset();
    await client.listLocations();
  });

  beforeEach(() => running.reset());

  it('gives up with VendorTimeoutError when the answer is slower than the caller waits', async () => {
    running.addFault({ route: ROUTE, latencyMs: 2_000 });
    const error = await failureOf(client.listLocations({ signal: AbortSignal.timeout(50) }));
    expect(error).toBeInstanceOf(VendorTimeoutError);
    expectNoSecrets(error, transport);
  });

  it('gives up with VendorTimeoutError while waiting for a slow login', async () => {
    running.addFault({ route: '/connect/api/access_token', latencyMs: 2_000 });
    const error = await failureOf(newClient(running).listLocations({ signal: AbortSignal.timeout(50) }));
    expect(error).toBeInstanceOf(VendorTimeoutError);
  });

  it.each([
    [400, 'VendorRejectedError', VendorRejectedError],
    [401, 'VendorAuthError', VendorAuthError],
    [403, 'VendorAuthError', VendorAuthError],
    [404, 'VendorNotFoundError', VendorNotFoundError],
    [500, 'VendorUnavailableError', VendorUnavailableError],
    [503, 'VendorUnavailableError', VendorUnavailableError],
  ] as const)('maps an injected %i to %s with the vendor message', async (status, _, errorClass) => {
    running.addFault({ route: ROUTE, errorRate: 1, errorStatus: status });
    const error = await failureOf(client.listLocations());
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, vendorMessage: 'Injected failure' });
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBeUndefined();
  });

  it('reports a rate limit as VendorRateLimitedError without retryAfterMs, since the vendor gives no hint', async () => {
    running.addFault({ route: ROUTE, rateLimitBurst: 1 });
    const error = await failureOf(client.listLocations());
    expect(error).toBeInstanceOf(VendorRateLimitedError);
    expect(error).toMatchObject({ status: 429, vendorMessage: 'Rate limit exceeded', retryable: true });
    expect((error as VendorRateLimitedError).retryAfterMs).toBeUndefined();
    expect(await client.listLocations()).toHaveLength(3);
  });

  it('reports a rate-limited login as VendorRateLimitedError', async () => {
    running.addFault({ route: '/connect/api/access_token', rateLimitBurst: 1 });
    const error = await failureOf(newClient(running).listLocations());
    expect(error).toBeInstanceOf(VendorRateLimitedError);
  });

  it('re-authenticates transparently after tokens expire', async () => {
    running.addFault({ expireTokens: true });
    expect(await client.listLocations()).toHaveLength(3);
    expect(running.stats().byRoute[LOGIN_ROUTE]).toBe(1);
  });

  it('reports invalid JSON as VendorMalformedResponseError', async () => {
    running.addFault({ route: ROUTE, malformed: 'invalid' });
    expect(await failureOf(client.listLocations())).toBeInstanceOf(VendorMalformedResponseError);
  });

  it('reports a body cut short as VendorConnectionError or VendorMalformedResponseError', async () => {
    running.addFault({ route: '/server-sim/connect/api/item', malformed: 'truncated' });
    const error = await failureOf(client.listItems());
    expect(error instanceof VendorConnectionError || error instanceof VendorMalformedResponseError).toBe(true);
    expectNoSecrets(error, transport);
  });

  it('reports a reset connection as VendorConnectionError', async () => {
    running.addFault({ route: ROUTE, resetConnection: true });
    const error = await failureOf(client.listLocations());
    expect(error).toBeInstanceOf(VendorConnectionError);
    expectNoSecrets(error, transport);
  });

  it('reports JSON that breaks the contract as VendorMalformedResponseError naming the field', async () => {
    const bending = new ObservingTransport();
    bending.afterReceive = (request, response) =>
      request.url.pathname.endsWith('/item') ? { ...response, text: '[{"id":1,"code":"A","name":"B","price_out":"1.00"}]' } : response;
    const error = await failureOf(newClient(running, bending).listItems());
    expect(error).toBeInstanceOf(VendorMalformedResponseError);
    expect(error.vendorMessage).toMatch(/^unexpected response shape at 0\./);
  });
});

describe('listing without pagination: consecutive date windows cover every record exactly once', () => {
  const small = createDataset({ seed: 101, sales: 300, pricePlaces: 4 });
  const FIRST = Date.parse('2026-08-20T00:00:00Z');
  const DAYS = 96;
  const dayAt = (offset: number): string => new Date(FIRST + offset * 86_400_000).toISOString().slice(0, 10);
  /** Cut points split [0, DAYS) into consecutive inclusive windows of whole days. */
  const windows = (cuts: number[]): Array<[string, string]> => {
    const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), DAYS];
    return bounds.slice(0, -1).map((start, index) => [dayAt(start), dayAt(bounds[index + 1]! - 1)]);
  };
  const cutsArbitrary = fc.array(fc.integer({ min: 1, max: DAYS - 1 }), { maxLength: 8 });
  let smallRunning: RunningSimulator;
  let reader: IncocloudClient;

  beforeAll(async () => {
    smallRunning = await startSimulator(createIncocloudSimulator({ sales: 300 }), { port: 0 });
    reader = newClient(smallRunning);
  });

  afterAll(async () => {
    await smallRunning.close();
  });

  it('returns every sale exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(cutsArbitrary, async (cuts) => {
        const ids: number[] = [];
        for (const [from, to] of windows(cuts)) ids.push(...(await reader.listSales({ from_date: from, to_date: to })).map((sale) => sale.id));
        expect(ids).toEqual(small.sales.map((sale) => sale.id));
      }),
      { numRuns: 20 },
    );
  });

  it('returns every payment exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(cutsArbitrary, fc.constantFrom(undefined, 1, 2, 3), async (cuts, locationId) => {
        const ids: number[] = [];
        for (const [from, to] of windows(cuts)) ids.push(...(await reader.listPayments({ from_date: from, to_date: to, location_id: locationId })).map((payment) => payment.id));
        const saleById = new Map(small.sales.map((sale) => [sale.id, sale]));
        expect(ids).toEqual(small.payments.filter((payment) => locationId === undefined || saleById.get(payment.saleId)!.locationId === locationId).map((payment) => payment.id));
      }),
      { numRuns: 20 },
    );
  });

  it('returns every booking once per window its stay overlaps', async () => {
    await fc.assert(
      fc.asyncProperty(cutsArbitrary, async (cuts) => {
        const seen = new Map<number, number>();
        const expected = new Map<number, number>();
        for (const [from, to] of windows(cuts)) {
          for (const booking of await reader.listBookings({ from_date: from, to_date: to })) seen.set(booking.id, (seen.get(booking.id) ?? 0) + 1);
          for (const booking of small.bookings) {
            if (localDate(booking.endsAt) >= from && localDate(booking.startsAt) <= to) expected.set(booking.id, (expected.get(booking.id) ?? 0) + 1);
          }
        }
        expect(seen).toEqual(expected);
        expect(seen.size).toBe(small.bookings.length);
      }),
      { numRuns: 15 },
    );
  });
});
