/**
 * Tactill API v0 as posgraph's unified model (docs/vendors/tactill.md, "Adapter").
 *
 * Ids are the vendor's own opaque strings: every resource is looked up by `id` and every
 * reference (`sale.customer_id`, `payment.sale_id`, `…cashbook_id`, `…shop_id`) carries that
 * same id, so they pass through unchanged. Amounts are integer minor units (cents) and tax
 * rates basis points; dates are ISO 8601 UTC, so the connection's time zone changes nothing.
 *
 * Lists, and why each pages the way it does:
 *  - sales and payments page at the vendor. Their canonical order (date desc, then id desc)
 *    is exactly the vendor's sort `[{date desc}, {id desc}]`: both compare normalized ISO
 *    strings and ids as text, and Tactill ids (UUIDs) are never all digits, the one case
 *    where `compareIds` would compare numerically. The keyset `next_token` is the cursor.
 *  - items, customers and cashbooks are fetched whole (filtered at the vendor where it
 *    can), sorted here and served by offset: the vendor sorts names by code unit, where the
 *    canonical order is a case- and accent-blind collation with numeric runs ("Tea 9" before
 *    "Tea 10"); customers sort by a display name the vendor does not have; and cashbooks
 *    take one sort rule only, so cashbooks opened at the same instant (one per shop each
 *    morning) would come in creation order instead of id desc. Each walk keeps its own
 *    snapshot so later pages are consistent and cost no vendor call (see ListSnapshots).
 *
 * Lookups by id are `byIds` for every kind: `id: {in: […]}` takes up to 100 ids, one page.
 * Shops have no v0 endpoint, so `location` is absent (sales and cashbooks still carry the
 * shop id as `locationId`); Tactill has no bookings.
 *
 * Malformed records (issue 6 §4): list pages come from the client with their envelope checked
 * and their records unread; each record is validated with its wire schema and mapped on its
 * own (`mapProducts`, `mapSales`, …). One that fails is left out and reported — in its page's
 * `rejected` (every page of a whole-list snapshot carries the list's rejections), or in its
 * place in a `byIds` batch — so only that record fails, never its page or source.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { currencySetting, timeZoneSetting } from '../../core/settings.ts';
import { mapEach, type BatchLoad, type CallOptions, type ListPage, type ListRequest, type RecordRejection, type VendorAdapter, type VendorAdapterModule } from '../../core/adapter.ts';
import { BadUserInputError, VendorMalformedResponseError, VendorRejectedError } from '../../core/errors.ts';
import { containsText, InvalidCursorError, pageByOffset, withinRange } from '../../core/local-paging.ts';
import type {
  CashbookFilter,
  CashbookRecord,
  CustomerFilter,
  CustomerRecord,
  EntityKind,
  EntityRecords,
  ItemFilter,
  ItemRecord,
  PaymentFilter,
  PaymentRecord,
  SaleFilter,
  SaleLineRecord,
  SaleRecord,
} from '../../core/model.ts';
import { currencyExponent, Decimal, money, type Money } from '../../core/money.ts';
import { sortRecords } from '../../core/ordering.ts';
import { TACTILL_VENDOR, TactillClient } from './client.ts';
import { TACTILL_PRODUCTION_KEY } from './simulator.ts';
import { createTactillCashbookWriter } from './cashbook-writer.ts';
import { createTactillCustomerWriter } from './customer-writer.ts';
import { createTactillSaleWriter } from './writer.ts';
import {
  MAX_IN_VALUES,
  MAX_LIMIT,
  TactillCashbookSchema,
  TactillCategorySchema,
  TactillCustomerSchema,
  TactillPaymentSchema,
  TactillProductSchema,
  TactillSaleSchema,
  type CASHBOOK_FIELDS,
  type PRODUCT_FIELDS,
  type SALE_FIELDS,
  type TactillCashbook,
  type TactillCashbookListRequest,
  type TactillCashFundEntry,
  type TactillCustomer,
  type TactillLogicalFilter,
  type TactillPage,
  type TactillPayment,
  type TactillPaymentListRequest,
  type TactillProduct,
  type TactillSale,
  type TactillSaleLine,
  type TactillSortRule,
} from './wire.ts';

// ---------------------------------------------------------------------------------------
// Settings

const timeZone = timeZoneSetting;
const currency = currencySetting;

export const tactillSettingsSchema = z.strictObject({
  /** The API root with its version: `https://api.tactill.com/v0`, or `<simulator>/v0`. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected the http(s) API root with its version, e.g. https://api.tactill.com/v0' }),
  /** The organization's static key (`v5_…`); a test-mode key reaches test data only. */
  apiKey: z.string().min(1),
  /** The organization's currency; the vendor's amounts are its minor units. */
  currency: currency.default('EUR'),
  /** Accepted like every vendor's; Tactill speaks UTC, so nothing is converted with it. */
  timeZone: timeZone.default('UTC'),
  /**
   * How long (ms) a new walk of the items, customers or cashbooks list may start from a
   * whole list an earlier walk of the same filter fetched; 0 fetches afresh every time.
   * Those lists cost one POST per 100 records against the 3,000-per-10-minutes quota.
   */
  listCacheTtlMs: z.number().int().min(0).max(600_000).default(15_000),
  /**
   * Writes (sales, till sessions): the shop used when the input names no location; without it,
   * the open cashbooks decide. Sales go to an open cashbook of their shop.
   */
  shopId: z.string().min(1).optional(),
  /** Writes: the till (source) posgraph writes as; default: the source of the cashbook used. */
  sourceId: z.string().min(1).optional(),
  /** Writes: that till's name; default: `sourceId` when given, else the cashbook's source name. */
  sourceName: z.string().min(1).optional(),
});

