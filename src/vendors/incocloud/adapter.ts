/**
 * IncoCloud (IncoPOS) as posgraph's unified model. The vendor's lists are bare arrays with
 * no paging and no sort parameter (docs/vendors/incocloud.md), so every list here fetches
 * the whole filtered list, sorts it into the canonical order and serves it by offset.
 * Filters go to the vendor where it has them (dates as Sofia-local days, ids, item code and
 * group); the rest, and the exact instant bounds inside those whole days, are applied here.
 *
 * Ids are the vendor's own: a sale is known by its `operation_number`, the only handle the
 * vendor looks sales up by (contract tricky point 5), so `SaleRecord.id`, `PaymentRecord.saleId`
 * and the sale batch all use it. The vendor has no cashbook, so `cashbook` is absent and every
 * `cashbookId` is null; a filter on a cashbook therefore matches nothing.
 *
 * Lookups by id: items, payments, customers and locations are whole lists, one `scan` per
 * request; sales and bookings are one `each` call per id through the list's id filter,
 * since one scan of every sale would cost far more than the handful a page asks for.
 *
 * Malformed records: the client checks only that a list answer is a JSON array; each record
 * is then validated (wire.ts schemas) and mapped on its own (`mapEach`). A record that fails
 * is left out of its list and reported as a rejection (the page's `rejected`, or in its place
 * in a scan); a lookup by id of a malformed sale or booking throws MalformedRecordError, which
 * fails that id alone. The reference lists (groups, VAT groups, payment types, statuses) are
 * still validated whole.
 */
import { z } from 'zod';
import { currencySetting, timeZoneSetting } from '../../core/settings.ts';
import {
  mapEach,
  type AdapterContext,
  type CallOptions,
  type ListPage,
  type ListRequest,
  type RecordRejection,
  type VendorAdapter,
  type VendorAdapterModule,
} from '../../core/adapter.ts';
import { MalformedRecordError } from '../../core/loaders.ts';
import { containsText, pageByOffset, withinRange } from '../../core/local-paging.ts';
import type {
  BookingFilter,
  BookingRecord,
  CustomerFilter,
  CustomerRecord,
  EntityKind,
  EntityRecords,
  ItemFilter,
  ItemRecord,
  LocationRecord,
  PaymentFilter,
  PaymentMethodType,
  PaymentRecord,
  SaleFilter,
  SaleLineRecord,
  SaleRecord,
} from '../../core/model.ts';
import { Decimal, money, sumDecimals, type Money } from '../../core/money.ts';
import { sortRecords } from '../../core/ordering.ts';
import { fromLocalDateTime, toLocalDate } from '../../core/time.ts';
import { IncocloudClient } from './client.ts';
import { INCOCLOUD_DEMO_APPLICATIONS, INCOCLOUD_TIME_ZONE } from './simulator.ts';
import {
  BookingSchema,
  ItemSchema,
  NamedEntitySchema,
  PartnerSchema,
  PaymentSchema,
  SaleSchema,
  type Booking,
  type Item,
  type Location,
  type Partner,
  type Payment,
  type Sale,
  type SaleDetail,
} from './wire.ts';
import { createIncocloudSaleWriter } from './writer.ts';

// ---------------------------------------------------------------- settings

/**
 * How long a lookup by id may reuse the payment types or booking statuses an earlier call
 * fetched. Lists always fetch them afresh; lookups by id would otherwise double their calls.
 */
const REFERENCE_REUSE_MS = 60_000;

const timeZone = timeZoneSetting;
const currency = currencySetting;

export const incocloudSettingsSchema = z.strictObject({
  /** The generic host that issues tokens (`https://incocloud.com`); the client then follows `server_url`. */
  baseUrl: z.url(),
  appId: z.string().min(1),
  appSecret: z.string().min(1),
  /** The account's zone: the vendor writes local times and reads local dates in it. */
  timeZone: timeZone.default(INCOCLOUD_TIME_ZONE),
  currency: currency.default('EUR'),
  /** Lookups by id (sales, bookings) in flight at once. */
  detailConcurrency: z.number().int().min(1).max(64).default(8),
  /**
   * How many local days back an unfiltered sales or payments list reaches; null (the
   * default) sends no dates at all, and the vendor answers every record. Set it only if an
   * account's server refuses or truncates undated lists: then lists without `from` stop
   * at that many days ago (and their totalCount counts only those).
   */
  listLookbackDays: z.number().int().positive().nullable().default(null),
  /**
   * The location (its vendor id) of a created sale whose input names none; IncoCloud records
   * every sale at a location. Absent: such a sale is refused (VALIDATION on `location`).
   */
  defaultLocationId: z.number().int().positive().optional(),
});

