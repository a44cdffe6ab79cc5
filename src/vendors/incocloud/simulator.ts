/**
 * The IncoCloud Web API on loopback, rendered from the shared dataset (seed
 * `incocloud-web-api.txt`, contract section 1, extra choices in docs/vendors/incocloud.md).
 *
 * One port plays both hosts: the simulator's base URL is the generic `https://incocloud.com`
 * that hands out tokens, and `${baseUrl}/server-sim` is the account's own server that
 * `access_token` points at. A valid token used on the generic host gets 403 "Wrong server",
 * as the seed warns. Plain HTTP passes only for loopback Host names, the seed's localhost
 * exemption from its HTTPS rule.
 */
import { randomBytes } from 'node:crypto';
import { Decimal, sumDecimals } from '../../core/money.ts';
import { toLocalDateTime } from '../../core/time.ts';
import { createDataset } from '../../simulators/dataset.ts';
import type * as dataset from '../../simulators/dataset.ts';
import type { EntityCounts, SimRequest, SimResponse, SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';
import {
  CreateSaleRequestSchema,
  INCOCLOUD_ERRORS,
  type Availability,
  type Booking,
  type BookingStatus,
  type Item,
  type ItemGroup,
  type ItemTag,
  type Location,
  type Partner,
  type PartnerGroup,
  type Payment,
  type PaymentType,
  type Reservation,
  type Sale,
  type SaleDetail,
  type VatGroup,
} from './wire.ts';

export const INCOCLOUD_DEFAULT_SEED = 101;
export const INCOCLOUD_TIME_ZONE = 'Europe/Sofia';
/** Unit prices carry up to 4 decimals here, so the dataset's awkward prices (0.0125, 33.3333) reach the wire. */
export const INCOCLOUD_PRICE_PLACES = 4;
/** The path prefix that stands in for the account's server host (`https://server-sim.incocloud.com`). */
export const INCOCLOUD_SERVER_PREFIX = '/server-sim';

export type Localization = 'standard' | 'supto';

interface Application {
  readonly appId: string;
  readonly appSecret: string;
  /** The Bulgarian СУПТО fiscal localization forbids creating sales through the API (seed FAQ). */
  readonly localization: Localization;
}

export const INCOCLOUD_DEMO_APPLICATIONS: Readonly<Record<Localization, Application>> = {
  standard: { appId: 'demo-app-id', appSecret: 'demo-app-secret', localization: 'standard' },
  supto: { appId: 'demo-supto-app-id', appSecret: 'demo-supto-app-secret', localization: 'supto' },
};

const API_PATH = '/connect/api/';
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);
const TRUE_WORDS = new Set(['true', 'True', '1']);
const FALSE_WORDS = new Set(['false', 'False', '0']);
/** operation_number = location_id × this + sale id: unique and readable while ids stay below 10^7. */
const OPERATION_NUMBER_BASE = 10_000_000;
const PARTNER_GROUPS: PartnerGroup[] = [
  { id: 1, name: 'Retail customers' },
  { id: 2, name: 'Business customers' },
];
/** The dataset has no tags; two are derived from item facts so that `tag_id` filters something real. */
const SOLD_BY_WEIGHT_TAG = 1;
const NO_BARCODE_TAG = 2;
const ITEM_TAGS: ItemTag[] = [
  { id: SOLD_BY_WEIGHT_TAG, name: 'Sold by weight' },
  { id: NO_BARCODE_TAG, name: 'No barcode' },
];
const BOOKING_STATUSES: Array<BookingStatus & { status: dataset.Booking['status'] }> = [
  { id: 1, name: 'Confirmed', status: 'CONFIRMED' },
  { id: 2, name: 'Checked in', status: 'CHECKED_IN' },
  { id: 3, name: 'Checked out', status: 'CHECKED_OUT' },
  { id: 4, name: 'Cancelled', status: 'CANCELLED' },
];
/** The dataset's "Services" group: booked rather than sold, so not published in the catalog. */
const SERVICES_GROUP_ID = 8;