export type TactillSettings = z.infer<typeof tactillSettingsSchema>;

// ---------------------------------------------------------------------------------------
// Wire → model (pure)

/** Integer minor units of `currencyCode` (cents for EUR), exactly. */
export function tactillMoney(minorUnits: number | bigint, currencyCode: string): Money {
  return money(Decimal.fromMinorUnits(minorUnits, currencyExponent(currencyCode)), currencyCode);
}

/** Basis points as a percent string: 2000 → "20", 550 → "5.5". */
export function basisPointsToPercent(basisPoints: number): string {
  return Decimal.fromMinorUnits(basisPoints, 2).normalize().toString();
}

/** A vendor date as one ISO 8601 UTC rendering; a date that does not parse is refused. */
export function isoInstant(value: string): string {
  const epochMs = Date.parse(value);
  if (Number.isNaN(epochMs)) throw new RangeError(`Not an ISO 8601 date: ${JSON.stringify(value)}`);
  return new Date(epochMs).toISOString();
}

/** A JSON quantity (1, 0.125, -2) as a decimal string, without float arithmetic. */
function quantityText(quantity: number): string {
  return Decimal.fromJsonNumber(quantity).normalize().toString();
}

function blankToNull(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}

/**
 * `price` is `sell_price` (tax included), per kg for `bulk_type: "WEIGHT"` goods (the unit
 * stays in `raw`). v0 products carry no stock level, so `stock` is null.
 */
export function toItemRecord(product: TactillProduct, currencyCode: string): ItemRecord {
  return {
    kind: 'item',
    id: product.id,
    name: product.name,
    code: blankToNull(product.reference),
    barcode: blankToNull(product.barcode),
    price: tactillMoney(product.sell_price, currencyCode),
    taxRate: basisPointsToPercent(product.tax.rate),
    category: product.category.name,
    stock: null,
    raw: product,
  };
}

/** The display name: the company, else first and last name, else the e-mail, else the id. */
export function customerDisplayName(customer: Pick<TactillCustomer, 'id' | 'company_name' | 'first_name' | 'last_name' | 'email'>): string {
  const company = blankToNull(customer.company_name);
  if (company !== null) return company;
  const person = [customer.first_name, customer.last_name].map(blankToNull).filter((part) => part !== null).join(' ');
  return person !== '' ? person : (blankToNull(customer.email) ?? customer.id);
}

export function toCustomerRecord(customer: TactillCustomer): CustomerRecord {
  return {
    kind: 'customer',
    id: customer.id,
    name: customerDisplayName(customer),
    firstName: blankToNull(customer.first_name),
    lastName: blankToNull(customer.last_name),
    company: blankToNull(customer.company_name),
    email: blankToNull(customer.email),
    phone: blankToNull(customer.phone),
    vatNumber: blankToNull(customer.company_vat_number),
    raw: customer,
  };
}