export type IncocloudSettings = z.infer<typeof incocloudSettingsSchema>;

// ---------------------------------------------------------------- wire → model

/** What the mapping needs beyond the record itself. */
export interface MappingContext {
  readonly currency: string;
  /** The vendor's local `YYYY-MM-DD HH:MM:SS` as an ISO 8601 instant. */
  readonly instantOf: (local: string) => string;
}

export function mappingContext(currencyCode: string, zone: string): MappingContext {
  return { currency: currencyCode, instantOf: localTimeReader(zone) };
}

/** Local hours remembered by one reader before it starts afresh; a year of trading is under 9,000. */
const MAX_REMEMBERED_HOURS = 50_000;

/**
 * Local times to instants with one zone lookup per local hour: a sales list repeats the
 * same hours thousands of times, and a full conversion costs several Intl calls. An hour
 * whose offset is not the same from :00:00 to :59:59 (a zone change inside it) is converted
 * time by time, exactly as `fromLocalDateTime` does.
 */
export function localTimeReader(zone: string): (local: string) => string {
  const offsets = new Map<string, number | null>();
  return (local) => {
    const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(local);
    if (!match) return fromLocalDateTime(local, zone);
    const [, day, hour, minute, second] = match;
    const hourKey = `${day} ${hour}`;
    let offset = offsets.get(hourKey);
    if (offset === undefined) {
      const start = Date.parse(fromLocalDateTime(`${hourKey}:00:00`, zone));
      const end = Date.parse(fromLocalDateTime(`${hourKey}:59:59`, zone));
      offset = end - start === 3_599_000 ? Date.parse(`${day}T${hour}:00:00Z`) - start : null;
      if (offsets.size >= MAX_REMEMBERED_HOURS) offsets.clear();
      offsets.set(hourKey, offset);
    }
    if (offset === null) return fromLocalDateTime(local, zone);
    return new Date(Date.parse(`${day}T${hour}:${minute}:${second}Z`) - offset).toISOString().replace('.000Z', 'Z');
  };
}

/** Names and rates items refer to by id (`GET item_group`, `GET vat_group`). */
export interface ItemLookups {
  readonly groupNames: ReadonlyMap<number, string>;
  readonly vatPercents: ReadonlyMap<number, number>;
}

function amount(value: number, currencyCode: string): Money {
  return money(Decimal.fromJsonNumber(value), currencyCode);
}

/** A JSON number as a plain decimal string without trailing zeros ("20", "5.5", "-1.25"). */
function decimalText(value: number): string {
  return Decimal.fromJsonNumber(value).normalize().toString();
}

function blankToNull(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}

/**
 * Items with `include_availability`: stock is the sum over the locations the vendor
 * lists; without availability it is unknown (null).
 */
export function toItemRecord(item: Item, lookups: ItemLookups, currencyCode: string): ItemRecord {
  const percent = lookups.vatPercents.get(item.vat_group_id);
  return {
    kind: 'item',
    id: String(item.id),
    name: item.name,
    code: blankToNull(item.code),
    barcode: blankToNull(item.barcode),
    price: amount(item.price_out, currencyCode),
    taxRate: percent === undefined ? null : decimalText(percent),
    category: item.group_id === null ? null : (lookups.groupNames.get(item.group_id) ?? null),
    stock:
      item.availability === undefined
        ? null
        : sumDecimals(item.availability.map((entry) => Decimal.fromJsonNumber(entry.quantity))).normalize().toString(),
    raw: item,
  };
}

export function toSaleLineRecord(detail: SaleDetail, currencyCode: string): SaleLineRecord {
  return {
    itemId: String(detail.item_id),
    name: detail.name,
    quantity: decimalText(detail.quantity),
    unitPrice: amount(detail.price_out, currencyCode),
    discount: amount(detail.discount, currencyCode),
    total: amount(detail.total, currencyCode),
    taxRate: decimalText(detail.vat_percent),
  };
}