/** A request the vendor refuses; thrown from deep inside a handler and answered as is. */
class Refusal extends Error {
  constructor(readonly status: number, readonly vendorMessage: string) {
    super(vendorMessage);
  }
}

function errorBody(status: number, message: string): SimResponse {
  return { status, body: { error: message } };
}

function ok(body: unknown): SimResponse {
  return { status: 200, body };
}

/**
 * Dataset amounts are decimal literals of at most 15 characters, which a double reads back
 * exactly; anything longer, and every computed Decimal, takes Decimal's checked path. The
 * shortcut matters: a 100,000-sale dataset has over a million amounts.
 */
function jsonNumber(value: string | Decimal): number {
  if (typeof value === 'string' && value.length <= 15) return Number(value);
  return Decimal.from(value).toJsonNumber();
}

/**
 * Instants to server-local "YYYY-MM-DD HH:MM:SS", one Intl call per UTC hour: the dataset
 * has tens of thousands of timestamps and the offset only changes on whole UTC hours.
 */
function localClock(timeZone: string): (instant: string | number) => { dateTime: string; date: string } {
  const offsets = new Map<number, number>();
  return (instant) => {
    const epochMs = typeof instant === 'number' ? instant : Date.parse(instant);
    const hour = Math.floor(epochMs / 3_600_000);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const hourStart = hour * 3_600_000;
      offset = Date.parse(`${toLocalDateTime(new Date(hourStart), timeZone).replace(' ', 'T')}Z`) - hourStart;
      offsets.set(hour, offset);
    }
    const dateTime = new Date(epochMs + offset).toISOString().slice(0, 19).replace('T', ' ');
    return { dateTime, date: dateTime.slice(0, 10) };
  };
}

function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  try {
    return LOOPBACK_HOSTNAMES.has(new URL(`http://${hostHeader}`).hostname);
  } catch {
    return false;
  }
}

/** Query parameters as the vendor reads them: empty means absent, anything unreadable is a 400. */
class QueryReader {
  constructor(private readonly query: URLSearchParams) {}

  string(name: string): string | undefined {
    const raw = this.query.get(name);
    return raw === null || raw === '' ? undefined : raw;
  }