/**
 * `method` is the vendor's name for the tender, or its type when the name is missing. A
 * refund is `type: "OUT"` with a negative amount; an OUT sent positive is negated, so
 * refunds are always negative here.
 */
export function toPaymentRecord(payment: TactillPayment, currencyCode: string): PaymentRecord {
  const amount = payment.type === 'OUT' && payment.amount > 0 ? -payment.amount : payment.amount;
  return {
    kind: 'payment',
    id: payment.id,
    saleId: payment.sale_id,
    method: blankToNull(payment.payment_method_name) ?? payment.payment_method_type,
    methodType: payment.payment_method_type,
    amount: tactillMoney(amount, currencyCode),
    createdAt: isoInstant(payment.date),
    cashbookId: payment.cashbook_id,
    raw: payment,
  };
}

export function toSaleLineRecord(line: TactillSaleLine, currencyCode: string): SaleLineRecord {
  return {
    itemId: line.product_id,
    name: line.name,
    quantity: quantityText(line.quantity),
    unitPrice: tactillMoney(line.unit_price, currencyCode),
    discount: tactillMoney(line.discount, currencyCode),
    total: tactillMoney(line.total, currencyCode),
    taxRate: basisPointsToPercent(line.tax_rate),
  };
}

/** A sale as every read answers it: with its lines and payments, so both are always filled. */
export function toSaleRecord(sale: TactillSale, currencyCode: string): SaleRecord {
  return {
    kind: 'sale',
    id: sale.id,
    number: String(sale.number),
    createdAt: isoInstant(sale.opened_at),
    total: tactillMoney(sale.total, currencyCode),
    locationId: sale.shop_id,
    customerId: sale.customer_id,
    cashbookId: sale.cashbook_id,
    note: sale.note,
    lines: sale.lines.map((line) => toSaleLineRecord(line, currencyCode)),
    payments: sale.payments.map((payment) => toPaymentRecord(payment, currencyCode)),
    raw: sale,
  };
}

/** A cash count is one entry per payment method; the drawer's amount is their sum (null when not counted). */
function cashFundTotal(entries: readonly TactillCashFundEntry[], currencyCode: string): Money | null {
  if (entries.length === 0) return null;
  return tactillMoney(entries.reduce((sum, entry) => sum + BigInt(entry.amount), 0n), currencyCode);
}

/** A till session: named after its till and sequence number ("Main store register #12"). */
export function toCashbookRecord(cashbook: TactillCashbook, currencyCode: string): CashbookRecord {
  return {
    kind: 'cashbook',
    id: cashbook.id,
    name: `${cashbook.source_name} #${cashbook.number}`,
    state: cashbook.state,
    openedAt: isoInstant(cashbook.opened_at),
    closedAt: cashbook.closed_at === null ? null : isoInstant(cashbook.closed_at),
    openingAmount: cashFundTotal(cashbook.opening_cash_fund, currencyCode),
    closingAmount: cashFundTotal(cashbook.closing_cash_fund, currencyCode),
    locationId: cashbook.shop_id,
    raw: cashbook,
  };
}

// ---------------------------------------------------------------------------------------
// Raw vendor records → model, one at a time (pure)

/** The vendor id of a raw record when it has a readable one, to name its rejection. */
export function tactillRecordId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const id = (raw as Record<string, unknown>).id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** One raw record validated with its wire schema; the first problem, with its path, is thrown. */
export function readTactillRecord<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new TypeError(`${issue.path.map(String).join('.') || 'record'}: ${issue.message}`);
}

/** Records that validated and mapped, and a rejection for each one that did not. */
export interface MappedRecords<T> {
  readonly records: T[];
  readonly rejected: RecordRejection[];
}