/** Accents and case do not matter to the tender words below ("Chèque", "ESPÈCES"). */
function plainWords(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The vendor's payment types are only `{id, name}` (contract [assumed]), so the type is
 * read from the name: gift cards and vouchers are OTHER even though they say "card";
 * then cash, card and cheque words in English, French and Bulgarian; anything else OTHER.
 */
export function paymentMethodType(name: string): PaymentMethodType {
  const words = plainWords(name);
  if (/\b(gift|voucher|coupon|bon|cadeau|ticket)\b|ваучер/.test(words)) return 'OTHER';
  if (/\b(cash|especes?|bargeld|contanti|efectivo)\b|в брои|наличн/.test(words)) return 'CASH';
  if (/\b(cheques?|checks?)\b|чек/.test(words)) return 'CHECK';
  if (/\b(cards?|carte|cb|credit|debit|visa|mastercard|maestro|amex)\b|карта|дебитн|кредитн/.test(words)) return 'CARD';
  return 'OTHER';
}

/** A payment type the vendor did not list still gets a name the filter can match. */
function paymentTypeName(paymentTypes: ReadonlyMap<number, string>, id: number): string {
  return paymentTypes.get(id) ?? `Payment type ${id}`;
}

/** `saleId` is the payment's `operation_number`, the id the sale batch looks sales up by. */
export function toPaymentRecord(payment: Payment, paymentTypes: ReadonlyMap<number, string>, context: MappingContext): PaymentRecord {
  const method = paymentTypeName(paymentTypes, payment.payment_type_id);
  return {
    kind: 'payment',
    id: String(payment.id),
    saleId: String(payment.operation_number),
    method,
    methodType: paymentMethodType(method),
    amount: amount(payment.amount, context.currency),
    createdAt: context.instantOf(payment.date),
    cashbookId: null,
    raw: payment,
  };
}

/**
 * A sale as listed with `load_payments=true`: lines and payments are both known. Without
 * `payments` on the wire they stay undefined, so the gateway asks the sale batch for them.
 * The operation number is both the id and the printed number.
 */
export function toSaleRecord(sale: Sale, paymentTypes: ReadonlyMap<number, string>, context: MappingContext): SaleRecord {
  const operationNumber = String(sale.operation_number);
  return {
    kind: 'sale',
    id: operationNumber,
    number: operationNumber,
    createdAt: context.instantOf(sale.date),
    total: amount(sale.total, context.currency),
    locationId: String(sale.location_id),
    customerId: sale.partner_id === null ? null : String(sale.partner_id),
    cashbookId: null,
    note: sale.note,
    lines: sale.details.map((detail) => toSaleLineRecord(detail, context.currency)),
    ...(sale.payments === undefined ? {} : { payments: sale.payments.map((payment) => toPaymentRecord(payment, paymentTypes, context)) }),
    raw: sale,
  };
}

/**
 * The person is `contact_person`, "First Last": split at the first space, so a two-word
 * first name ("Jean Pierre Dubois") lands partly in the last name. `name` is the company
 * when it differs from the person (docs/vendors/incocloud.md, partners).
 */
export function toCustomerRecord(partner: Partner): CustomerRecord {
  const person = partner.contact_person.trim();
  const space = person.indexOf(' ');
  const firstName = person === '' ? null : space < 0 ? null : person.slice(0, space);
  const lastName = person === '' ? null : space < 0 ? person : person.slice(space + 1).trim();
  return {
    kind: 'customer',
    id: String(partner.id),
    name: partner.name,
    firstName,
    lastName,
    company: person === '' || partner.name !== person ? blankToNull(partner.name) : null,
    email: blankToNull(partner.email),
    phone: blankToNull(partner.phone),
    vatNumber: blankToNull(partner.vat_number),
    raw: partner,
  };
}

export function toLocationRecord(location: Location): LocationRecord {
  return { kind: 'location', id: String(location.id), name: location.name, raw: location };
}

/** `status` is the vendor's name for the booking status ("Checked in"), null when it lists none for the id. */
export function toBookingRecord(booking: Booking, statusNames: ReadonlyMap<number, string>, context: MappingContext): BookingRecord {
  return {
    kind: 'booking',
    id: String(booking.id),
    startsAt: context.instantOf(booking.from_date),
    endsAt: context.instantOf(booking.to_date),
    status: statusNames.get(booking.booking_status_id) ?? null,
    customerId: String(booking.partner_id),
    locationId: String(booking.location_id),
    itemIds: booking.item_ids.map(String),
    total: amount(booking.total, context.currency),
    raw: booking,
  };
}

// ---------------------------------------------------------------- one record at a time

/**
 * A raw vendor record checked against its wire.ts schema. The error names the field and
 * zod's wording, never the value: records hold customers' details.
 */
export function readRecord<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'record';
  throw new Error(`${where}: ${issue?.message ?? 'invalid'}`);
}