  int(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^\d{1,15}$/.test(raw)) throw new Refusal(400, INCOCLOUD_ERRORS.invalidParameters);
    return Number(raw);
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (TRUE_WORDS.has(raw)) return true;
    if (FALSE_WORDS.has(raw)) return false;
    throw new Refusal(400, INCOCLOUD_ERRORS.invalidParameters);
  }

  /** A calendar date `YYYY-MM-DD`, returned as is (it compares as text). */
  date(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00Z`) : undefined;
    if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== raw) {
      throw new Refusal(400, INCOCLOUD_ERRORS.invalidParameters);
    }
    return raw;
  }
}

interface Dated {
  /** Epoch milliseconds; the sort key, with the id breaking ties. */
  readonly instant: number;
  readonly id: number;
  /** Server-local date, monotone in `instant` (Sofia's clock changes never cross midnight). */
  readonly localDate: string;
}

interface SaleRecord extends Dated {
  readonly wire: Sale;
  readonly payments: PaymentRecord[];
}

interface PaymentRecord extends Dated {
  readonly wire: Payment;
  readonly sale: SaleRecord;
}

interface ItemRecord {
  readonly wire: Item;
  readonly availability: Availability[];
  readonly stock: Decimal;
  readonly tagIds: ReadonlySet<number>;
}

interface BookingRecord {
  readonly wire: Booking;
  readonly fromLocalDate: string;
  readonly toLocalDate: string;
}

interface ReservationRecord {
  readonly wire: Reservation;
  readonly localDate: string;
}

function compareDated(a: Dated, b: Dated): number {
  return a.instant - b.instant || a.id - b.id;
}

/** First index whose element satisfies `isAtOrAfter`, which must be false then true along the array. */
function firstIndex<T>(sorted: readonly T[], isAtOrAfter: (element: T) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isAtOrAfter(sorted[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The slice of a date-sorted list whose local date lies in the inclusive range. */
function withinDates<T extends Dated>(sorted: readonly T[], from: string | undefined, to: string | undefined): readonly T[] {
  const start = from === undefined ? 0 : firstIndex(sorted, (record) => record.localDate >= from);
  const end = to === undefined ? sorted.length : firstIndex(sorted, (record) => record.localDate > to);
  return start === 0 && end === sorted.length ? sorted : sorted.slice(start, end);
}

function insertSorted<T extends Dated>(sorted: T[], record: T): void {
  sorted.splice(firstIndex(sorted, (other) => compareDated(other, record) > 0), 0, record);
}

function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/**
 * Stock per location: the dataset has one stock figure per item, split here so that every
 * location's share is exact and the shares add up to it (docs/vendors/incocloud.md).
 */
function splitStock(item: dataset.Item, locations: readonly dataset.Location[]): Availability[] {
  const stock = Decimal.parse(item.stock);
  const second = stock.units / 4n;
  const third = item.id % 3 === 0 ? 0n : stock.units / 5n;
  const shares = [stock.units - second - third, second, third];
  return locations.map((location, index) => ({
    location_id: location.id,
    quantity: jsonNumber(Decimal.of(shares[index] ?? 0n, stock.scale)),
  }));
}

export function createIncocloudSimulator(options: SimulatorOptions = {}): VendorSimulator {
  const data = createDataset({
    seed: options.seed ?? INCOCLOUD_DEFAULT_SEED,
    sales: options.sales,
    lastDay: options.lastDay,
    pricePlaces: INCOCLOUD_PRICE_PLACES,
    currency: 'EUR',
  });
  const clock = localClock(INCOCLOUD_TIME_ZONE);
  const tokens = new Map<string, Application>();
  const applications = new Map(Object.values(INCOCLOUD_DEMO_APPLICATIONS).map((application) => [application.appId, application]));

  const locations: Location[] = data.locations.map(({ id, name }) => ({ id, name }));
  const locationIds = new Set(locations.map((location) => location.id));
  const paymentTypes: PaymentType[] = data.paymentMethods.map(({ id, name }) => ({ id, name }));
  const itemGroups: ItemGroup[] = data.categories.map(({ id, name }) => ({ id, name }));
  const vatGroups: VatGroup[] = data.taxes.map(({ id, name, rate }) => ({ id, name, percent: jsonNumber(rate) }));
  const vatPercent = new Map(vatGroups.map((group) => [group.id, group.percent]));

  const items: ItemRecord[] = data.items.map((item) => {
    const tagIds = new Set<number>();
    if (item.soldByWeight) tagIds.add(SOLD_BY_WEIGHT_TAG);
    if (item.barcode === null) tagIds.add(NO_BARCODE_TAG);
    return {
      wire: {
        id: item.id,
        code: item.code,
        name: item.name,
        barcode: item.barcode,
        group_id: item.categoryId,
        price_out: jsonNumber(item.price),
        vat_group_id: item.taxId,
        catalog: item.categoryId !== SERVICES_GROUP_ID,
      },
      availability: splitStock(item, data.locations),
      stock: Decimal.parse(item.stock),
      tagIds,
    };
  });
  const itemById = new Map(items.map((item) => [item.wire.id, item]));
  const itemByCode = new Map(items.map((item) => [item.wire.code, item]));

  const partners: Partner[] = data.customers.map((customer) => {
    const person = `${customer.firstName} ${customer.lastName}`;
    return {
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
    };
  });
  const partnerById = new Map(partners.map((partner) => [partner.id, partner]));

  const sales: SaleRecord[] = [];
  const payments: PaymentRecord[] = [];
  const saleByOperationNumber = new Map<number, SaleRecord>();
  const salesByPartner = new Map<number, SaleRecord[]>();
  const salesByLocation = new Map<number, SaleRecord[]>();
  const salesByNote = new Map<string, SaleRecord[]>();
  const paymentsByPartner = new Map<number, PaymentRecord[]>();
  const paymentsByLocation = new Map<number, PaymentRecord[]>();

  /** Adds a sale to every index; `insert` keeps a list time-sorted where plain appends would not. */
  const indexSale = (record: SaleRecord, insert: boolean): void => {
    const place = <T extends Dated>(list: T[], value: T): void => (insert ? insertSorted(list, value) : void list.push(value));
    const { wire } = record;
    place(sales, record);
    saleByOperationNumber.set(wire.operation_number, record);
    if (wire.partner_id !== null) place(listIn(salesByPartner, wire.partner_id), record);
    place(listIn(salesByLocation, wire.location_id), record);
    if (wire.note !== null) place(listIn(salesByNote, wire.note), record);
    for (const payment of record.payments) {
      place(payments, payment);
      if (wire.partner_id !== null) place(listIn(paymentsByPartner, wire.partner_id), payment);
      place(listIn(paymentsByLocation, wire.location_id), payment);
    }
  };

  const paymentsBySaleId = new Map<number, dataset.Payment[]>();
  for (const payment of data.payments) listIn(paymentsBySaleId, payment.saleId).push(payment);
  for (const sale of data.sales) {
    const { dateTime, date } = clock(sale.createdAt);
    const wire: Sale = {
      id: sale.id,
      operation_number: sale.locationId * OPERATION_NUMBER_BASE + sale.id,
      date: dateTime,
      location_id: sale.locationId,
      partner_id: sale.customerId,
      total: jsonNumber(sale.total),
      note: sale.note,
      details: sale.lines.map((line) => ({
        item_id: line.itemId,
        name: line.name,
        vat_percent: jsonNumber(line.taxRate),
        quantity: jsonNumber(line.quantity),
        price_out: jsonNumber(line.unitPrice),
        discount: jsonNumber(line.discount),
        total: jsonNumber(line.total),
      })),
    };
    const record: SaleRecord = { wire, instant: Date.parse(sale.createdAt), id: sale.id, localDate: date, payments: [] };
    for (const payment of paymentsBySaleId.get(sale.id) ?? []) {
      const paid = clock(payment.createdAt);
      record.payments.push({
        wire: {
          id: payment.id,
          operation_number: wire.operation_number,
          payment_type_id: payment.methodId,
          amount: jsonNumber(payment.amount),
          date: paid.dateTime,
        },
        instant: Date.parse(payment.createdAt),
        id: payment.id,
        localDate: paid.date,
        sale: record,
      });
    }
    indexSale(record, false);
  }
  // The dataset is in time order already; sorting an ordered list is linear and keeps that an assumption no index depends on.
  for (const list of [sales, payments, ...salesByPartner.values(), ...salesByLocation.values(), ...salesByNote.values()]) list.sort(compareDated);
  for (const list of [...paymentsByPartner.values(), ...paymentsByLocation.values()]) list.sort(compareDated);
  let nextSaleId = data.sales.length + 1;

  const bookings: BookingRecord[] = data.bookings.map((booking) => {
    const from = clock(booking.startsAt);
    const to = clock(booking.endsAt);
    return {
      wire: {
        id: booking.id,
        partner_id: booking.customerId,
        location_id: booking.locationId,
        booking_status_id: BOOKING_STATUSES.find((status) => status.status === booking.status)!.id,
        from_date: from.dateTime,
        to_date: to.dateTime,
        total: jsonNumber(booking.total),
        item_ids: booking.itemIds,
      },
      fromLocalDate: from.date,
      toLocalDate: to.date,
    };
  });

  // Table reservations are not in the shared dataset: derived from it by a fixed rule (docs).
  const reservationCount = Math.max(20, Math.round(data.sales.length / 100));
  const reservations: ReservationRecord[] = [];
  for (let index = 0; index < reservationCount && data.sales.length > 0; index += 1) {
    const day = clock(data.sales[Math.floor((index * data.sales.length) / reservationCount)]!.createdAt).date;
    const minutes = 18 * 60 + (index % 8) * 30;
    reservations.push({
      wire: {
        id: index + 1,
        partner_id: index % 5 === 0 ? null : data.customers[(index * 37) % data.customers.length]!.id,
        location_id: data.locations[index % data.locations.length]!.id,
        date: `${day} ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`,
        guests: 2 + (index % 5),
        table_number: 1 + ((index * 7) % 20),
      },
      localDate: day,
    });
  }

  // ------------------------------------------------------------ endpoints

  const listItems = (query: QueryReader): Item[] => {
    const id = query.int('id');
    const locationId = query.int('location_id');
    const groupId = query.int('group_id');
    const tagId = query.int('tag_id');
    const onlyAvailable = query.boolean('only_available') ?? false;
    const includeAvailability = query.boolean('include_availability') ?? false;
    const code = query.string('code');
    const catalog = query.boolean('catalog');
    const candidates = id !== undefined ? [itemById.get(id)] : code !== undefined ? [itemByCode.get(code)] : items;
    const result: Item[] = [];
    for (const item of candidates) {
      if (item === undefined) continue;
      if (id !== undefined && item.wire.id !== id) continue;
      if (code !== undefined && item.wire.code !== code) continue;
      if (groupId !== undefined && item.wire.group_id !== groupId) continue;
      if (tagId !== undefined && !item.tagIds.has(tagId)) continue;
      if (catalog !== undefined && item.wire.catalog !== catalog) continue;
      // location_id narrows where stock is looked at; items themselves are sold everywhere.
      const availability = locationId === undefined ? item.availability : item.availability.filter((entry) => entry.location_id === locationId);
      if (onlyAvailable) {
        const inStock = locationId === undefined ? item.stock.compare(Decimal.zero) > 0 : availability.some((entry) => entry.quantity > 0);
        if (!inStock) continue;
      }
      result.push(includeAvailability ? { ...item.wire, availability } : item.wire);
    }
    return result;
  };

  const listSales = (query: QueryReader): Sale[] => {
    const operationNumber = query.int('operation_number');
    const locationId = query.int('location_id');
    const partnerId = query.int('partner_id');
    const fromDate = query.date('from_date');
    const toDate = query.date('to_date');
    const loadPayments = query.boolean('load_payments') ?? false;
    const note = query.string('note');
    let candidates: readonly SaleRecord[];
    if (operationNumber !== undefined) {
      const sale = saleByOperationNumber.get(operationNumber);
      candidates = sale ? [sale] : [];
    } else if (note !== undefined) candidates = salesByNote.get(note) ?? [];
    else if (partnerId !== undefined) candidates = salesByPartner.get(partnerId) ?? [];
    else if (locationId !== undefined) candidates = salesByLocation.get(locationId) ?? [];
    else candidates = sales;
    const result: Sale[] = [];
    for (const sale of withinDates(candidates, fromDate, toDate)) {
      if (locationId !== undefined && sale.wire.location_id !== locationId) continue;
      if (partnerId !== undefined && sale.wire.partner_id !== partnerId) continue;
      if (note !== undefined && sale.wire.note !== note) continue;
      result.push(loadPayments ? { ...sale.wire, payments: sale.payments.map((payment) => payment.wire) } : sale.wire);
    }
    return result;
  };

  const listPayments = (query: QueryReader): Payment[] => {
    const operationNumber = query.int('operation_number');
    const partnerId = query.int('partner_id');
    const locationId = query.int('location_id');
    const fromDate = query.date('from_date');
    const toDate = query.date('to_date');
    let candidates: readonly PaymentRecord[];
    if (operationNumber !== undefined) candidates = saleByOperationNumber.get(operationNumber)?.payments ?? [];
    else if (partnerId !== undefined) candidates = paymentsByPartner.get(partnerId) ?? [];
    else if (locationId !== undefined) candidates = paymentsByLocation.get(locationId) ?? [];
    else candidates = payments;
    const result: Payment[] = [];
    for (const payment of withinDates(candidates, fromDate, toDate)) {
      if (partnerId !== undefined && payment.sale.wire.partner_id !== partnerId) continue;
      if (locationId !== undefined && payment.sale.wire.location_id !== locationId) continue;
      result.push(payment.wire);
    }
    return result;
  };

  const listPartners = (query: QueryReader): Partner[] => {
    const id = query.int('id');
    const code = query.string('code');
    const groupId = query.int('group_id');
    const candidates = id === undefined ? partners : [partnerById.get(id)];
    return candidates.filter(
      (partner): partner is Partner =>
        partner !== undefined && (code === undefined || partner.code === code) && (groupId === undefined || partner.group_id === groupId),
    );
  };

  const listBookings = (query: QueryReader): Booking[] => {
    const id = query.int('id');
    const partnerId = query.int('partner_id');
    const fromDate = query.date('from_date');
    const toDate = query.date('to_date');
    // A stay matches every day it covers: it overlaps the inclusive range.
    return bookings
      .filter(
        (booking) =>
          (id === undefined || booking.wire.id === id) &&
          (partnerId === undefined || booking.wire.partner_id === partnerId) &&
          (fromDate === undefined || booking.toLocalDate >= fromDate) &&
          (toDate === undefined || booking.fromLocalDate <= toDate),
      )
      .map((booking) => booking.wire);
  };

  const listReservations = (query: QueryReader): Reservation[] => {
    const id = query.int('id');
    const partnerId = query.int('partner_id');
    const locationId = query.int('location_id');
    const fromDate = query.date('from_date');
    const toDate = query.date('to_date');
    return reservations
      .filter(
        (reservation) =>
          (id === undefined || reservation.wire.id === id) &&
          (partnerId === undefined || reservation.wire.partner_id === partnerId) &&
          (locationId === undefined || reservation.wire.location_id === locationId) &&
          (fromDate === undefined || reservation.localDate >= fromDate) &&
          (toDate === undefined || reservation.localDate <= toDate),
      )
      .map((reservation) => reservation.wire);
  };

  /** POST sale: validated in full before anything is stored, so a refused body changes nothing. */
  const createSale = (body: string, application: Application): Sale => {
    if (application.localization === 'supto') throw new Refusal(403, INCOCLOUD_ERRORS.permissionDenied);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new Refusal(400, INCOCLOUD_ERRORS.invalidData);
    }
    const parsed = CreateSaleRequestSchema.safeParse(json);
    if (!parsed.success) throw new Refusal(400, INCOCLOUD_ERRORS.invalidData);
    const request = parsed.data;
    const partnerId = request.partner_id ?? null;
    if (!locationIds.has(request.location_id) || (partnerId !== null && !partnerById.has(partnerId))) {
      throw new Refusal(400, INCOCLOUD_ERRORS.invalidData);
    }
    const details: SaleDetail[] = request.details.map((detail) => {
      const item = itemById.get(detail.item_id);
      if (!item) throw new Refusal(400, INCOCLOUD_ERRORS.invalidData);
      const quantity = Decimal.fromJsonNumber(detail.quantity);
      const price = detail.price_out === undefined ? Decimal.fromJsonNumber(item.wire.price_out) : Decimal.fromJsonNumber(detail.price_out);
      if (quantity.normalize().scale > 3 || price.normalize().scale > INCOCLOUD_PRICE_PLACES) {
        throw new Refusal(400, INCOCLOUD_ERRORS.invalidData);
      }
      return {
        item_id: item.wire.id,
        name: item.wire.name,
        vat_percent: vatPercent.get(item.wire.vat_group_id)!,
        quantity: jsonNumber(quantity),
        price_out: jsonNumber(price),
        discount: 0,
        total: jsonNumber(quantity.mul(price).round(2)),
      };
    });
    const id = nextSaleId;
    nextSaleId += 1;
    const now = Date.now();
    const { dateTime, date } = clock(now);
    const wire: Sale = {
      id,
      operation_number: request.location_id * OPERATION_NUMBER_BASE + id,
      date: dateTime,
      location_id: request.location_id,
      partner_id: partnerId,
      total: jsonNumber(sumDecimals(details.map((detail) => Decimal.fromJsonNumber(detail.total)))),
      note: request.note ?? null,
      details,
    };
    indexSale({ wire, instant: now, id, localDate: date, payments: [] }, true);
    return { ...wire, payments: [] };
  };

  type Endpoint = (request: SimRequest, query: QueryReader, application: Application) => unknown;
  const endpoints = new Map<string, Endpoint>([
    ['GET item', (_, query) => listItems(query)],
    ['GET item_group', () => itemGroups],
    ['GET item_tag', () => ITEM_TAGS],
    ['GET vat_group', () => vatGroups],
    ['GET sale', (_, query) => listSales(query)],
    ['POST sale', (request, _, application) => createSale(request.body, application)],
    ['GET payment', (_, query) => listPayments(query)],
    ['GET payment_type', () => paymentTypes],
    ['GET partner', (_, query) => listPartners(query)],
    ['GET partner_group', () => PARTNER_GROUPS],
    ['GET location', () => locations],
    ['GET booking', (_, query) => listBookings(query)],
    ['GET booking_status', () => BOOKING_STATUSES.map(({ id, name }) => ({ id, name }))],
    ['GET reservation', (_, query) => listReservations(query)],
  ]);

  const issueToken = (query: QueryReader, baseUrl: string): SimResponse => {
    const application = applications.get(query.string('app_id') ?? '');
    if (!application || application.appSecret !== query.string('app_secret')) {
      return errorBody(401, INCOCLOUD_ERRORS.invalidCredentials);
    }
    const token = randomBytes(24).toString('hex');
    tokens.set(token, application);
    return ok({ token, server_url: `${baseUrl}${INCOCLOUD_SERVER_PREFIX}` });
  };

  const route = (request: SimRequest): SimResponse => {
    const onServer = request.path.startsWith(`${INCOCLOUD_SERVER_PREFIX}${API_PATH}`);
    const apiPath = onServer ? request.path.slice(INCOCLOUD_SERVER_PREFIX.length) : request.path;
    if (!apiPath.startsWith(API_PATH)) return errorBody(404, INCOCLOUD_ERRORS.notFound);
    // The simulator's own advertised name passes too: under docker compose it is reached as `simulators`.
    if (!isLoopbackHost(request.headers.host) && request.headers.host !== new URL(request.baseUrl).host) return errorBody(403, INCOCLOUD_ERRORS.insecureConnection);
    const resource = apiPath.slice(API_PATH.length);
    const query = new QueryReader(request.query);
    if (resource === 'access_token') {
      return request.method === 'GET' ? issueToken(query, request.baseUrl) : errorBody(404, INCOCLOUD_ERRORS.notFound);
    }
    const application = tokens.get(query.string('token') ?? '');
    if (!application) return errorBody(401, INCOCLOUD_ERRORS.invalidToken);
    if (!onServer) return errorBody(403, INCOCLOUD_ERRORS.wrongServer);
    const endpoint = endpoints.get(`${request.method} ${resource}`);
    if (!endpoint) return errorBody(404, INCOCLOUD_ERRORS.notFound);
    return ok(endpoint(request, query, application));
  };

  return {
    vendor: 'incocloud',
    credentials: () => ({
      app_id: INCOCLOUD_DEMO_APPLICATIONS.standard.appId,
      app_secret: INCOCLOUD_DEMO_APPLICATIONS.standard.appSecret,
      supto_app_id: INCOCLOUD_DEMO_APPLICATIONS.supto.appId,
      supto_app_secret: INCOCLOUD_DEMO_APPLICATIONS.supto.appSecret,
    }),
    counts: (): EntityCounts => ({
      items: items.length,
      customers: partners.length,
      sales: sales.length,
      payments: payments.length,
      cashbooks: 0,
      bookings: bookings.length,
    }),
    handle: (request) => {
      try {
        return route(request);
      } catch (error) {
        if (error instanceof Refusal) return errorBody(error.status, error.vendorMessage);
        throw error;
      }
    },
    errorResponse: (status, message) => errorBody(status, message),
    // The vendor announces no limits and sends no retry header (seed "Rate Limits").
    rateLimitResponse: () => errorBody(429, INCOCLOUD_ERRORS.rateLimitExceeded),
    expireTokens: () => tokens.clear(),
  };
}
