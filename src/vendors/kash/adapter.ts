/**
 * Kash (caisse.enregistreuse.fr) ⇄ posgraph's unified model, and how each entity is served.
 *
 * Kash never paginates and has no lookup by id except for orders, so:
 *  - items, customers, registers: the whole list is read, filtered, sorted into the
 *    canonical order and paged by offset; lookups by id scan that list once per request;
 *  - sales: getOrders over a date window (it carries no lines), each sale in full through
 *    getOrder, one call per id at `detailConcurrency`;
 *  - payments: the payments inside the orders of the window; a payment id is
 *    "<orderInternalID>:<index>", looked up again through its order;
 *  - registers (getCashbox) are both the cashbooks (without sessions: state null) and the
 *    locations, since a connection is one shop and the register is where a sale happened.
 *
 * A list of orders needs a date range at Kash. Without one, a list covers the
 * `salesLookBackDays` up to now (or up to the filter's `to`); the end of that window is fixed
 * when the first page is read and carried in the cursor, so later pages see the same
 * window. Dated lists page by keyset (the last record's date and id), which stays exact even
 * when an order is recorded with a past value date between two pages.
 *
 * Every list element is validated and mapped on its own (core/adapter.ts `mapEach`): a
 * malformed one is left out of its list and reported as a rejection (source PARTIAL), and
 * fails only its own id in a scan; only a broken envelope fails the whole call.
 */
import { z } from 'zod';
import { currencySetting, timeZoneSetting } from '../../core/settings.ts';
import { mapEach, type CallOptions, type ListPage, type ListRequest, type RecordRejection, type VendorAdapter, type VendorAdapterModule } from '../../core/adapter.ts';
import { VendorMalformedResponseError, VendorNotFoundError } from '../../core/errors.ts';
import type { HttpTransport } from '../../core/http.ts';
import { containsText, InvalidCursorError, pageByOffset, withinRange } from '../../core/local-paging.ts';
import type {
  CashbookFilter,
  CashbookRecord,
  CustomerFilter,
  CustomerRecord,
  EntityRecords,
  ItemFilter,
  ItemRecord,
  LocationFilter,
  LocationRecord,
  PaymentFilter,
  PaymentMethodType,
  PaymentRecord,
  SaleFilter,
  SaleLineRecord,
  SaleRecord,
} from '../../core/model.ts';
import { Decimal, money } from '../../core/money.ts';
import { comparatorFor, sortRecords } from '../../core/ordering.ts';
import { fromLocalDateTime } from '../../core/time.ts';
import type { TokenStore } from '../../core/token-store.ts';
import { KashClient, type KashCredentials } from './client.ts';
import { KASH_DEMO_API_KEY, KASH_DEMO_SHOP_ID, KASH_DEMO_WEBHOOK_SECRET, KASH_SHOP_TIME_ZONE } from './simulator.ts';
import { createKashWebhook } from './webhook.ts';
import { createKashSaleWriter } from './writer.ts';
import {
  KashCashboxSchema,
  KashClientRecordSchema,
  KashDepartmentSchema,
  KashOrderDetailSchema,
  KashOrderSchema,
  KashPaymentModeSchema,
  KashPluSchema,
  type KashCashbox,
  type KashClientRecord,
  type KashDepartment,
  type KashOrder,
  type KashOrderDetail,
  type KashOrderItem,
  type KashPaymentMode,
  type KashPlu,
} from './wire.ts';

const VENDOR = 'kash';
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Settings

const nonEmpty = z.string().trim().min(1);