/** The id a raw record carries in `field`, when it is readable as one, to name its rejection. */
export function recordIdOf(raw: unknown, field: string): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const value = (raw as Record<string, unknown>)[field];
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^[1-9]\d{0,14}$/.test(value)) return value;
  return null;
}

/** Records that mapped, and rejections for the ones that did not. */
export interface MappedRecords<T> {
  readonly records: T[];
  readonly rejected: RecordRejection[];
}

/** Items as raw `GET item` records; a malformed one becomes a rejection named by its `id`. */
export function mapItems(raws: readonly unknown[], lookups: ItemLookups, currencyCode: string): MappedRecords<ItemRecord> {
  return mapEach(raws, (raw) => toItemRecord(readRecord(ItemSchema, raw), lookups, currencyCode), (raw) => recordIdOf(raw, 'id'));
}

/** Sales as raw `GET sale` records; a rejection is named by the `operation_number`, the sale's id here. */
export function mapSales(raws: readonly unknown[], paymentTypes: ReadonlyMap<number, string>, context: MappingContext): MappedRecords<SaleRecord> {
  return mapEach(raws, (raw) => toSaleRecord(readRecord(SaleSchema, raw), paymentTypes, context), (raw) => recordIdOf(raw, 'operation_number'));
}

export function mapPayments(raws: readonly unknown[], paymentTypes: ReadonlyMap<number, string>, context: MappingContext): MappedRecords<PaymentRecord> {
  return mapEach(raws, (raw) => toPaymentRecord(readRecord(PaymentSchema, raw), paymentTypes, context), (raw) => recordIdOf(raw, 'id'));
}

export function mapCustomers(raws: readonly unknown[]): MappedRecords<CustomerRecord> {
  return mapEach(raws, (raw) => toCustomerRecord(readRecord(PartnerSchema, raw)), (raw) => recordIdOf(raw, 'id'));
}

export function mapLocations(raws: readonly unknown[]): MappedRecords<LocationRecord> {
  return mapEach(raws, (raw) => toLocationRecord(readRecord(NamedEntitySchema, raw)), (raw) => recordIdOf(raw, 'id'));
}

export function mapBookings(raws: readonly unknown[], statusNames: ReadonlyMap<number, string>, context: MappingContext): MappedRecords<BookingRecord> {
  return mapEach(raws, (raw) => toBookingRecord(readRecord(BookingSchema, raw), statusNames, context), (raw) => recordIdOf(raw, 'id'));
}

/** The one record a lookup by id found, or MalformedRecordError for that id alone. */
function onlyRecord<T>(mapped: MappedRecords<T>, id: string): T {
  const rejection = mapped.rejected[0];
  if (rejection) throw new MalformedRecordError({ id, reason: rejection.reason });
  return mapped.records[0]!;
}

// ---------------------------------------------------------------- model filters → vendor queries

/** The vendor's date filters are whole local days: the days holding the bounds, widened, then filtered exactly. */
export function localDateRange(from: string | undefined, to: string | undefined, zone: string): { from_date?: string; to_date?: string } {
  return {
    ...(from === undefined ? {} : { from_date: toLocalDate(from, zone) }),
    ...(to === undefined ? {} : { to_date: toLocalDate(to, zone) }),
  };
}

/** A model id as the vendor's integer id; null when it cannot be one, so nothing can match it. */
export function vendorIdOf(id: string): number | null {
  return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : null;
}

const NO_MATCH = Symbol('no match');

