/**
 * iCash ⇄ posgraph: the pure mapping from iCash's client API rows to the unified model, and
 * how each entity is listed and looked up (vendor-contracts.md §3, §5; docs/vendors/icash.md).
 *
 *   item      get-sale-items          list: whole catalogue, sorted here; batch: byIds (adaptive)
 *   customer  get-contragents CLIENT  list: whole list, sorted here;     batch: byIds (adaptive)
 *   sale      operations-list         list: vendor-paged, newest first;  batch: each get-operation
 *   payment   inside get-operation    no list;                           batch: each get-operation
 *   cashbook  get-cash-registers      list: local;                       batch: scan
 *   location  stores of the registers list: local;                       batch: scan
 *
 * Why the batch strategies look the way they do: the client sends one call at a time per
 * api_key (the nonce must strictly increase), so parallel fan-out buys nothing and every
 * call costs a full round trip. A lookup of n items therefore costs n calls by id, or one
 * walk of the catalogue in pages of 100; the adapter takes whichever is fewer, per batch.
 */
import { z } from 'zod';
import { currencySetting, timeZoneSetting } from '../../core/settings.ts';
import {
  mapEach,
  type AdapterContext,
  type BatchLoad,
  type CallOptions,
  type EntitySources,
  type EntityWriters,
  type ListPage,
  type ListRequest,
  type RecordRejection,
  type VendorAdapter,
  type VendorAdapterModule,
} from '../../core/adapter.ts';
import { mapSettled } from '../../core/concurrency.ts';
import { GatewayError, VendorMalformedResponseError, VendorNotFoundError } from '../../core/errors.ts';
import { InvalidCursorError, containsText, pageByOffset, withinRange } from '../../core/local-paging.ts';
import type {
  CashbookFilter,
  CashbookRecord,
  CustomerFilter,
  CustomerRecord,
  ItemFilter,
  ItemRecord,
  LocationFilter,
  LocationRecord,
  PaymentMethodType,
  PaymentRecord,
  SaleFilter,
  SaleLineRecord,
  SaleRecord,
} from '../../core/model.ts';
import { Decimal, money } from '../../core/money.ts';
import { sortRecords } from '../../core/ordering.ts';
import { fromLocalDateTime, toLocalDateTime } from '../../core/time.ts';
import { IcashClient } from './client.ts';
import { createIcashCustomerWriter } from './customer-writer.ts';
import { createIcashSaleWriter } from './writer.ts';
import {
  CashRegisterSchema,
  ContragentSchema,
  ICASH_MAX_PAGE,
  OperationSchema,
  SaleItemSchema,
  numericRowIdOf,
  readRow,
  rowIdOf,
  type IcashCashRegister,
  type IcashContragent,
  type IcashListResult,
  type IcashOperation,
  type IcashOperationDetail,
  type IcashOperationPayment,
  type IcashOperationSaleItem,
  type IcashPayType,
  type IcashSaleItem,
  type OperationFilters,
} from './wire.ts';

const VENDOR = 'icash';
const DEFAULT_TIME_ZONE = 'Europe/Sofia';
const METHOD_TYPES = ['CASH', 'CARD', 'CHECK', 'OTHER'] as const;

// ---------------------------------------------------------------------------------------------
// Settings