export const kashSettingsSchema = z
  .strictObject({
    /** e.g. https://caisse.enregistreuse.fr or https://www.free-cash-register.net */
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** Configuration → Webservices; may be a JSON number in a config file. */
    shopId: z.union([nonEmpty, z.number().int().positive().transform(String)]).optional(),
    apiKey: nonEmpty.optional(),
    /** Back-office login, exchanged for the key at getAuthToken (and again if the key is regenerated). */
    login: nonEmpty.optional(),
    password: z.string().min(1).optional(),
    /** The shop's zone: order dates without an offset are read in it. */
    timeZone: timeZoneSetting.default(KASH_SHOP_TIME_ZONE),
    currency: currencySetting.default('EUR'),
    /** getOrder calls in flight at once when sales or payments are looked up by id. */
    detailConcurrency: z.number().int().min(1).max(64).default(8),
    /** How far back a sales or payments list reaches when the filter has no `from`. */
    salesLookBackDays: z.number().int().min(1).max(3_660).default(365),
    /** Split getOrders into windows of this many days; absent: the whole range in one call. */
    ordersWindowDays: z.number().int().min(1).max(3_660).optional(),
    /**
     * Turns on the sale webhook: Kash is configured to call
     * `/webhooks/kash/<connection>?secret=<this>` (its notices are unsigned, so the URL is the credential).
     */
    webhookSecret: z.string().min(16, 'webhookSecret needs at least 16 characters').max(200).regex(/^[\x21-\x7e]+$/, 'webhookSecret takes printable ASCII without spaces').optional(),
  })
  .superRefine((settings, context) => {
    const hasKey = settings.apiKey !== undefined;
    const hasLogin = settings.login !== undefined || settings.password !== undefined;
    if (hasKey && settings.shopId === undefined) {
      context.addIssue({ code: 'custom', path: ['shopId'], message: 'shopId is required with apiKey' });
    }
    if (hasLogin && (settings.login === undefined || settings.password === undefined)) {
      const missing = settings.login === undefined ? 'login' : 'password';
      context.addIssue({ code: 'custom', path: [missing], message: `${missing} is required with ${missing === 'login' ? 'password' : 'login'}` });
    }
    if (!hasKey && !hasLogin) {
      context.addIssue({ code: 'custom', path: ['apiKey'], message: 'Kash needs shopId + apiKey, or login + password' });
    }
  });

export type KashSettings = z.output<typeof kashSettingsSchema>;

function credentialsOf(settings: KashSettings): KashCredentials {
  if (settings.apiKey !== undefined && settings.shopId !== undefined) {
    return { shopId: settings.shopId, apiKey: settings.apiKey, login: settings.login, password: settings.password };
  }
  return { login: settings.login!, password: settings.password!, shopId: settings.shopId };
}

// ---------------------------------------------------------------------------------------------
// Pure wire → model mapping

export interface KashMappingContext {
  readonly currency: string;
  readonly timeZone: string;
}

/** getPlus element → item. Kash articles have no SKU apart from their PLU id, and no stock. */
export function mapPlu(plu: KashPlu, departments: ReadonlyMap<number, KashDepartment>, currency: string): ItemRecord {
  return {
    kind: 'item',
    id: String(plu.id),
    name: plu.title,
    code: null,
    barcode: plu.barcode === null || plu.barcode === '' ? null : plu.barcode,
    price: money(Decimal.fromJsonNumber(plu.price), currency),
    taxRate: percent(plu.vatRate),
    category: departments.get(plu.departmentId)?.title ?? null,
    stock: null,
    raw: plu,
  };
}

/** getClients element → customer. Kash has no company field, so the name is first + last name. */
export function mapClient(client: KashClientRecord): CustomerRecord {
  const firstName = blankToNull(client.prenom);
  const lastName = blankToNull(client.nom);
  const email = blankToNull(client.email);
  const name = [firstName, lastName].filter((part) => part !== null).join(' ') || email || `Client ${client.id}`;
  return {
    kind: 'customer',
    id: String(client.id),
    name,
    firstName,
    lastName,
    company: null,
    email,
    phone: blankToNull(client.telephone),
    vatNumber: blankToNull(client.numtva),
    raw: client,
  };
}

/** A register stands for the cashbook: Kash exposes no till sessions, hence no state or amounts. */
export function mapCashboxAsCashbook(cashbox: KashCashbox): CashbookRecord {
  return {
    kind: 'cashbook',
    id: String(cashbox.id),
    name: cashbox.title,
    state: null,
    openedAt: null,
    closedAt: null,
    openingAmount: null,
    closingAmount: null,
    // The register is its own location (see mapCashboxAsLocation).
    locationId: String(cashbox.id),
    raw: cashbox,
  };
}

/** One connection is one shop; its registers are the places a sale can be told apart by. */
export function mapCashboxAsLocation(cashbox: KashCashbox): LocationRecord {
  return { kind: 'location', id: String(cashbox.id), name: cashbox.title, raw: cashbox };
}

/**
 * An order date as an ISO instant. Kash prints PHP's date('c') with the shop's offset; a
 * date without one is the shop's wall clock, read in the connection's zone.
 */
export function kashInstant(date: string, timeZone: string): string {
  const text = date.trim();
  const withOffset = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const epochMs = withOffset ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Date.parse(fromLocalDateTime(text, timeZone));
  if (Number.isNaN(epochMs)) throw new RangeError(`Not a Kash date: ${JSON.stringify(date)}`);
  return isoInstant(epochMs);
}