/** An optional id filter as a query parameter, or NO_MATCH when no vendor record can carry that id. */
function idParameter(id: string | undefined): number | undefined | typeof NO_MATCH {
  if (id === undefined) return undefined;
  return vendorIdOf(id) ?? NO_MATCH;
}

function sameText(a: string | null, b: string): boolean {
  return a !== null && a.toLocaleLowerCase() === b.toLocaleLowerCase();
}

/** `PaymentFilter.method`: the vendor's name, case-insensitive, or the type (CASH, CARD, CHECK, OTHER). */
export function matchesPaymentMethod(payment: Pick<PaymentRecord, 'method' | 'methodType'>, method: string | undefined): boolean {
  return method === undefined || sameText(payment.method, method) || payment.methodType === method.toUpperCase();
}

function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function namesById(entries: ReadonlyArray<{ id: number; name: string }>): Map<number, string> {
  return new Map(entries.map((entry) => [entry.id, entry.name]));
}

// ---------------------------------------------------------------- reference lists

/**
 * A small reference list (payment types, booking statuses) that lookups by id may reuse for
 * a while. Concurrent lookups share one fetch; a fetch abandoned by its caller's signal is
 * not held against the others, who fetch again with their own.
 */
class RecentReference<T> {
  private entry: { value: Promise<T>; signal: AbortSignal | undefined; settledAt: number | null } | undefined;

  constructor(
    private readonly fetch: (options: CallOptions) => Promise<T>,
    private readonly reuseMs: number,
  ) {}

  /** Fetches now (what lists do) and keeps the answer for the lookups that follow. */
  fresh(options: CallOptions): Promise<T> {
    const value = this.fetch(options);
    const entry = { value, signal: options.signal, settledAt: null as number | null };
    this.entry = entry;
    value.then(
      () => {
        entry.settledAt = Date.now();
      },
      () => {
        if (this.entry === entry) this.entry = undefined;
      },
    );
    return value;
  }

  async recent(options: CallOptions): Promise<T> {
    const entry = this.entry;
    if (entry && (entry.settledAt === null || Date.now() - entry.settledAt < this.reuseMs)) {
      try {
        return await entry.value;
      } catch (error) {
        if (!entry.signal?.aborted || options.signal?.aborted) throw error;
      }
    }
    return this.fresh(options);
  }
}

// ---------------------------------------------------------------- the adapter

/** A page of the sorted records; every rejection of the list goes with each page, since each page re-reads it. */
function sorted<K extends EntityKind>(kind: K, mapped: MappedRecords<EntityRecords[K]>, request: ListRequest<unknown>): ListPage<EntityRecords[K]> {
  const page = pageByOffset(sortRecords(kind, mapped.records), request.cursor, request.limit);
  return mapped.rejected.length === 0 ? page : { ...page, rejected: mapped.rejected };
}

/** A scan's answer: the records, and each rejection in place of its record. */
function scanned<T>(mapped: MappedRecords<T>): Array<T | RecordRejection> {
  return [...mapped.records, ...mapped.rejected];
}

/** No vendor call: nothing can match. */
const nothing = <T>(): MappedRecords<T> => ({ records: [], rejected: [] });