const digits = z.string().regex(/^\d+$/, 'digits only');
/** Ids may be written as JSON numbers in a configuration file; the wire wants text. */
const numericId = z.union([digits, z.number().int().nonnegative().transform(String)]);
/** A percent such as "20" or "5.5" (or the JSON number 5.5), kept as a normalized decimal string. */
const percent = z.union([z.string(), z.number()]).transform((value, context) => {
  try {
    const decimal = Decimal.from(value).normalize();
    if (decimal.isNegative()) throw new RangeError('negative');
    return decimal.toString();
  } catch {
    context.addIssue({ code: 'custom', message: `expected a non-negative percent such as "20" or "5.5", got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
});
const timeZone = timeZoneSetting;
const currency = currencySetting;

export const icashSettingsSchema = z
  .object({
    /** Host root, e.g. https://v5.icash.bg; methods live under /clientapi/v1/. */
    baseUrl: z.url(),
    api_key: z.string().min(1),
    secret_key: z.string().min(1),
    WareHouseID: numericId,
    UserID: numericId,
    /**
     * Tax group id → percent. iCash has no endpoint listing tax groups, so the rates of the
     * account's groups are configuration; an item of a group missing here has taxRate null.
     */
    taxRates: z.record(digits, percent),
    /** Pay type id → CASH|CARD|CHECK|OTHER, where the pay type's name does not say it (see `methodTypeOf`). */
    paymentMethodTypes: z.record(digits, z.enum(METHOD_TYPES)).default({}),
    /** Store id → name. iCash has no store endpoint; without a name here a store is named after its register. */
    storeNames: z.record(digits, z.string().min(1)).default({}),
    timeZone: timeZone.default(DEFAULT_TIME_ZONE),
    currency: currency.default('EUR'),
    /** At most this many lookups by id queued at once (the client still sends them one by one). */
    detailConcurrency: z.number().int().min(1).max(64).default(8),
    /** How long pay types and cash registers (used to name payments and to filter sales) are reused; 0 = per call. */
    referenceTtlSeconds: z.number().int().min(0).max(86_400).default(300),
    /** ContragentCountryCode of the customers created here (iCash requires one; the model has none); "BG" when absent. */
    defaultCountryCode: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code such as "BG"').optional(),
    /** ContragentCityName of the customers created here (iCash requires one; the model has none); "Sofia" when absent. */
    defaultCityName: z.string().min(1).max(70).optional(),
  })
  .strict();

export type IcashSettings = z.output<typeof icashSettingsSchema>;

/** The simulator's tax groups (dataset taxes 1–4) and stores (dataset locations 1–3). */
const DEMO_TAX_RATES = { '1': '20', '2': '10', '3': '5.5', '4': '9' };
const DEMO_STORE_NAMES = { '1': 'Main store', '2': 'Station kiosk', '3': 'Market stall' };

// ---------------------------------------------------------------------------------------------
// Pure wire → model mapping

export interface IcashMappingContext {
  readonly currency: string;
  readonly timeZone: string;
  /** Tax group id → percent. */
  readonly taxRates: Readonly<Record<string, string>>;
}

export interface IcashPaymentContext extends IcashMappingContext {
  /** Pay type id → name, from get-pay-types. */
  readonly payTypes: ReadonlyMap<number, string>;
  /** Pay type id → type, overriding what the name says. */
  readonly paymentMethodTypes?: Readonly<Record<string, PaymentMethodType>>;
}

const textOrNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/** A sale item (3.12). `SaleItemBarcodeBarcode` is the read name of the barcode; iCash has no stock here. */
export function mapSaleItem(row: IcashSaleItem, context: IcashMappingContext): ItemRecord {
  return {
    kind: 'item',
    id: String(row.SaleItemID),
    name: row.SaleItemName,
    code: textOrNull(row.SaleItemInventoryID),
    barcode: textOrNull(row.SaleItemBarcodeBarcode),
    price: money(Decimal.parse(row.SaleItemSellPrice), context.currency),
    taxRate: context.taxRates[String(row.SaleItemTaxGroupID)] ?? null,
    category: textOrNull(row.SaleItemGroupName),
    stock: null,
    raw: row,
  };
}

/** The groups of an item: `SaleItemGroupName` is a comma-separated list. */
function categoriesOf(item: ItemRecord): string[] {
  return (item.category ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
}

export function matchesItemFilter(item: ItemRecord, filter: ItemFilter): boolean {
  const category = filter.category?.toLocaleLowerCase();
  return (
    containsText(item.name, filter.text) &&
    (filter.code === undefined || item.code === filter.code) &&
    (filter.barcode === undefined || item.barcode === filter.barcode) &&
    (category === undefined ||
      item.category?.toLocaleLowerCase() === category ||
      categoriesOf(item).some((name) => name.toLocaleLowerCase() === category))
  );
}

/**
 * A contragent (3.09). iCash has one name field: the company for a business, the person
 * otherwise; `ContragentMOL` is the responsible person. A contragent is a company when it is
 * VAT-registered or its MOL differs from its name; the person is split at the first space.
 */
export function mapContragent(row: IcashContragent): CustomerRecord {
  const name = row.ContragentName.trim();
  const mol = textOrNull(row.ContragentMOL);
  const isCompany = row.ContragentVatRegistered === 1 || (mol !== null && mol !== name);
  const person = mol ?? (isCompany ? null : textOrNull(name));
  const space = person?.search(/\s/) ?? -1;
  return {
    kind: 'customer',
    id: String(row.ContragentID),
    name,
    firstName: person === null ? null : space > 0 ? person.slice(0, space) : null,
    lastName: person === null ? null : space > 0 ? person.slice(space + 1).trim() || null : person,
    company: isCompany ? textOrNull(name) : null,
    email: textOrNull(row.ContragentEmail),
    phone: textOrNull(row.ContragentPhone) ?? textOrNull(row.ContragentMobile),
    vatNumber: textOrNull(row.ContragentVatNum),
    raw: row,
  };
}

export function matchesCustomerFilter(customer: CustomerRecord, filter: CustomerFilter): boolean {
  return filter.text === undefined || containsText(customer.name, filter.text) || containsText(customer.email, filter.text);
}

/** Returns are stored with positive amounts (a storno receipt); the model wants them negative. */
function signOf(operation: IcashOperation): (value: Decimal) => Decimal {
  return operation.OperationType === 'ReturnClient' ? (value) => value.negate() : (value) => value;
}

/** Local "YYYY-MM-DD HH:MM:SS" of the connection's zone as an ISO instant. */
export function operationInstant(operation: IcashOperation, timeZone: string): string {
  return fromLocalDateTime(operation.OperationCreateDate, timeZone);
}

/**
 * A line of get-operation. iCash returns the quantity, the unit price (VAT included) and the
 * discount as a percent; the amounts follow its documented arithmetic [docs/vendors/icash.md
 * assumption 9]: gross = round2(Qty × price), discount = round2(gross × % / 100),
 * total = gross − discount. The line names neither the item's text nor its tax rate.
 */
export function mapOperationLine(line: IcashOperationSaleItem, operation: IcashOperation, context: IcashMappingContext): SaleLineRecord {
  const sign = signOf(operation);
  const quantity = Decimal.parse(line.Qty);
  const unitPrice = Decimal.parse(line.SaleItemSinglePrice);
  const gross = quantity.mul(unitPrice).round(2);
  const product = gross.mul(Decimal.parse(line.SaleItemDiscount));
  // × percent / 100 only moves the decimal point, so this stays exact before rounding.
  const discount = Decimal.of(product.units, product.scale + 2).round(2);
  return {
    itemId: String(line.SaleItemID),
    name: null,
    quantity: sign(quantity).normalize().toString(),
    unitPrice: money(unitPrice, context.currency),
    discount: money(sign(discount), context.currency),
    total: money(sign(gross.sub(discount)), context.currency),
    taxRate: null,
  };
}

/**
 * The model id of a payment: iCash reads a payment only inside its operation, so the id
 * carries both ("<OperationID>:<PaymentID>") and a Payment node can be fetched again.
 */
export function icashPaymentId(operationId: number, paymentId: string): string {
  return `${operationId}:${paymentId}`;
}

export function parseIcashPaymentId(id: string): { operationId: number; paymentId: string } | null {
  const match = /^(\d{1,15}):(\d{1,18})$/.exec(id);
  return match ? { operationId: Number(match[1]), paymentId: match[2]! } : null;
}

/**
 * Pay type names as tills in iCash's markets (Bulgaria, Albania) and elsewhere spell them,
 * checked in this order; JavaScript's \b only knows ASCII, hence the explicit edges.
 */
const METHOD_NAME_PATTERNS: ReadonlyArray<readonly [PaymentMethodType, RegExp]> = [
  ['CHECK', /cheque|\bcheck\b|chèque|(^|\s)чек|çek/],
  ['CARD', /card|карт|kart|carte|visa|mastercard|maestro|\bcb\b|\bpos\b/],
  ['CASH', /cash|брой|кеш|в наличност|para në dorë|para ne dore|kesh|espèces|especes|liquide/],
];

/** CASH/CARD/CHECK/OTHER from a pay type's name; a configured type wins; anything unrecognised is OTHER. */
export function methodTypeOf(name: string, configured?: PaymentMethodType): PaymentMethodType {
  if (configured) return configured;
  const text = name.trim().toLocaleLowerCase();
  return METHOD_NAME_PATTERNS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'OTHER';
}

/**
 * A payment of get-operation. It has no time of its own: it takes its operation's creation
 * time, like the sale. Refunds (ReturnClient) are negative.
 */
export function mapOperationPayment(payment: IcashOperationPayment, operation: IcashOperation, context: IcashPaymentContext): PaymentRecord {
  const method = context.payTypes.get(payment.PayTypeID) ?? `Pay type ${payment.PayTypeID}`;
  return {
    kind: 'payment',
    id: icashPaymentId(operation.OperationID, payment.PaymentID),
    saleId: String(operation.OperationID),
    method,
    methodType: methodTypeOf(method, context.paymentMethodTypes?.[String(payment.PayTypeID)]),
    amount: money(signOf(operation)(Decimal.parse(payment.PaymentSum)), context.currency),
    createdAt: operationInstant(operation, context.timeZone),
    cashbookId: String(operation.OperationCashRegisterID),
    raw: payment,
  };
}

/**
 * An operation as a sale. A row of operations-list has no lines or payments, so they stay
 * `undefined` (the gateway then asks `batch`); a get-operation answer fills them.
 */
export function mapOperation(operation: IcashOperation | IcashOperationDetail, context: IcashMappingContext | IcashPaymentContext): SaleRecord {
  const detail = 'SaleItems' in operation && 'payTypes' in context ? { operation, context } : undefined;
  return {
    kind: 'sale',
    id: String(operation.OperationID),
    number: String(operation.OperationNum),
    createdAt: operationInstant(operation, context.timeZone),
    total: money(signOf(operation)(Decimal.parse(operation.OperationPrice)), context.currency),
    locationId: String(operation.OperationStoreID),
    customerId: operation.OperationContragentID === 0 ? null : String(operation.OperationContragentID),
    cashbookId: String(operation.OperationCashRegisterID),
    note: textOrNull(operation.OperationComment),
    lines: detail ? detail.operation.SaleItems.map((line) => mapOperationLine(line, operation, context)) : undefined,
    payments: detail ? detail.operation.Payments.map((payment) => mapOperationPayment(payment, operation, detail.context)) : undefined,
    raw: operation,
  };
}

/** A cash register: iCash has registers, not till sessions, so state and times are null. */
export function mapCashRegister(register: IcashCashRegister): CashbookRecord {
  return {
    kind: 'cashbook',
    id: String(register.id),
    name: textOrNull(register.value),
    state: null,
    openedAt: null,
    closedAt: null,
    openingAmount: null,
    closingAmount: null,
    locationId: String(register.storeID),
    raw: register,
  };
}

export function matchesCashbookFilter(cashbook: CashbookRecord, filter: CashbookFilter): boolean {
  return (filter.state === undefined || cashbook.state === filter.state) && withinRange(cashbook.openedAt, filter.from, filter.to);
}

// ---------------------------------------------------------------------------------------------
// Raw rows, one by one: each row of a list is validated (the wire schema) and mapped on its
// own, so a malformed row is rejected with its id, when readable, and the rest is served.

export interface MappedRows<T> {
  readonly records: T[];
  readonly rejected: RecordRejection[];
}

export function mapSaleItemRows(raws: readonly unknown[], context: IcashMappingContext): MappedRows<ItemRecord> {
  return mapEach(raws, (raw) => mapSaleItem(readRow(SaleItemSchema, raw, 'get-sale-items'), context), (raw) => rowIdOf(raw, 'SaleItemID'));
}

export function mapContragentRows(raws: readonly unknown[]): MappedRows<CustomerRecord> {
  return mapEach(raws, (raw) => mapContragent(readRow(ContragentSchema, raw, 'get-contragents')), (raw) => rowIdOf(raw, 'ContragentID'));
}

/** Rows of operations-list, as sales without lines. */
export function mapOperationRows(raws: readonly unknown[], context: IcashMappingContext): MappedRows<SaleRecord> {
  return mapEach(raws, (raw) => mapOperation(readRow(OperationSchema, raw, 'operations-list'), context), (raw) => rowIdOf(raw, 'OperationID'));
}

/** The registers that read, and the rejections of those that do not. */
export function readCashRegisterRows(raws: readonly unknown[]): MappedRows<IcashCashRegister> {
  return mapEach(raws, (raw) => readRow(CashRegisterSchema, raw, 'get-cash-registers'), (raw) => rowIdOf(raw, 'id'));
}

export function mapCashRegisterRows(raws: readonly unknown[]): MappedRows<CashbookRecord> {
  const { records, rejected } = readCashRegisterRows(raws);
  return { records: records.map(mapCashRegister), rejected };
}

/**
 * Stores of the registers that read. A malformed register is reported against its store
 * (when its storeID is readable) only if no readable register shows that store.
 */
export function mapStoreRows(raws: readonly unknown[], storeNames: Readonly<Record<string, string>> = {}): MappedRows<LocationRecord> {
  const registers: IcashCashRegister[] = [];
  const broken: Array<{ storeId: string | null; reason: string }> = [];
  for (const raw of raws) {
    const one = readCashRegisterRows([raw]);
    if (one.records.length === 1) registers.push(one.records[0]!);
    else broken.push({ storeId: rowIdOf(raw, 'storeID'), reason: one.rejected[0]?.reason ?? 'unreadable get-cash-registers row' });
  }
  const records = mapStores(registers, storeNames);
  const listed = new Set(records.map((store) => store.id));
  const rejected: RecordRejection[] = [];
  for (const { storeId, reason } of broken) {
    if (storeId !== null && (listed.has(storeId) || rejected.some((rejection) => rejection.id === storeId))) continue;
    rejected.push({ id: storeId, reason: `a cash register of this store: ${reason}` });
  }
  return { records, rejected };
}

/** A page with its rejections, when it has any (a page without keeps its old shape). */
function withRejected<T>(page: ListPage<T>, rejected: readonly RecordRejection[]): ListPage<T> {
  return rejected.length > 0 ? { ...page, rejected } : page;
}

/**
 * Stores, as far as iCash shows them: the `storeID`s of the cash registers. The name comes
 * from configuration, else from the store's register when it has exactly one, else "Store <id>".
 * `raw` is `{storeID, registers}`: the registers the store was seen through.
 */
export function mapStores(registers: readonly IcashCashRegister[], storeNames: Readonly<Record<string, string>> = {}): LocationRecord[] {
  const byStore = new Map<number, IcashCashRegister[]>();
  for (const register of registers) byStore.set(register.storeID, [...(byStore.get(register.storeID) ?? []), register]);
  return [...byStore].map(([storeId, storeRegisters]) => ({
    kind: 'location' as const,
    id: String(storeId),
    name: storeNames[String(storeId)] ?? (storeRegisters.length === 1 ? textOrNull(storeRegisters[0]!.value) : null) ?? `Store ${storeId}`,
    raw: { storeID: storeId, registers: storeRegisters },
  }));
}

// ---------------------------------------------------------------------------------------------
// Date filters

/** DST changes of every zone in use shift clocks by at most 2 h; this bounds the ambiguity. */
const ZONE_SHIFT_MARGIN_MS = 3 * 3_600_000;

function zoneOffsetMs(epochMs: number, zone: string): number {
  return Date.parse(`${toLocalDateTime(new Date(epochMs), zone).replace(' ', 'T')}Z`) - Math.floor(epochMs / 1000) * 1000;
}

/**
 * Inclusive ISO bounds as local "YYYY-MM-DD HH:MM:SS" for OperationCreateDate{From,To}.
 * Vendor times are whole seconds, so `from` rounds up and `to` down. Near a change of the
 * zone's offset the local clock is not monotonic in the instant (an autumn hour repeats), so
 * the vendor range is widened there by the largest shift and the caller filters exactly
 * (`exact` false: the vendor's count may then include rows outside the range).
 */
export function localOperationRange(from: string | undefined, to: string | undefined, zone: string): { from?: string; to?: string; exact: boolean } {
  let exact = true;
  const bound = (instant: string, edge: 'from' | 'to'): string => {
    const parsed = Date.parse(instant);
    if (Number.isNaN(parsed)) throw new RangeError(`Not an ISO 8601 instant: ${JSON.stringify(instant)}`);
    let epochMs = edge === 'from' ? Math.ceil(parsed / 1000) * 1000 : Math.floor(parsed / 1000) * 1000;
    if (zoneOffsetMs(epochMs - ZONE_SHIFT_MARGIN_MS, zone) !== zoneOffsetMs(epochMs + ZONE_SHIFT_MARGIN_MS, zone)) {
      exact = false;
      epochMs += edge === 'from' ? -ZONE_SHIFT_MARGIN_MS : ZONE_SHIFT_MARGIN_MS;
    }
    return toLocalDateTime(new Date(epochMs), zone);
  };
  const range: { from?: string; to?: string } = {};
  if (from !== undefined) range.from = bound(from, 'from');
  if (to !== undefined) range.to = bound(to, 'to');
  return { ...range, exact };
}

// ---------------------------------------------------------------------------------------------
// Lookups by id over an id-sorted paged list

/** A vendor list that can be read by id or walked in id order (get-sale-items, get-contragents). */
export interface IdIndexedList<Row> {
  /** One page of the whole list, in ascending id order. */
  page(offset: number, count: number, options: CallOptions): Promise<IcashListResult<Row>>;
  /** The row with this id, by the list's id filter. */
  one(id: number, options: CallOptions): Promise<Row | null>;
  /** null for a row whose id cannot be read (a malformed row): it matches no id and bounds nothing. */
  idOf(row: Row): number | null;
  /** Rows in the whole list, as last seen: only an estimate for choosing the cheaper plan. */
  knownTotal: number | undefined;
}

/**
 * Rows for many ids in as few sequential calls as possible: walking the list in id order
 * costs one call per 100 rows up to the largest id still wanted (ids are positive integers,
 * so id n sits at offset < n), a lookup by id one call per id. Before each page the cheaper
 * of the two is taken for what is left, so a batch costs about min(ids, pages) calls.
 * Rows added or removed during a walk may shift pages; a row missed that way reads as absent.
 */
export async function loadIdsFromList<Row>(
  list: IdIndexedList<Row>,
  ids: readonly string[],
  concurrency: number,
  options: CallOptions,
): Promise<Row[]> {
  let wanted = [...new Set(ids.filter((id) => /^[1-9]\d{0,14}$/.test(id)).map(Number))].sort((a, b) => a - b);
  const found: Row[] = [];
  let offset = 0;
  /** The list's size as this walk saw it; until then, the last size seen, as an estimate only. */
  let total: number | undefined;
  while (wanted.length > 0) {
    const reach = Math.min(total ?? list.knownTotal ?? Number.POSITIVE_INFINITY, wanted.at(-1)! + 1);
    const pagesLeft = Math.ceil((reach - offset) / ICASH_MAX_PAGE);
    // Past the end of what this walk saw, the ids left do not exist.
    if (total !== undefined && pagesLeft <= 0) break;
    if (wanted.length <= Math.max(1, pagesLeft)) {
      const rows = await mapSettled(wanted, concurrency, (id) => list.one(id, options));
      for (const row of rows) {
        if (row instanceof Error) throw row;
        if (row !== null) found.push(row);
      }
      break;
    }
    const page = await list.page(offset, ICASH_MAX_PAGE, options);
    total = page.TotalRecords;
    list.knownTotal = total;
    const wantedSet = new Set(wanted);
    let lastId: number | null = null;
    for (const row of page.Data) {
      const id = list.idOf(row);
      if (id === null) continue;
      if (wantedSet.delete(id)) found.push(row);
      lastId = lastId === null ? id : Math.max(lastId, id);
    }
    offset += page.Data.length;
    if (page.Data.length === 0 || offset >= total) break;
    // In id order, an id up to the last one seen that was not on the pages does not exist.
    const seenUpTo = lastId;
    wanted = wanted.filter((id) => (seenUpTo === null || id > seenUpTo) && wantedSet.has(id));
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Reference data: pay types and cash registers change rarely and are needed to name payments
// and to filter sales by register, so they are reused for `referenceTtlSeconds`.

class Reference<T> {
  private value: T | undefined;
  private expiresAt = 0;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly fetch: (options: CallOptions) => Promise<T>,
    private readonly ttlMs: number,
  ) {}

  /** Fresh data from the vendor, remembered for the others. */
  async refresh(options: CallOptions): Promise<T> {
    const value = await this.fetch(options);
    this.value = value;
    this.expiresAt = Date.now() + this.ttlMs;
    return value;
  }

  /**
   * The remembered value, or one fetch shared by concurrent callers. The fetch carries its
   * first caller's signal; if it fails, a waiter tries once more on its own.
   */
  async get(options: CallOptions): Promise<T> {
    if (this.value !== undefined && Date.now() < this.expiresAt) return this.value;
    if (this.pending) {
      try {
        return await this.pending;
      } catch {
        return this.refresh(options);
      }
    }
    const pending = this.refresh(options);
    this.pending = pending;
    try {
      return await pending;
    } finally {
      if (this.pending === pending) this.pending = undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The adapter

/** Operations that are sales: completed (NORMAL) Sell and ReturnClient; the list's default filter. */
function isListedSale(operation: IcashOperation): boolean {
  return operation.OperationStatus === 'NORMAL' && (operation.OperationType === 'Sell' || operation.OperationType === 'ReturnClient');
}

const positiveId = (id: string | undefined): number | null | undefined => {
  if (id === undefined) return undefined;
  return /^\d{1,15}$/.test(id) && Number(id) > 0 ? Number(id) : null;
};

function offsetCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  const offset = /^\d{1,15}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(offset)) throw new InvalidCursorError(`Not an iCash offset cursor: ${JSON.stringify(cursor)}`);
  return offset;
}

export function createIcashAdapter(settings: IcashSettings, context: AdapterContext): VendorAdapter {
  const client = new IcashClient({
    connection: context.connectionId,
    baseUrl: settings.baseUrl,
    credentials: { api_key: settings.api_key, secret_key: settings.secret_key, WareHouseID: settings.WareHouseID, UserID: settings.UserID },
    transport: context.transport,
    timeZone: settings.timeZone,
    tokenStore: context.tokenStore,
    lanes: context.lanes,
  });
  const mapping: IcashMappingContext = { currency: settings.currency, timeZone: settings.timeZone, taxRates: settings.taxRates };
  const site = { vendor: VENDOR, connection: context.connectionId };
  const ttlMs = settings.referenceTtlSeconds * 1000;

  /** A row that breaks the mapping (a bad date or amount) is the vendor's fault, reported as such. */
  const mapped = <Row, Out>(method: string, row: Row, map: (row: Row) => Out): Out => {
    try {
      return map(row);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw new VendorMalformedResponseError({ ...site, status: 200, vendorMessage: `${method}: ${(error as Error).message}`, cause: error });
    }
  };

  const payTypes = new Reference<ReadonlyMap<number, string>>(
    // 3.06 get-pay-types
    async (options) => new Map((await client.getPayTypes(options)).map((payType: IcashPayType) => [payType.id, payType.value])),
    ttlMs,
  );
  // 3.02 get-cash-registers, each row read on its own: a malformed register fails only itself.
  const registerRows = new Reference<unknown[]>((options) => client.getCashRegisterRows(options), ttlMs);
  const registers = {
    /** The registers that read, and the rejections of those that do not. */
    get: async (options: CallOptions): Promise<MappedRows<IcashCashRegister>> => readCashRegisterRows(await registerRows.get(options)),
  };

  const paymentContext = async (options: CallOptions): Promise<IcashPaymentContext> => ({
    ...mapping,
    payTypes: await payTypes.get(options),
    paymentMethodTypes: settings.paymentMethodTypes,
  });

  /** A completed sale by id, with lines and payments; null for anything that is not one. */
  const fullSale = async (operationId: number, options: CallOptions): Promise<SaleRecord | null> => {
    let operation: IcashOperationDetail;
    try {
      // 3.14 get-operation
      operation = await client.getOperation(operationId, options);
    } catch (error) {
      if (error instanceof VendorNotFoundError) return null;
      throw error;
    }
    if (!isListedSale(operation)) return null;
    const payments = await paymentContext(options);
    return mapped('get-operation', operation, (row) => mapOperation(row, payments));
  };

  // Raw rows: each is read (and may be rejected) by the adapter, one by one.
  const saleItems: IdIndexedList<unknown> = {
    // 3.12 get-sale-items (seed): sortable by SaleItemID, filterable by it.
    page: (offset, count, options) => client.getSaleItemRows({ sort: 'SaleItemID', order: 'ASC', offset, count }, options),
    one: async (id, options) => (await client.getSaleItemRows({ SaleItemID: id, count: 1 }, options)).Data[0] ?? null,
    idOf: (row) => numericRowIdOf(row, 'SaleItemID'),
    knownTotal: undefined,
  };

  const contragents: IdIndexedList<unknown> = {
    // 3.09 get-contragents: any type, since an operation's contragent is whatever it names.
    page: (offset, count, options) => client.getContragentRows({ sort: 'ContragentID', order: 'ASC', offset, count }, options),
    one: async (id, options) => (await client.getContragentRows({ ContragentID: id, count: 1 }, options)).Data[0] ?? null,
    idOf: (row) => numericRowIdOf(row, 'ContragentID'),
    knownTotal: undefined,
  };

  /** A malformed row answers a rejection in its place: that id alone fails. */
  const byIds = <Out extends { id: string }>(list: IdIndexedList<unknown>, mapRows: (raws: readonly unknown[]) => MappedRows<Out>): BatchLoad<Out> => ({
    strategy: 'byIds',
    // The plan covers the whole batch: splitting it would only walk the list again.
    maxBatchSize: Number.POSITIVE_INFINITY,
    load: async (ids, options) => {
      const { records, rejected } = mapRows(await loadIdsFromList(list, ids, settings.detailConcurrency, options));
      return [...records, ...rejected];
    },
  });

  const sources: EntitySources = {
    item: {
      async list(request: ListRequest<ItemFilter>): Promise<ListPage<ItemRecord>> {
        const { filter, signal } = request;
        // Longer than iCash's columns (name 100, inventory id and barcode 20): nothing can
        // match, and iCash would refuse the filter as a wrong value.
        if ((filter.text?.length ?? 0) > 100 || (filter.code?.length ?? 0) > 20 || (filter.barcode?.length ?? 0) > 20) {
          return { records: [], nextCursor: null, totalCount: 0 };
        }
        // 3.12: the catalogue without deleted items, narrowed where iCash can; the name filter
        // is a LIKE (possibly accent-blind), so every filter is applied again here, exactly.
        const rows = client.allSaleItemRows(
          { SaleItemStatus: 'Normal', SaleItemName: filter.text, SaleItemInventoryID: filter.code, SaleItemBarcode: filter.barcode },
          { signal },
        );
        const raws: unknown[] = [];
        for await (const row of rows) raws.push(row);
        // A malformed row cannot be filtered exactly: it is reported, whatever the filter.
        const { records, rejected } = mapSaleItemRows(raws, mapping);
        const matching = records.filter((item) => matchesItemFilter(item, filter));
        return withRejected(pageByOffset(sortRecords('item', matching), request.cursor, request.limit), rejected);
      },
      batch: byIds(saleItems, (raws) => mapSaleItemRows(raws, mapping)),
    },

    customer: {
      async list(request: ListRequest<CustomerFilter>): Promise<ListPage<CustomerRecord>> {
        // 3.09: "name or e-mail contains" has no vendor filter, so the clients are read whole.
        const raws: unknown[] = [];
        for await (const row of client.allContragentRows({ ContragentType: 'CLIENT' }, { signal: request.signal })) raws.push(row);
        const { records, rejected } = mapContragentRows(raws);
        const matching = records.filter((customer) => matchesCustomerFilter(customer, request.filter));
        return withRejected(pageByOffset(sortRecords('customer', matching), request.cursor, request.limit), rejected);
      },
      batch: byIds(contragents, mapContragentRows),
    },

    sale: {
      /**
       * 3.20 operations-list, sorted by OperationCreateDate DESC: iCash breaks ties by id and
       * reverses them with the order, which is the canonical date desc, id desc. Local times
       * map to instants monotonically (a repeated autumn hour reads as its first pass), so
       * the local sort is the instant sort. The cursor is the vendor offset.
       */
      async list(request: ListRequest<SaleFilter>): Promise<ListPage<SaleRecord>> {
        const { filter, signal } = request;
        const offset = offsetCursor(request.cursor);
        const empty: ListPage<SaleRecord> = { records: [], nextCursor: null, totalCount: 0 };
        const storeId = positiveId(filter.locationId);
        const contragentId = positiveId(filter.customerId);
        const registerId = positiveId(filter.cashbookId);
        if (storeId === null || contragentId === null || registerId === null) return empty;
        let exact = true;
        let vendorStoreId = storeId;
        if (registerId !== undefined) {
          // No register filter at iCash: narrow to the register's store, then by register here.
          const { records: all, rejected: unreadable } = await registers.get({ signal });
          const register = all.find((candidate) => candidate.id === registerId);
          if (!register && unreadable.some((rejection) => rejection.id === String(registerId))) {
            // Its store cannot be read, so the sales cannot be narrowed to it.
            throw new VendorMalformedResponseError({ ...site, status: 200, vendorMessage: `get-cash-registers: register ${registerId}: ${unreadable.find((rejection) => rejection.id === String(registerId))!.reason}` });
          }
          if (!register || (storeId !== undefined && register.storeID !== storeId)) return empty;
          vendorStoreId = register.storeID;
          // A register that could not be read may share the store: the vendor's count is then no longer exact.
          exact = unreadable.length === 0 && all.filter((candidate) => candidate.storeID === register.storeID).length === 1;
        }
        const range = localOperationRange(filter.from, filter.to, settings.timeZone);
        exact &&= range.exact;
        const query: OperationFilters = {
          OperationStoreID: vendorStoreId,
          OperationContragentID: contragentId,
          OperationCreateDateFrom: range.from,
          OperationCreateDateTo: range.to,
        };
        const count = Math.min(ICASH_MAX_PAGE, Math.max(1, request.limit));
        const page = await client.operationRows({ ...query, sort: 'OperationCreateDate', order: 'DESC', offset, count }, { signal });
        // A malformed row cannot be filtered exactly: it is reported, whatever the filter.
        const { records: sales, rejected } = mapOperationRows(page.Data, mapping);
        const records = sales.filter(
          (sale) =>
            withinRange(sale.createdAt, filter.from, filter.to) &&
            (filter.locationId === undefined || sale.locationId === filter.locationId) &&
            (filter.customerId === undefined || sale.customerId === filter.customerId) &&
            (filter.cashbookId === undefined || sale.cashbookId === filter.cashbookId),
        );
        const next = offset + page.Data.length;
        return withRejected(
          {
            records,
            nextCursor: page.Data.length > 0 && next < page.TotalRecords ? String(next) : null,
            totalCount: exact ? page.TotalRecords : null,
          },
          rejected,
        );
      },
      batch: {
        strategy: 'each',
        concurrency: settings.detailConcurrency,
        load: (id, options) => {
          const operationId = positiveId(id);
          return operationId ? fullSale(operationId, options) : Promise.resolve(null);
        },
      },
    },

    // iCash lists no payments (they live inside their operation), so there is no `list`.
    payment: {
      batch: {
        strategy: 'each',
        concurrency: settings.detailConcurrency,
        load: async (id, options) => {
          const parsed = parseIcashPaymentId(id);
          if (!parsed || parsed.operationId === 0) return null;
          const sale = await fullSale(parsed.operationId, options);
          return sale?.payments?.find((payment) => payment.id === id) ?? null;
        },
      },
    },

    cashbook: {
      async list(request: ListRequest<CashbookFilter>): Promise<ListPage<CashbookRecord>> {
        const { records, rejected } = mapCashRegisterRows(await registerRows.refresh({ signal: request.signal }));
        const matching = records.filter((cashbook) => matchesCashbookFilter(cashbook, request.filter));
        return withRejected(pageByOffset(sortRecords('cashbook', matching), request.cursor, request.limit), rejected);
      },
      batch: {
        strategy: 'scan',
        load: async (options) => {
          const { records, rejected } = mapCashRegisterRows(await registerRows.refresh(options));
          return [...records, ...rejected];
        },
      },
    },

    location: {
      async list(request: ListRequest<LocationFilter>): Promise<ListPage<LocationRecord>> {
        const { records, rejected } = mapStoreRows(await registerRows.refresh({ signal: request.signal }), settings.storeNames);
        return withRejected(pageByOffset(sortRecords('location', records), request.cursor, request.limit), rejected);
      },
      batch: {
        strategy: 'scan',
        load: async (options) => {
          const { records, rejected } = mapStoreRows(await registerRows.refresh(options), settings.storeNames);
          return [...records, ...rejected];
        },
      },
    },
  };

  const writers: EntityWriters = {
    sale: createIcashSaleWriter({
      client,
      currency: settings.currency,
      registers: async (options) => (await registers.get(options)).records,
      payTypes: async (options) =>
        [...(await payTypes.get(options))].map(([id, name]) => ({ id, name, type: methodTypeOf(name, settings.paymentMethodTypes[String(id)]) })),
      mapSale: async (operation, options) => {
        const payments = await paymentContext(options);
        return mapped('get-operation', operation, (row) => mapOperation(row, payments));
      },
    }),
    customer: createIcashCustomerWriter({
      client,
      countryCode: settings.defaultCountryCode ?? 'BG',
      cityName: settings.defaultCityName ?? 'Sofia',
      mapCustomer: (row) => mapped('get-contragents', row, mapContragent),
    }),
  };

  return { vendor: VENDOR, currency: settings.currency, sources, writers };
}

export const icashAdapterModule: VendorAdapterModule<IcashSettings> = {
  settingsSchema: icashSettingsSchema,
  createAdapter: (settings, context) => createIcashAdapter(settings, context),
  demoSettings: (simulatorUrl) =>
    icashSettingsSchema.parse({
      baseUrl: simulatorUrl,
      api_key: 'demo-icash-key',
      secret_key: 'demo-icash-secret',
      WareHouseID: '785',
      UserID: '1',
      taxRates: DEMO_TAX_RATES,
      storeNames: DEMO_STORE_NAMES,
    }),
};