/** Validates and maps each raw record on its own; the rejection's reason names the resource. */
function mapRaw<S extends z.ZodType, R>(what: string, schema: S, raws: readonly unknown[], map: (record: z.output<S>) => R): MappedRecords<R> {
  return mapEach(
    raws,
    (raw) => {
      try {
        return map(readTactillRecord(schema, raw));
      } catch (error) {
        throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
    tactillRecordId,
  );
}

export function mapProducts(raws: readonly unknown[], currencyCode: string): MappedRecords<ItemRecord> {
  return mapRaw('product', TactillProductSchema, raws, (product) => toItemRecord(product, currencyCode));
}

export function mapCustomers(raws: readonly unknown[]): MappedRecords<CustomerRecord> {
  return mapRaw('customer', TactillCustomerSchema, raws, toCustomerRecord);
}

export function mapSales(raws: readonly unknown[], currencyCode: string): MappedRecords<SaleRecord> {
  return mapRaw('sale', TactillSaleSchema, raws, (sale) => toSaleRecord(sale, currencyCode));
}

export function mapPayments(raws: readonly unknown[], currencyCode: string): MappedRecords<PaymentRecord> {
  return mapRaw('payment', TactillPaymentSchema, raws, (payment) => toPaymentRecord(payment, currencyCode));
}

export function mapCashbooks(raws: readonly unknown[], currencyCode: string): MappedRecords<CashbookRecord> {
  return mapRaw('cashbook', TactillCashbookSchema, raws, (cashbook) => toCashbookRecord(cashbook, currencyCode));
}

/** A list page's records, with `rejected` only when some record was left out. */
function withRejected<T>(page: Omit<ListPage<T>, 'rejected'>, rejected: readonly RecordRejection[]): ListPage<T> {
  return rejected.length === 0 ? page : { ...page, rejected };
}

// ---------------------------------------------------------------------------------------
// Model filters → vendor queries (pure), and the exact local checks behind them

function sameText(a: string | null, b: string): boolean {
  return a !== null && a.toLocaleLowerCase() === b.toLocaleLowerCase();
}

/** `PaymentFilter.method`: the vendor's name, case-insensitive, or the type (CASH, CARD, CHECK, OTHER). */
export function matchesPaymentMethod(payment: Pick<PaymentRecord, 'method' | 'methodType'>, method: string | undefined): boolean {
  return method === undefined || sameText(payment.method, method) || payment.methodType === method.toUpperCase();
}

export function matchesItemFilter(item: ItemRecord, filter: ItemFilter): boolean {
  return (
    containsText(item.name, filter.text) &&
    (filter.code === undefined || item.code === filter.code) &&
    (filter.barcode === undefined || item.barcode === filter.barcode) &&
    (filter.category === undefined || sameText(item.category, filter.category))
  );
}

export function matchesCustomerFilter(customer: CustomerRecord, filter: CustomerFilter): boolean {
  return filter.text === undefined || containsText(customer.name, filter.text) || containsText(customer.email, filter.text);
}

export function matchesCashbookFilter(cashbook: CashbookRecord, filter: CashbookFilter): boolean {
  return (filter.state === undefined || cashbook.state === filter.state) && withinRange(cashbook.openedAt, filter.from, filter.to);
}

/** An inclusive bound from the gateway as the vendor's normalized UTC form (same instant, same precision). */
function vendorInstant(value: string, name: string): string {
  const epochMs = Date.parse(value);
  if (Number.isNaN(epochMs)) throw new BadUserInputError(`${name} is not an ISO 8601 instant: ${JSON.stringify(value)}`, { argumentName: name });
  return new Date(epochMs).toISOString();
}

function dateRange(from: string | undefined, to: string | undefined): { gte?: string; lte?: string } | undefined {
  if (from === undefined && to === undefined) return undefined;
  return {
    ...(from === undefined ? {} : { gte: vendorInstant(from, 'from') }),
    ...(to === undefined ? {} : { lte: vendorInstant(to, 'to') }),
  };
}

/**
 * Products: the name as `contains` (both sides ignore case the same way, so it is a
 * superset of the local test), code and barcode exactly, the category by the ids of the
 * categories with that name. The local check then applies the filter exactly.
 */
export function productQuery(filter: ItemFilter, categoryIds?: readonly string[]): TactillLogicalFilter<typeof PRODUCT_FIELDS> {
  return {
    ...(filter.text === undefined ? {} : { name: { contains: filter.text } }),
    ...(filter.code === undefined ? {} : { reference: { eq: filter.code } }),
    ...(filter.barcode === undefined ? {} : { barcode: { eq: filter.barcode } }),
    ...(categoryIds === undefined ? {} : { category_id: { in: categoryIds } }),
  };
}

/** Sales: every SaleFilter field has an exact vendor counterpart. */
export function saleQuery(filter: SaleFilter): TactillLogicalFilter<typeof SALE_FIELDS> {
  const openedAt = dateRange(filter.from, filter.to);
  return {
    ...(openedAt === undefined ? {} : { opened_at: openedAt }),
    ...(filter.locationId === undefined ? {} : { shop_id: { eq: filter.locationId } }),
    ...(filter.customerId === undefined ? {} : { customer_id: { eq: filter.customerId } }),
    ...(filter.cashbookId === undefined ? {} : { cashbook_id: { eq: filter.cashbookId } }),
  };
}

/** Payments: all but `method`, which matches a name the vendor cannot filter on (applied here). */
export function paymentQuery(filter: PaymentFilter): Omit<TactillPaymentListRequest, 'sort' | 'limit' | 'next_token'> {
  const date = dateRange(filter.from, filter.to);
  return {
    ...(date === undefined ? {} : { date }),
    ...(filter.cashbookId === undefined ? {} : { cashbook_id: { eq: filter.cashbookId } }),
    ...(filter.saleId === undefined ? {} : { sale_id: { eq: filter.saleId } }),
  };
}

/** Cashbooks: state and the opening instant, exactly. */
export function cashbookQuery(filter: CashbookFilter): Omit<TactillCashbookListRequest, 'sort' | 'limit' | 'next_token'> {
  const openedAt = dateRange(filter.from, filter.to);
  return {
    ...(filter.state === undefined ? {} : { state: { eq: filter.state } }),
    ...(openedAt === undefined ? {} : { opened_at: openedAt }),
  };
}

/** Newest first, ties by id desc: the canonical order of sales and payments, at the vendor. */
const SALE_SORT: TactillSortRule<keyof typeof SALE_FIELDS>[] = [{ field: 'opened_at', direction: 'desc' }, { field: 'id', direction: 'desc' }];
const PAYMENT_SORT: NonNullable<TactillPaymentListRequest['sort']> = [{ field: 'date', direction: 'desc' }, { field: 'id', direction: 'desc' }];
/** Not the canonical order (ties stay in creation order); only to make the whole-list fetch deterministic. */
const CASHBOOK_SORT: TactillSortRule<keyof typeof CASHBOOK_FIELDS> = { field: 'opened_at', direction: 'desc' };

// ---------------------------------------------------------------------------------------
// Whole-list paging with per-walk snapshots

/** How long a walk may keep paging through the list it started with. */
const SNAPSHOT_RETENTION_MS = 10 * 60_000;
/** Snapshots kept per kind and connection; the oldest go first. */
const MAX_SNAPSHOTS = 32;

interface Snapshot<T> {
  readonly id: string;
  readonly query: string;
  readonly createdAt: number;
  readonly records: readonly T[];
  /** The list's malformed records, reported with every page served from it. */
  readonly rejected: readonly RecordRejection[];
}

/**
 * Lists that must be fetched whole are served from a snapshot: the first page fetches the
 * filtered list (or reuses one of the same filter younger than `reuseMs`), and its cursors
 * (`<snapshot>.<offset>`) name that snapshot, so the rest of the walk neither calls the
 * vendor again nor shifts when a record is added meanwhile. A cursor whose snapshot has
 * been dropped refetches and keeps its offset, as plain offset paging would.
 */
export class ListSnapshots<T> {
  private readonly snapshots = new Map<string, Snapshot<T>>();
  private readonly latest = new Map<string, string>();
  /** Distinguishes this process's snapshots from another's, whose cursors may still arrive. */
  private readonly prefix = randomBytes(6).toString('base64url');
  private counter = 0;

  constructor(private readonly reuseMs: number) {}

  async page(query: string, request: { cursor: string | null; limit: number }, fetchAll: () => Promise<MappedRecords<T>>): Promise<ListPage<T>> {
    const now = Date.now();
    this.evict(now);
    let snapshot: Snapshot<T> | undefined;
    let offset: string | null = null;
    if (request.cursor === null) {
      const latest = this.snapshots.get(this.latest.get(query) ?? '');
      if (latest && now - latest.createdAt < this.reuseMs) snapshot = latest;
    } else {
      const cursor = parseSnapshotCursor(request.cursor);
      offset = cursor.offset;
      const named = this.snapshots.get(cursor.snapshot);
      if (named?.query === query) snapshot = named;
    }
    snapshot ??= this.store(query, await fetchAll());
    const page = pageByOffset(snapshot.records, offset, request.limit);
    return withRejected({ ...page, nextCursor: page.nextCursor === null ? null : `${snapshot.id}.${page.nextCursor}` }, snapshot.rejected);
  }

  private store(query: string, { records, rejected }: MappedRecords<T>): Snapshot<T> {
    this.counter += 1;
    const snapshot: Snapshot<T> = { id: `${this.prefix}${this.counter}`, query, createdAt: Date.now(), records, rejected };
    this.snapshots.set(snapshot.id, snapshot);
    this.latest.set(query, snapshot.id);
    while (this.snapshots.size > MAX_SNAPSHOTS) this.drop(this.snapshots.keys().next().value!);
    return snapshot;
  }

  private evict(now: number): void {
    for (const snapshot of this.snapshots.values()) {
      if (now - snapshot.createdAt > SNAPSHOT_RETENTION_MS) this.drop(snapshot.id);
    }
  }

  private drop(id: string): void {
    const snapshot = this.snapshots.get(id);
    this.snapshots.delete(id);
    if (snapshot && this.latest.get(snapshot.query) === id) this.latest.delete(snapshot.query);
  }
}

function parseSnapshotCursor(cursor: string): { snapshot: string; offset: string } {
  const match = /^([A-Za-z0-9_-]+)\.(\d{1,15})$/.exec(cursor);
  if (!match) throw new InvalidCursorError(`Not a Tactill list cursor: ${JSON.stringify(cursor)}`);
  return { snapshot: match[1]!, offset: match[2]! };
}

// ---------------------------------------------------------------------------------------
// The adapter

/** Vendor pages requested for a gateway page: at least one record, at most the vendor's 100. */
function vendorLimit(limit: number): number {
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < values.length; index += size) out.push(values.slice(index, index + size));
  return out;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function createTactillAdapter(settings: TactillSettings, context: { connectionId: string; transport?: TactillClientTransport }): VendorAdapter {
  const client = new TactillClient({
    connection: context.connectionId,
    baseUrl: settings.baseUrl,
    credentials: { apiKey: settings.apiKey },
    transport: context.transport,
    timeZone: settings.timeZone,
  });
  const currencyCode = settings.currency;
  const itemSnapshots = new ListSnapshots<ItemRecord>(settings.listCacheTtlMs);
  const customerSnapshots = new ListSnapshots<CustomerRecord>(settings.listCacheTtlMs);
  const cashbookSnapshots = new ListSnapshots<CashbookRecord>(settings.listCacheTtlMs);

  /**
   * Writers only (a write's answer is one record, parsed strictly by the client): a record the
   * mapping refuses (a date that does not parse, an amount out of range) is the vendor's fault.
   */
  const mapAll = <W extends { id: string }, R>(what: string, records: readonly W[], map: (record: W) => R): R[] =>
    records.map((record) => {
      try {
        return map(record);
      } catch (error) {
        throw new VendorMalformedResponseError({
          vendor: TACTILL_VENDOR,
          connection: context.connectionId,
          vendorMessage: `${what} ${record.id}: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
    });

  /** A keyset token the vendor no longer accepts is a bad cursor, not a vendor failure. */
  const keysetPage = async <T>(cursor: string | null, fetch: (nextToken: string | undefined) => Promise<TactillPage<T>>): Promise<TactillPage<T>> => {
    try {
      return await fetch(cursor ?? undefined);
    } catch (error) {
      if (cursor !== null && error instanceof VendorRejectedError && error.vendorMessage === 'Invalid next_token') {
        throw new InvalidCursorError(`Not a cursor of this Tactill list: ${JSON.stringify(cursor)}`);
      }
      throw error;
    }
  };

  /**
   * One `id: {in}` page per 100 ids (the loaders already batch at 100). A malformed record
   * answers a rejection in its place, so that id alone fails. One whose id cannot be read
   * must be one of the chunk's ids that got no answer; which one cannot be told, so each of
   * those fails with it rather than reading as "no such record".
   */
  const byIds = <T extends { id: string }>(load: (ids: readonly string[], options: CallOptions) => Promise<MappedRecords<T>>): BatchLoad<T> => ({
    strategy: 'byIds',
    maxBatchSize: MAX_IN_VALUES,
    load: async (ids, options) => {
      const answers: Array<T | RecordRejection> = [];
      for (const chunk of chunks([...new Set(ids)], MAX_IN_VALUES)) {
        const { records, rejected } = await load(chunk, options);
        answers.push(...records, ...rejected.filter((rejection) => rejection.id !== null));
        const unnamed = rejected.find((rejection) => rejection.id === null);
        if (unnamed !== undefined) {
          const answered = new Set([...records.map((record) => record.id), ...rejected.map((rejection) => rejection.id)]);
          for (const id of chunk) if (!answered.has(id)) answers.push({ id, reason: `a record without a readable id: ${unnamed.reason}` });
        }
      }
      return answers;
    },
  });

  const sorted = <K extends EntityKind>(kind: K, records: EntityRecords[K][]): EntityRecords[K][] => sortRecords(kind, records);

  return {
    vendor: 'tactill',
    currency: currencyCode,
    writers: {
      // seed §Sale "Create a sale": one POST /sales, found again by `original_id` (writer.ts).
      sale: createTactillSaleWriter(client, settings, (sale) => mapAll('sale', [sale], (record) => toSaleRecord(record, currencyCode))[0]!),
      // seed §Customer "Create a customer": one POST /customers, found again by `original_id` (customer-writer.ts).
      customer: createTactillCustomerWriter(client, (customer) => mapAll('customer', [customer], toCustomerRecord)[0]!),
      // seed §Cashbook create (OPEN) and PATCH (CLOSED); an opening is found again by its `note` (cashbook-writer.ts).
      cashbook: createTactillCashbookWriter(client, settings, (cashbook) => mapAll('cashbook', [cashbook], (record) => toCashbookRecord(record, currencyCode))[0]!),
    },
    sources: {
      item: {
        list: (request: ListRequest<ItemFilter>) =>
          itemSnapshots.page(JSON.stringify(['item', request.filter]), request, async () => {
            const { filter, signal } = request;
            let categoryIds: string[] | undefined;
            if (filter.category !== undefined) {
              // seed §Category "Request categories": a handful per catalog, fetched with each
              // new walk so a renamed category is seen at once; products embed their category,
              // so this is only to send the vendor ids instead of fetching every product.
              // A category that cannot be read may be the one named: then every product is
              // fetched and the local check (on each product's embedded category) decides.
              const categories = mapEach(
                await collect(client.iterateRawCategories({ limit: MAX_LIMIT }, { signal })),
                (raw) => readTactillRecord(TactillCategorySchema, raw),
                tactillRecordId,
              );
              categoryIds = categories.records.filter((category) => sameText(category.name, filter.category!)).map((category) => category.id);
              if (categoryIds.length === 0 && categories.rejected.length === 0) return { records: [], rejected: [] };
              if (categoryIds.length > MAX_IN_VALUES || categories.rejected.length > 0) categoryIds = undefined;
            }
            // seed §Product "Request products": parameters wrapped in `input`.
            const products = await collect(client.iterateRawProducts({ filter: productQuery(filter, categoryIds), limit: MAX_LIMIT }, { signal }));
            const { records, rejected } = mapProducts(products, currencyCode);
            return { records: sorted('item', records.filter((item) => matchesItemFilter(item, filter))), rejected };
          }),
        // seed §Product "Request products" with `id: {in}` [assumed: docs/vendors/tactill.md 10].
        batch: byIds(async (ids, { signal }) => {
          const page = await client.listRawProducts({ filter: { id: { in: ids } }, limit: MAX_LIMIT }, { signal });
          return mapProducts(page.items, currencyCode);
        }),
      },

      sale: {
        // seed §Sale "Request sales with filtering": keyset pages in the canonical order.
        list: async (request: ListRequest<SaleFilter>) => {
          const filter = saleQuery(request.filter);
          const page = await keysetPage(request.cursor, (next_token) =>
            client.listRawSales({ filter, sort: SALE_SORT, limit: vendorLimit(request.limit), ...(next_token === undefined ? {} : { next_token }) }, { signal: request.signal }),
          );
          const { records, rejected } = mapSales(page.items, currencyCode);
          return withRejected({ records, nextCursor: page.next_token, totalCount: page.total }, rejected);
        },
        batch: byIds(async (ids, { signal }) => {
          const page = await client.listRawSales({ filter: { id: { in: ids } }, limit: MAX_LIMIT }, { signal });
          return mapSales(page.items, currencyCode);
        }),
      },

      payment: {
        // seed §Payment "Request payments with filters": keyset pages in the canonical order.
        // `method` is matched here, page by page: the vendor has no filter on the method's
        // name, so such pages may hold fewer records (full vendor pages keep them few) and
        // the vendor's total no longer counts them.
        list: async (request: ListRequest<PaymentFilter>) => {
          const query = paymentQuery(request.filter);
          const method = request.filter.method;
          const limit = method === undefined ? vendorLimit(request.limit) : MAX_LIMIT;
          const page = await keysetPage(request.cursor, (next_token) =>
            client.listRawPayments({ ...query, sort: PAYMENT_SORT, limit, ...(next_token === undefined ? {} : { next_token }) }, { signal: request.signal }),
          );
          // A malformed payment is reported even under a `method` filter: its method cannot be read.
          const { records, rejected } = mapPayments(page.items, currencyCode);
          return withRejected(
            {
              records: method === undefined ? records : records.filter((payment) => matchesPaymentMethod(payment, method)),
              nextCursor: page.next_token,
              totalCount: method === undefined ? page.total : null,
            },
            rejected,
          );
        },
        batch: byIds(async (ids, { signal }) => {
          const page = await client.listRawPayments({ id: { in: ids }, limit: MAX_LIMIT }, { signal });
          return mapPayments(page.items, currencyCode);
        }),
      },

      customer: {
        // seed §Customer "Request customers": the display name is ours, so sorted and filtered here.
        list: (request: ListRequest<CustomerFilter>) =>
          customerSnapshots.page(JSON.stringify(['customer', request.filter]), request, async () => {
            // A malformed customer is reported whatever the text filter: its name cannot be read.
            const { records, rejected } = mapCustomers(await collect(client.iterateRawCustomers({ limit: MAX_LIMIT }, { signal: request.signal })));
            return { records: sorted('customer', records.filter((customer) => matchesCustomerFilter(customer, request.filter))), rejected };
          }),
        batch: byIds(async (ids, { signal }) => {
          const page = await client.listRawCustomers({ filter: { id: { in: ids } }, limit: MAX_LIMIT }, { signal });
          return mapCustomers(page.items);
        }),
      },

      cashbook: {
        // seed §Cashbook "Request cashbooks with filtering": one sort rule only, so the
        // canonical tie order (id desc) is restored here over the whole filtered list.
        list: (request: ListRequest<CashbookFilter>) =>
          cashbookSnapshots.page(JSON.stringify(['cashbook', request.filter]), request, async () => {
            const cashbooks = await collect(client.iterateRawCashbooks({ ...cashbookQuery(request.filter), sort: CASHBOOK_SORT, limit: MAX_LIMIT }, { signal: request.signal }));
            const { records, rejected } = mapCashbooks(cashbooks, currencyCode);
            return { records: sorted('cashbook', records.filter((cashbook) => matchesCashbookFilter(cashbook, request.filter))), rejected };
          }),
        batch: byIds(async (ids, { signal }) => {
          const page = await client.listRawCashbooks({ id: { in: ids }, limit: MAX_LIMIT }, { signal });
          return mapCashbooks(page.items, currencyCode);
        }),
      },
    },
  };
}

type TactillClientTransport = ConstructorParameters<typeof TactillClient>[0]['transport'];

export const tactillAdapterModule: VendorAdapterModule<TactillSettings> = {
  settingsSchema: tactillSettingsSchema,
  createAdapter: (settings, context) => createTactillAdapter(settings, context),
  demoSettings: (simulatorUrl) => ({
    baseUrl: `${simulatorUrl.replace(/\/+$/, '')}/v0`,
    apiKey: TACTILL_PRODUCTION_KEY,
    currency: 'EUR',
    timeZone: 'UTC',
    listCacheTtlMs: 15_000,
  }),
};