export function createIncocloudAdapter(settings: IncocloudSettings, context: AdapterContext): VendorAdapter {
  const client = new IncocloudClient({
    connection: context.connectionId,
    baseUrl: settings.baseUrl,
    credentials: { appId: settings.appId, appSecret: settings.appSecret },
    transport: context.transport,
    timeZone: settings.timeZone,
    tokenStore: context.tokenStore,
  });
  const mapping = mappingContext(settings.currency, settings.timeZone);
  // seed "Payments": GET payment_type
  const paymentTypes = new RecentReference((options) => client.listPaymentTypes(options).then(namesById), REFERENCE_REUSE_MS);
  // seed "Hospitality": GET booking_status
  const bookingStatuses = new RecentReference((options) => client.listBookingStatuses(options).then(namesById), REFERENCE_REUSE_MS);

  /** Dates for a sales or payments query: the filter's days, or the configured look-back when it has no start. */
  const datedQuery = (from: string | undefined, to: string | undefined): { from_date?: string; to_date?: string } => {
    const range = localDateRange(from, to, settings.timeZone);
    if (from === undefined && settings.listLookbackDays !== null) {
      range.from_date = shiftDay(toLocalDate(new Date(), settings.timeZone), -settings.listLookbackDays);
    }
    return range;
  };

  // seed "Inventory & Products" and "Configuration": GET item_group, GET vat_group, once per call that maps items.
  const itemLookups = async (options: CallOptions): Promise<ItemLookups> => {
    const [groups, vatGroups] = await Promise.all([client.listItemGroups(options), client.listVatGroups(options)]);
    return { groupNames: namesById(groups), vatPercents: new Map(vatGroups.map((group) => [group.id, group.percent])) };
  };

  const items = async (filter: ItemFilter, options: CallOptions): Promise<MappedRecords<ItemRecord>> => {
    const lookups = itemLookups(options);
    // A category is a group name; one matching group becomes the vendor's `group_id` filter.
    let groupId: number | undefined;
    if (filter.category !== undefined) {
      const groups = [...(await lookups).groupNames].filter(([, name]) => sameText(name, filter.category!));
      if (groups.length === 0) return nothing();
      if (groups.length === 1) groupId = groups[0]![0];
    }
    // seed "Inventory & Products": GET item, with availability for the stock figure.
    const [raws, resolved] = await Promise.all([
      client.listRawItems({ include_availability: true, code: filter.code === '' ? undefined : filter.code, group_id: groupId }, options),
      lookups,
    ]);
    const { records, rejected } = mapItems(raws, resolved, settings.currency);
    const kept = records.filter(
        (item) =>
          containsText(item.name, filter.text) &&
          (filter.code === undefined || item.code === filter.code) &&
          (filter.barcode === undefined || item.barcode === filter.barcode) &&
          (filter.category === undefined || sameText(item.category, filter.category)),
      );
    return { records: kept, rejected };
  };

  const customers = async (filter: CustomerFilter, options: CallOptions): Promise<MappedRecords<CustomerRecord>> => {
    // seed "Partners & Customers": GET partner
    const { records, rejected } = mapCustomers(await client.listRawPartners({}, options));
    return {
      records: records.filter((customer) => filter.text === undefined || containsText(customer.name, filter.text) || containsText(customer.email, filter.text)),
      rejected,
    };
  };

  const locations = async (options: CallOptions): Promise<MappedRecords<LocationRecord>> => {
    // seed "Locations & Stores": GET location
    return mapLocations(await client.listRawLocations(options));
  };

  const sales = async (filter: SaleFilter, options: CallOptions): Promise<MappedRecords<SaleRecord>> => {
    const locationId = idParameter(filter.locationId);
    const partnerId = idParameter(filter.customerId);
    // No cashbooks at IncoCloud, so a cashbook filter matches no sale; nor does an id the vendor cannot have.
    if (locationId === NO_MATCH || partnerId === NO_MATCH || filter.cashbookId !== undefined) return nothing();
    // seed "Sales Operations": GET sale with load_payments, so lines and payments come with the list.
    const [raws, types] = await Promise.all([
      client.listRawSales({ load_payments: true, location_id: locationId, partner_id: partnerId, ...datedQuery(filter.from, filter.to) }, options),
      paymentTypes.fresh(options),
    ]);
    const { records, rejected } = mapSales(raws, types, mapping);
    return { records: records.filter((sale) => withinRange(sale.createdAt, filter.from, filter.to)), rejected };
  };

  const payments = async (filter: PaymentFilter, options: CallOptions): Promise<MappedRecords<PaymentRecord>> => {
    const operationNumber = idParameter(filter.saleId);
    if (operationNumber === NO_MATCH || filter.cashbookId !== undefined) return nothing();
    // seed "Payments": GET payment, filtered by the sale's operation number and local days (contract [assumed]).
    const [raws, types] = await Promise.all([
      client.listRawPayments({ operation_number: operationNumber, ...datedQuery(filter.from, filter.to) }, options),
      paymentTypes.fresh(options),
    ]);
    const { records, rejected } = mapPayments(raws, types, mapping);
    return {
      records: records.filter((payment) => withinRange(payment.createdAt, filter.from, filter.to) && matchesPaymentMethod(payment, filter.method)),
      rejected,
    };
  };

  const bookings = async (filter: BookingFilter, options: CallOptions): Promise<MappedRecords<BookingRecord>> => {
    const partnerId = idParameter(filter.customerId);
    if (partnerId === NO_MATCH) return nothing();
    // seed "Hospitality": GET booking. Its days select the stays overlapping them, a superset of those starting in them.
    const [raws, statuses] = await Promise.all([
      client.listRawBookings({ partner_id: partnerId, ...localDateRange(filter.from, filter.to, settings.timeZone) }, options),
      bookingStatuses.fresh(options),
    ]);
    const { records, rejected } = mapBookings(raws, statuses, mapping);
    return { records: records.filter((booking) => withinRange(booking.startsAt, filter.from, filter.to)), rejected };
  };

  // A created sale is answered unpaid, with no payment types to look up.
  const saleRecordOf = async (sale: Sale, options: CallOptions): Promise<SaleRecord> =>
    toSaleRecord(sale, sale.payments === undefined || sale.payments.length === 0 ? new Map() : await paymentTypes.recent(options), mapping);

  return {
    vendor: 'incocloud',
    currency: settings.currency,
    writers: { sale: createIncocloudSaleWriter(client, { defaultLocationId: settings.defaultLocationId }, saleRecordOf) },
    sources: {
      item: {
        list: async (request) => sorted('item', await items(request.filter, { signal: request.signal }), request),
        batch: { strategy: 'scan', load: async (options) => scanned(await items({}, options)) },
      },
      sale: {
        list: async (request) => sorted('sale', await sales(request.filter, { signal: request.signal }), request),
        // The vendor finds one sale by its operation number; a scan would read every sale for a page's few.
        batch: {
          strategy: 'each',
          concurrency: settings.detailConcurrency,
          async load(id, options) {
            const operationNumber = vendorIdOf(id);
            if (operationNumber === null) return null;
            // seed "Sales Operations": GET sale?operation_number= (contract tricky point 5).
            const [raws, types] = await Promise.all([
              client.listRawSales({ operation_number: operationNumber, load_payments: true }, options),
              paymentTypes.recent(options),
            ]);
            return raws.length === 0 ? null : onlyRecord(mapSales(raws.slice(0, 1), types, mapping), id);
          },
        },
      },
      payment: {
        list: async (request) => sorted('payment', await payments(request.filter, { signal: request.signal }), request),
        // The vendor has no payment id filter: one walk of the payment list per request.
        batch: { strategy: 'scan', load: async (options) => scanned(await payments({}, options)) },
      },
      customer: {
        list: async (request) => sorted('customer', await customers(request.filter, { signal: request.signal }), request),
        // One partner list is one call, however many partners a page references; `each` would be one per partner.
        batch: { strategy: 'scan', load: async (options) => scanned(await customers({}, options)) },
      },
      location: {
        list: async (request) => sorted('location', await locations({ signal: request.signal }), request),
        batch: { strategy: 'scan', load: async (options) => scanned(await locations(options)) },
      },
      booking: {
        list: async (request) => sorted('booking', await bookings(request.filter, { signal: request.signal }), request),
        batch: {
          strategy: 'each',
          concurrency: settings.detailConcurrency,
          async load(id, options) {
            const bookingId = vendorIdOf(id);
            if (bookingId === null) return null;
            // seed "Hospitality": GET booking?id= (the `id` filter is contract [assumed]).
            const [raws, statuses] = await Promise.all([client.listRawBookings({ id: bookingId }, options), bookingStatuses.recent(options)]);
            return raws.length === 0 ? null : onlyRecord(mapBookings(raws.slice(0, 1), statuses, mapping), id);
          },
        },
      },
    },
  };
}

export const incocloudAdapterModule: VendorAdapterModule<IncocloudSettings> = {
  settingsSchema: incocloudSettingsSchema,
  createAdapter: (settings, context) => createIncocloudAdapter(settings, context),
  demoSettings: (simulatorUrl) => ({
    baseUrl: simulatorUrl,
    appId: INCOCLOUD_DEMO_APPLICATIONS.standard.appId,
    appSecret: INCOCLOUD_DEMO_APPLICATIONS.standard.appSecret,
    timeZone: INCOCLOUD_TIME_ZONE,
    currency: 'EUR',
    detailConcurrency: 8,
    listLookbackDays: null,
    // The simulator's first location, "Main store".
    defaultLocationId: 1,
  }),
};