/** getOrders element → sale without lines and payments (the list has no items; the gateway asks for the sale by id). */
export function mapOrderSummary(order: KashOrder, context: KashMappingContext): SaleRecord {
  const register = order.cashBoxID === null ? null : String(order.cashBoxID);
  return {
    kind: 'sale',
    id: String(order.orderInternalID),
    number: order.orderID === '' ? null : order.orderID,
    createdAt: kashInstant(order.date, context.timeZone),
    total: money(Decimal.fromJsonNumber(order.price), context.currency),
    locationId: register,
    customerId: order.clientID === null ? null : String(order.clientID),
    cashbookId: register,
    note: blankToNull(order.publicComment),
    raw: order,
  };
}

/** getOrder → the full sale: lines from `items`, payments from `payments`. */
export function mapOrderDetail(detail: KashOrderDetail, paymentModes: ReadonlyMap<number, KashPaymentMode>, context: KashMappingContext): SaleRecord {
  return {
    ...mapOrderSummary(detail, context),
    lines: detail.items.map((item) => mapOrderItem(item, context.currency)),
    payments: mapOrderPayments(detail, paymentModes, context),
    raw: detail,
  };
}

/** One getOrder item; `-<dept>` and `Free_` lines have no article. */
export function mapOrderItem(item: KashOrderItem, currency: string): SaleLineRecord {
  return {
    itemId: item.idArticle === null ? null : String(item.idArticle),
    name: item.title,
    quantity: Decimal.fromJsonNumber(item.quantity).toString(),
    unitPrice: money(Decimal.fromJsonNumber(item.price), currency),
    discount: money(Decimal.fromJsonNumber(item.discount), currency),
    total: money(Decimal.fromJsonNumber(item.total), currency),
    taxRate: percent(item.vatRate),
  };
}

/** The payments inside an order (list or detail), each dated by its order and tied to its register. */
export function mapOrderPayments(order: KashOrder, paymentModes: ReadonlyMap<number, KashPaymentMode>, context: KashMappingContext): PaymentRecord[] {
  const createdAt = kashInstant(order.date, context.timeZone);
  return order.payments.map((payment, index) => {
    const method = paymentModes.get(payment.paymentModeID)?.title ?? `Payment mode ${payment.paymentModeID}`;
    return {
      kind: 'payment',
      id: paymentId(order.orderInternalID, index),
      saleId: String(order.orderInternalID),
      method,
      methodType: paymentMethodType(method),
      // Refund orders carry negative amounts already.
      amount: money(Decimal.fromJsonNumber(payment.amount), context.currency),
      createdAt,
      cashbookId: order.cashBoxID === null ? null : String(order.cashBoxID),
      raw: payment,
    };
  });
}

/** Kash payments have no id of their own: their order's id and their place in it, which never changes. */
export function paymentId(orderInternalId: number, index: number): string {
  return `${orderInternalId}:${index}`;
}

export function parsePaymentId(id: string): { readonly orderInternalId: number; readonly index: number } | null {
  const match = /^([1-9]\d{0,14}):(0|[1-9]\d{0,5})$/.exec(id);
  return match ? { orderInternalId: Number(match[1]), index: Number(match[2]) } : null;
}

/**
 * Kash payment modes are free titles set up per shop ("Espèces", "CB", "Chèque", "Ticket
 * restaurant"…). Vouchers are checked first: "Chèque vacances", "Carte cadeau" are not
 * cheques or cards as far as a till count goes.
 */
export function paymentMethodType(title: string): PaymentMethodType {
  const text = title.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  if (/ticket|titre|vacances|dejeuner|restaurant|voucher|\bbon\b|avoir|cadeau|gift|fidelit|loyalty/.test(text)) return 'OTHER';
  if (/cheque|check/.test(text)) return 'CHECK';
  if (/carte|card|\bcb\b|visa|master|amex|american express|\btpe\b|sans contact|contactless/.test(text)) return 'CARD';
  if (/espece|cash|liquide|numeraire/.test(text)) return 'CASH';
  return 'OTHER';
}

// ---------------------------------------------------------------------------------------------
// One element at a time: a malformed one is rejected alone, the rest of its list is served

/** The records of a list that could be read, and those that could not. */
export interface KashRead<T> {
  readonly records: T[];
  readonly rejected: RecordRejection[];
}

/** A reference table (departments, payment modes), and the rows of it Kash sent malformed. */
export interface KashTable<T> {
  readonly rows: ReadonlyMap<number, T>;
  /** Reason by id (those whose id was readable): what refers to them cannot be read either. */
  readonly malformed: ReadonlyMap<string, string>;
}

/** Validates one element against its wire schema; the error names the first field at fault. */
export function parseElement<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TypeError(`${what} has an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
}

/** Reads the vendor id of an unvalidated element, when it has a usable one. */
export function kashIdOf(key: string): (raw: unknown) => string | null {
  return (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, key)) return null;
    const value = (raw as Record<string, unknown>)[key];
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    return null;
  };
}

export function readTable<T extends { id: number }>(raws: readonly unknown[], schema: z.ZodType<T>, what: string): KashTable<T> {
  const { records, rejected } = mapEach(raws, (raw) => parseElement(schema, raw, what), kashIdOf('id'));
  return { rows: byId(records), malformed: new Map(rejected.flatMap((rejection) => (rejection.id === null ? [] : [[rejection.id, rejection.reason] as const]))) };
}

/** A record that refers to a malformed row (its department, a payment's mode) is not read with a guess. */
function requireRow<T>(table: KashTable<T>, id: number, what: string): void {
  const reason = table.malformed.get(String(id));
  if (reason !== undefined && !table.rows.has(id)) throw new TypeError(`its ${what} ${id} is malformed: ${reason}`);
}

/** getPlus elements → items; an article of a malformed department is rejected too. */
export function readPlus(raws: readonly unknown[], departments: KashTable<KashDepartment>, currency: string): KashRead<ItemRecord> {
  return mapEach(
    raws,
    (raw) => {
      const plu = parseElement(KashPluSchema, raw, 'getPlus element');
      requireRow(departments, plu.departmentId, 'department');
      return mapPlu(plu, departments.rows, currency);
    },
    kashIdOf('id'),
  );
}

/** getClients elements → customers. */
export function readClients(raws: readonly unknown[]): KashRead<CustomerRecord> {
  return mapEach(raws, (raw) => mapClient(parseElement(KashClientRecordSchema, raw, 'getClients element')), kashIdOf('id'));
}

/** getCashbox elements → cashbooks or locations. */
export function readCashboxes<T>(raws: readonly unknown[], map: (cashbox: KashCashbox) => T): KashRead<T> {
  return mapEach(raws, (raw) => map(parseElement(KashCashboxSchema, raw, 'getCashbox element')), kashIdOf('id'));
}

/** getOrders elements → sales without lines. */
export function readOrderSummaries(raws: readonly unknown[], context: KashMappingContext): KashRead<SaleRecord> {
  return mapEach(raws, (raw) => mapOrderSummary(parseElement(KashOrderSchema, raw, 'getOrders element'), context), kashIdOf('orderInternalID'));
}

/** Throws when a payment of the order uses a payment mode Kash sent malformed. */
export function requirePaymentModes(order: KashOrder, modes: KashTable<KashPaymentMode>): void {
  for (const payment of order.payments) requireRow(modes, payment.paymentModeID, 'payment mode');
}

export interface ReadOrderPaymentsOptions {
  /** The element schema: KashOrderSchema (getOrders, default) or KashOrderDetailSchema (getOrder). */
  readonly schema?: z.ZodType<KashOrder>;
  readonly what?: string;
  /** Quotes are not sales: their payments are left out (getOrder answers them too). */
  readonly skipQuotes?: boolean;
}

/**
 * Orders → their payments. A malformed order rejects each of its payments by id
 * ("<orderInternalID>:<index>") when its `payments` array is readable, else once without id.
 */
export function readOrderPayments(
  raws: readonly unknown[],
  modes: KashTable<KashPaymentMode>,
  context: KashMappingContext,
  options: ReadOrderPaymentsOptions = {},
): KashRead<PaymentRecord> {
  const schema = options.schema ?? KashOrderSchema;
  const what = options.what ?? 'getOrders element';
  const records: PaymentRecord[] = [];
  const rejected: RecordRejection[] = [];
  for (const raw of raws) {
    const read = mapEach(
      [raw],
      (element) => {
        const order = parseElement(schema, element, what);
        if (options.skipQuotes && order.status === 'quote') return [];
        requirePaymentModes(order, modes);
        return mapOrderPayments(order, modes.rows, context);
      },
      kashIdOf('orderInternalID'),
    );
    for (const payments of read.records) records.push(...payments);
    for (const rejection of read.rejected) {
      const reason = `order ${rejection.id ?? '?'}: ${rejection.reason}`;
      const payments = typeof raw === 'object' && raw !== null && Object.hasOwn(raw, 'payments') ? (raw as { payments: unknown }).payments : undefined;
      // An order without payments leaves none out.
      if (rejection.id !== null && Array.isArray(payments)) rejected.push(...payments.map((_, index) => ({ id: `${rejection.id}:${index}`, reason })));
      else rejected.push({ id: null, reason });
    }
  }
  return { records, rejected };
}

/** A scan's answer: the records, and a rejection in place of each malformed one. */
function scanned<T>(read: KashRead<T>): Array<T | RecordRejection> {
  return [...read.records, ...read.rejected];
}

/** The page, telling which records of the list were left out as malformed. */
function withRejected<T>(page: ListPage<T>, rejected: readonly RecordRejection[]): ListPage<T> {
  return rejected.length === 0 ? page : { ...page, rejected };
}

// ---------------------------------------------------------------------------------------------
// Filters, applied locally (Kash filters orders by date only)

export function matchesItemFilter(item: ItemRecord, filter: ItemFilter): boolean {
  return (
    containsText(item.name, filter.text) &&
    (filter.code === undefined || item.code === filter.code) &&
    (filter.barcode === undefined || item.barcode === filter.barcode) &&
    (filter.category === undefined || (item.category ?? '').toLocaleLowerCase() === filter.category.toLocaleLowerCase())
  );
}

export function matchesCustomerFilter(customer: CustomerRecord, filter: CustomerFilter): boolean {
  return filter.text === undefined || containsText(customer.name, filter.text) || (customer.email !== null && containsText(customer.email, filter.text));
}

export function matchesSaleFilter(sale: SaleRecord, filter: SaleFilter): boolean {
  return (
    withinRange(sale.createdAt, filter.from, filter.to) &&
    (filter.locationId === undefined || sale.locationId === filter.locationId) &&
    (filter.customerId === undefined || sale.customerId === filter.customerId) &&
    (filter.cashbookId === undefined || sale.cashbookId === filter.cashbookId)
  );
}

export function matchesPaymentFilter(payment: PaymentRecord, filter: PaymentFilter): boolean {
  return (
    withinRange(payment.createdAt, filter.from, filter.to) &&
    (filter.method === undefined ||
      payment.method.toLocaleLowerCase() === filter.method.toLocaleLowerCase() ||
      payment.methodType === filter.method.toUpperCase()) &&
    (filter.cashbookId === undefined || payment.cashbookId === filter.cashbookId) &&
    (filter.saleId === undefined || payment.saleId === filter.saleId)
  );
}

export function matchesCashbookFilter(cashbook: CashbookRecord, filter: CashbookFilter): boolean {
  // Registers have no state or opening time: a filter on either matches none of them.
  return (filter.state === undefined || cashbook.state === filter.state) && withinRange(cashbook.openedAt, filter.from, filter.to);
}

// ---------------------------------------------------------------------------------------------
// Dated lists: the window and the keyset cursor

export interface OrderWindow {
  /** Inclusive bounds, epoch milliseconds. */
  readonly fromMs: number;
  readonly toMs: number;
  /** The end fixed by the first page when the filter has no `to`, carried by later cursors. */
  readonly pinnedEnd: string | null;
}

/** The period a dated list covers: the filter's bounds, else `lookBackDays` up to `to` or now. */
export function orderWindow(filter: { from?: string; to?: string }, pinnedEnd: string | null, lookBackDays: number, now: Date): OrderWindow {
  const end = filter.to === undefined ? (pinnedEnd ?? isoInstant(now.getTime())) : null;
  const toMs = instantMs(filter.to ?? end!, 'to');
  const fromMs = filter.from === undefined ? toMs - lookBackDays * DAY_MS : instantMs(filter.from, 'from');
  return { fromMs, toMs, pinnedEnd: end };
}

/**
 * getOrders calls covering [fromMs, toMs]: whole seconds (order dates have no fraction, so
 * widening to them loses nothing; the exact bounds are applied locally), in consecutive
 * windows of `windowDays` when set.
 */
export function orderQueryWindows(fromMs: number, toMs: number, windowDays: number | undefined): Array<{ from: Date; to: Date }> {
  const first = Math.floor(fromMs / 1000);
  const last = Math.ceil(toMs / 1000);
  if (first > last) return [];
  const span = windowDays === undefined ? Number.POSITIVE_INFINITY : windowDays * 86_400;
  const windows: Array<{ from: Date; to: Date }> = [];
  for (let start = first; start <= last; start += span) {
    windows.push({ from: new Date(start * 1000), to: new Date(Math.min(start + span - 1, last) * 1000) });
    if (!Number.isFinite(span)) break;
  }
  return windows;
}

interface DatedCursor {
  readonly end: string | null;
  readonly at: string;
  readonly id: string;
}

function encodeDatedCursor(cursor: DatedCursor): string {
  return JSON.stringify({ e: cursor.end, a: cursor.at, i: cursor.id });
}

function decodeDatedCursor(cursor: string | null): DatedCursor | null {
  if (cursor === null) return null;
  let parsed: { e?: unknown; a?: unknown; i?: unknown };
  try {
    parsed = JSON.parse(cursor);
  } catch {
    throw new InvalidCursorError(`Not a Kash list cursor: ${JSON.stringify(cursor)}`);
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    (parsed.e === null || (typeof parsed.e === 'string' && !Number.isNaN(Date.parse(parsed.e)))) &&
    typeof parsed.a === 'string' &&
    !Number.isNaN(Date.parse(parsed.a)) &&
    typeof parsed.i === 'string';
  if (!valid) throw new InvalidCursorError(`Not a Kash list cursor: ${JSON.stringify(cursor)}`);
  return { end: parsed.e as string | null, at: parsed.a as string, id: parsed.i as string };
}

/** The records after the cursor's, in canonical order; the count is the whole filtered set's. */
function keysetPage<K extends 'sale' | 'payment'>(
  kind: K,
  sorted: readonly EntityRecords[K][],
  after: DatedCursor | null,
  limit: number,
  pinnedEnd: string | null,
): ListPage<EntityRecords[K]> {
  const compare = comparatorFor(kind);
  let start = 0;
  if (after !== null) {
    // Both comparators read only createdAt and id.
    const anchor = { createdAt: after.at, id: after.id } as unknown as EntityRecords[K];
    while (start < sorted.length && compare(sorted[start]!, anchor) <= 0) start += 1;
  }
  const records = sorted.slice(start, start + Math.max(1, limit));
  const last = records.at(-1);
  const more = start + records.length < sorted.length;
  return {
    records,
    nextCursor: more && last ? encodeDatedCursor({ end: pinnedEnd, at: last.createdAt!, id: last.id }) : null,
    totalCount: sorted.length,
  };
}

// ---------------------------------------------------------------------------------------------
// The adapter

export interface KashAdapterHooks {
  /** The clock that ends a window without `to`; tests fix it. */
  readonly now?: () => Date;
}

export function createKashAdapter(
  settings: KashSettings,
  context: { readonly connectionId: string; readonly transport: HttpTransport; readonly tokenStore?: TokenStore },
  hooks: KashAdapterHooks = {},
): VendorAdapter {
  const client = new KashClient({
    connection: context.connectionId,
    baseUrl: settings.baseUrl,
    credentials: credentialsOf(settings),
    transport: context.transport,
    timeZone: settings.timeZone,
    tokenStore: context.tokenStore,
  });
  const now = hooks.now ?? (() => new Date());
  const mapping: KashMappingContext = { currency: settings.currency, timeZone: settings.timeZone };
  const site = { vendor: VENDOR, connection: context.connectionId };

  /** A record Kash sent that does not map (a date or amount out of shape) is the vendor's fault, and says which. */
  const mapped = <T>(what: string, map: () => T): T => {
    try {
      return map();
    } catch (error) {
      throw new VendorMalformedResponseError({ ...site, vendorMessage: `${what} cannot be read: ${(error as Error).message}`, cause: error });
    }
  };

  // Reference tables every sale detail and item needs: read once per gateway request, not
  // once per sale (a request's calls share its AbortSignal, which keys the memo). Their
  // elements are read one by one too: a malformed row fails only what refers to it.
  const departments = perRequest(async (options) => readTable(await client.listRecords('getDepartments', options), KashDepartmentSchema, 'getDepartments element'));
  const paymentModes = perRequest(async (options) => readTable(await client.listRecords('getPaymentModes', options), KashPaymentModeSchema, 'getPaymentModes element'));
  // GET getCashbox.php (public api_data.md): registers, no sessions; elements read by the caller.
  const cashboxes = perRequest((options) => client.listRecords('getCashbox', options));

  const readItems = async (options: CallOptions): Promise<KashRead<ItemRecord>> => {
    // GET getPlus.php and getDepartments.php (public api_data.md): the category is the department's title.
    const [plus, table] = await Promise.all([client.listRecords('getPlus', options), departments(options)]);
    return readPlus(plus, table, settings.currency);
  };

  const readCustomers = async (options: CallOptions): Promise<KashRead<CustomerRecord>> => {
    // GET getClients.php (public api_data.md).
    return readClients(await client.listRecords('getClients', options));
  };

  /** Validated orders (paid or not; quotes are not sales) of a window, oldest call first, unread. */
  const readOrders = async (window: OrderWindow, options: CallOptions): Promise<unknown[]> => {
    const orderId = kashIdOf('orderInternalID');
    const seen = new Set<string>();
    const orders: unknown[] = [];
    for (const { from, to } of orderQueryWindows(window.fromMs, window.toMs, settings.ordersWindowDays)) {
      // GET getOrders.php?validatedOrders=true&from_date_ISO8601&to_date_ISO8601 (public api_sales.md).
      for (const order of await client.getOrderRecords({ validated: true, from, to }, options)) {
        const id = orderId(order);
        if (id === null || !seen.has(id)) orders.push(order);
        if (id !== null) seen.add(id);
      }
    }
    return orders;
  };

  /** One order unread, or null when Kash has no such order; the payments list of one sale reads it. */
  const readOrderRecord = async (id: string, options: CallOptions): Promise<unknown | null> => {
    if (!/^[1-9]\d{0,14}$/.test(id)) return null;
    try {
      // GET getOrder.php?order_id=<orderInternalID> (MCP data.ts; contract §2 Orders).
      return await client.getOrderRecord(Number(id), options);
    } catch (error) {
      if (error instanceof VendorNotFoundError) return null;
      throw error;
    }
  };

  /** One order in full, or null when Kash has no such sale (unknown id, or a quote). */
  const readOrder = async (id: string, options: CallOptions): Promise<KashOrderDetail | null> => {
    if (!/^[1-9]\d{0,14}$/.test(id)) return null;
    try {
      // GET getOrder.php?order_id=<orderInternalID> (MCP data.ts; contract §2 Orders).
      const detail = await client.getOrder(Number(id), options);
      return detail.status === 'quote' ? null : detail;
    } catch (error) {
      if (error instanceof VendorNotFoundError) return null;
      throw error;
    }
  };

  const readSale = async (id: string, options: CallOptions): Promise<SaleRecord | null> => {
    const [detail, modes] = await Promise.all([readOrder(id, options), paymentModes(options)]);
    if (detail === null) return null;
    return mapped(`getOrder ${id}`, () => {
      requirePaymentModes(detail, modes);
      return mapOrderDetail(detail, modes.rows, mapping);
    });
  };

  return {
    vendor: VENDOR,
    currency: settings.currency,
    writers: {
      // POST webapp.php, then getOrder (docs/vendors/kash.md "Writes").
      sale: createKashSaleWriter(client, {
        connectionId: context.connectionId,
        currency: settings.currency,
        timeZone: settings.timeZone,
        paymentModes: async (options) => (await paymentModes(options)).rows,
        mapOrder: (detail, modes) => mapOrderDetail(detail, modes, mapping),
        paymentMethodType,
        now,
      }),
    },
    sources: {
      item: {
        async list({ filter, cursor, limit, signal }: ListRequest<ItemFilter>) {
          const { records, rejected } = await readItems({ signal });
          const items = records.filter((item) => matchesItemFilter(item, filter));
          return withRejected(pageByOffset(sortRecords('item', items), cursor, limit), rejected);
        },
        batch: { strategy: 'scan', load: async (options) => scanned(await readItems(options)) },
      },

      customer: {
        async list({ filter, cursor, limit, signal }: ListRequest<CustomerFilter>) {
          const { records, rejected } = await readCustomers({ signal });
          const customers = records.filter((customer) => matchesCustomerFilter(customer, filter));
          return withRejected(pageByOffset(sortRecords('customer', customers), cursor, limit), rejected);
        },
        batch: { strategy: 'scan', load: async (options) => scanned(await readCustomers(options)) },
      },

      sale: {
        async list({ filter, cursor, limit, signal }: ListRequest<SaleFilter>) {
          const after = decodeDatedCursor(cursor);
          const window = orderWindow(filter, after?.end ?? null, settings.salesLookBackDays, now());
          const { records: sales, rejected } = readOrderSummaries(await readOrders(window, { signal }), mapping);
          const page = keysetPage('sale', sortRecords('sale', sales.filter((sale) => matchesSaleFilter(sale, filter))), after, limit, window.pinnedEnd);
          return withRejected(page, rejected);
        },
        // getOrders has no items, so every sale is completed by its own getOrder.
        batch: { strategy: 'each', concurrency: settings.detailConcurrency, load: readSale },
      },

      payment: {
        async list({ filter, cursor, limit, signal }: ListRequest<PaymentFilter>) {
          const after = decodeDatedCursor(cursor);
          let read: KashRead<PaymentRecord>;
          let pinnedEnd: string | null = null;
          if (filter.saleId !== undefined) {
            // One sale's payments: its own order, whatever its date (the date bounds still apply below).
            const order = await readOrderRecord(filter.saleId, { signal });
            const modes = await paymentModes({ signal });
            read = readOrderPayments(order === null ? [] : [order], modes, mapping, { schema: KashOrderDetailSchema, what: 'getOrder', skipQuotes: true });
          } else {
            const window = orderWindow(filter, after?.end ?? null, settings.salesLookBackDays, now());
            const orders = await readOrders(window, { signal });
            pinnedEnd = window.pinnedEnd;
            read = readOrderPayments(orders, await paymentModes({ signal }), mapping);
          }
          const payments = read.records.filter((payment) => matchesPaymentFilter(payment, filter));
          return withRejected(keysetPage('payment', sortRecords('payment', payments), after, limit, pinnedEnd), read.rejected);
        },
        batch: {
          strategy: 'each',
          concurrency: settings.detailConcurrency,
          async load(id, options) {
            const key = parsePaymentId(id);
            if (key === null) return null;
            const [detail, modes] = await Promise.all([readOrder(String(key.orderInternalId), options), paymentModes(options)]);
            if (detail === null) return null;
            return (
              mapped(`getOrder ${key.orderInternalId}`, () => {
                requirePaymentModes(detail, modes);
                return mapOrderPayments(detail, modes.rows, mapping);
              }).find((payment) => payment.id === id) ?? null
            );
          },
        },
      },

      cashbook: {
        async list({ filter, cursor, limit, signal }: ListRequest<CashbookFilter>) {
          const { records, rejected } = readCashboxes(await cashboxes({ signal }), mapCashboxAsCashbook);
          const registers = records.filter((cashbook) => matchesCashbookFilter(cashbook, filter));
          return withRejected(pageByOffset(sortRecords('cashbook', registers), cursor, limit), rejected);
        },
        batch: { strategy: 'scan', load: async (options) => scanned(readCashboxes(await cashboxes(options), mapCashboxAsCashbook)) },
      },

      location: {
        async list({ cursor, limit, signal }: ListRequest<LocationFilter>) {
          const { records, rejected } = readCashboxes(await cashboxes({ signal }), mapCashboxAsLocation);
          return withRejected(pageByOffset(sortRecords('location', records), cursor, limit), rejected);
        },
        batch: { strategy: 'scan', load: async (options) => scanned(readCashboxes(await cashboxes(options), mapCashboxAsLocation)) },
      },
    },
  };
}

export const kashAdapterModule: VendorAdapterModule<KashSettings> = {
  settingsSchema: kashSettingsSchema,
  createAdapter: (settings, context) => createKashAdapter(settings, context),
  demoSettings: (simulatorUrl) =>
    kashSettingsSchema.parse({
      baseUrl: simulatorUrl,
      shopId: KASH_DEMO_SHOP_ID,
      apiKey: KASH_DEMO_API_KEY,
      // The simulator's shop stopped trading on a fixed day (2026-11-20); a decade of look-back
      // keeps its sales in an unfiltered list however long after that the demo runs.
      salesLookBackDays: 3_650,
      webhookSecret: KASH_DEMO_WEBHOOK_SECRET,
    }),
  webhook: (settings) => createKashWebhook(settings),
};

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Memoizes a read per gateway request. Every call of one request carries that request's
 * AbortSignal, so the signal is the request's identity; the read runs with it, and a failed
 * read is forgotten so a later call may try again. Calls without a signal read every time.
 */
function perRequest<T>(read: (options: CallOptions) => Promise<T>): (options: CallOptions) => Promise<T> {
  const bySignal = new WeakMap<AbortSignal, Promise<T>>();
  return (options) => {
    const { signal } = options;
    if (signal === undefined) return read(options);
    const known = bySignal.get(signal);
    if (known) return known;
    const reading = read(options);
    bySignal.set(signal, reading);
    reading.catch(() => {
      if (bySignal.get(signal) === reading) bySignal.delete(signal);
    });
    return reading;
  };
}

function byId<T extends { id: number }>(rows: readonly T[]): Map<number, T> {
  return new Map(rows.map((row) => [row.id, row]));
}

/** Kash rates are JSON numbers of percent (5.5); the model wants "5.5". */
function percent(rate: number): string {
  return Decimal.fromJsonNumber(rate).normalize().toString();
}

function blankToNull(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}

function isoInstant(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}

function instantMs(instant: string, name: string): number {
  const epochMs = Date.parse(instant);
  if (Number.isNaN(epochMs)) throw new RangeError(`Kash ${name} bound is not an ISO 8601 instant: ${JSON.stringify(instant)}`);
  return epochMs;
}
