/**
 * What a vendor adapter offers the gateway. Per entity kind it may have:
 *  - `list`: pages in the canonical order (core/ordering.ts) with an adapter-opaque cursor;
 *  - `batch`: how many lookups by id are served — the loaders apply the strategy:
 *      byIds  one vendor call for many ids (chunked at maxBatchSize),
 *      scan   one walk of a whole list per request, indexed by id,
 *      each   one call per id, at most `concurrency` at a time.
 * An entity the vendor does not have is simply absent: capability false, source status
 * UNSUPPORTED, never an error.
 */
import type { CashbookRecord, CustomerRecord, EntityFilters, EntityKind, EntityRecords, ItemRecord, SaleRecord } from './model.ts';
import type { Decimal } from './money.ts';
import type { ZodType } from 'zod';
import type { HttpTransport } from './http.ts';
import type { SharedLanes } from './shared-lane.ts';
import type { TokenStore } from './token-store.ts';
import type { VendorId } from '../simulators/server.ts';
import type { VendorWebhook } from './webhooks.ts';

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface ListRequest<F> extends CallOptions {
  readonly filter: F;
  /** null for the first page; otherwise a `nextCursor` this adapter returned. */
  readonly cursor: string | null;
  /** How many records the gateway still wants; a page may hold fewer (or more, which are ignored). */
  readonly limit: number;
}

export interface ListPage<T> {
  /** In the canonical order of the kind. */
  readonly records: readonly T[];
  /** null when this was the last page. */
  readonly nextCursor: string | null;
  /** Total matching records at the vendor, when it says or the adapter knows. */
  readonly totalCount: number | null;
  /** Records of this page the vendor sent malformed: left out, each reported on its own. */
  readonly rejected?: readonly RecordRejection[];
}

/** A vendor record that failed validation or mapping; the rest of its page is served. */
export interface RecordRejection {
  readonly id: string | null;
  readonly reason: string;
}

/** byIds and scan may answer a rejection in place of a malformed record: that id alone fails. */
export type BatchLoad<T> =
  | { readonly strategy: 'byIds'; readonly maxBatchSize: number; load(ids: readonly string[], options: CallOptions): Promise<ReadonlyArray<T | RecordRejection>> }
  | { readonly strategy: 'scan'; load(options: CallOptions): Promise<ReadonlyArray<T | RecordRejection>> }
  | { readonly strategy: 'each'; readonly concurrency: number; load(id: string, options: CallOptions): Promise<T | null> };

export type BatchStrategy = BatchLoad<unknown>['strategy'];

/**
 * Validates and maps each raw vendor record on its own, so one malformed record is
 * rejected (with its id when readable) instead of failing the whole response.
 */
export function mapEach<T>(raws: readonly unknown[], map: (raw: unknown) => T, idOf: (raw: unknown) => string | null): { records: T[]; rejected: RecordRejection[] } {
  const records: T[] = [];
  const rejected: RecordRejection[] = [];
  for (const raw of raws) {
    try {
      records.push(map(raw));
    } catch (error) {
      let id: string | null = null;
      try {
        id = idOf(raw);
      } catch {
        id = null;
      }
      rejected.push({ id, reason: error instanceof Error ? error.message.slice(0, 300) : String(error) });
    }
  }
  return { records, rejected };
}

export function isRejection(value: unknown): value is RecordRejection {
  return typeof value === 'object' && value !== null && 'reason' in value && !('kind' in value);
}

export interface EntitySource<K extends EntityKind> {
  list?(request: ListRequest<EntityFilters[K]>): Promise<ListPage<EntityRecords[K]>>;
  /**
   * Lookups by id. For sales it must return full records (lines and payments), since the
   * gateway falls back to it when a list page omitted them.
   */
  readonly batch?: BatchLoad<EntityRecords[K]>;
}

export type EntitySources = { readonly [K in EntityKind]?: EntitySource<K> };

export interface VendorAdapter {
  readonly vendor: VendorId;
  /** ISO 4217 currency of every amount on this connection. */
  readonly currency: string;
  readonly sources: EntitySources;
  /** The entities this vendor lets the gateway create. */
  readonly writers?: EntityWriters;
}

export interface EntityCapability {
  readonly list: boolean;
  readonly get: BatchStrategy | false;
  readonly create: boolean;
}

export type Capabilities = Record<EntityKind, EntityCapability>;

export function capabilitiesOf(adapter: VendorAdapter): Capabilities {
  const entries = (['item', 'sale', 'payment', 'customer', 'cashbook', 'booking', 'location'] as const).map((kind) => {
    const source = adapter.sources[kind];
    const writer = (adapter.writers as Partial<Record<EntityKind, unknown>> | undefined)?.[kind];
    return [kind, { list: Boolean(source?.list), get: source?.batch?.strategy ?? false, create: writer !== undefined }] as const;
  });
  return Object.fromEntries(entries) as Capabilities;
}

/** The settings of one connection as a vendor needs them (base URL, credentials, time zone…). */
export interface AdapterContext {
  /** The connection's id, carried by every error this adapter raises. */
  readonly connectionId: string;
  readonly transport: HttpTransport;
  /** Where a vendor that buys tokens or sessions keeps them, shared by the replicas; the client's own memory when absent. */
  readonly tokenStore?: TokenStore;
  /** Lanes shared by the replicas, for a vendor whose calls must reach it in order (iCash's nonce); in-process order only when absent. */
  readonly lanes?: SharedLanes;
}

/** What a vendor folder exports for the registry: how to configure, build and demo its adapter. */
export interface VendorAdapterModule<Settings> {
  /** Validates a connection's vendor settings from the configuration file. */
  readonly settingsSchema: ZodType<Settings>;
  readonly createAdapter: (settings: Settings, context: AdapterContext) => VendorAdapter;
  /** Settings that point at this vendor's simulator, with its demo credentials. */
  readonly demoSettings: (simulatorUrl: string) => Settings;
  /** Vendors that push notifications: the connection's webhook, or null when its settings leave it off. */
  readonly webhook?: (settings: Settings) => VendorWebhook | null;
}

/**
 * A sale ready to be written: validated, with exact totals computed by the gateway, and
 * a reference the vendor stores with it so the sale can be found again after a timeout.
 */
export interface SaleDraft {
  /** Unique per (tenant, idempotency key); sent to the vendor in a field it lists or filters by. */
  readonly reference: string;
  readonly locationId: string | null;
  readonly customerId: string | null;
  readonly lines: readonly SaleDraftLine[];
  /** Empty when the sale is left unpaid. */
  readonly payments: readonly SaleDraftPayment[];
  /** Σ line totals, at the currency's precision. */
  readonly total: Decimal;
  readonly note: string | null;
}

export interface SaleDraftLine {
  readonly itemId: string;
  /** The item as read just before the write, for vendors that want name, price or tax on the line. */
  readonly item: ItemRecord;
  readonly quantity: Decimal;
  readonly unitPrice: Decimal;
  readonly discount: Decimal;
  /** round(quantity × unitPrice, currency places) − discount. */
  readonly total: Decimal;
}

export interface SaleDraftPayment {
  /** As the client wrote it: a method name of the vendor's, or a type (CASH, CARD, CHECK, OTHER). */
  readonly method: string;
  readonly amount: Decimal;
}

export type WriteRefusalCode = 'VALIDATION' | 'NOT_FOUND' | 'UNSUPPORTED' | 'VENDOR_REJECTED';

/**
 * A write the vendor refused or cannot take, known to have changed nothing: reported to
 * the client as a typed error, never retried.
 */
export class WriteRefusedError extends Error {
  override readonly name = 'WriteRefusedError';
  constructor(
    readonly code: WriteRefusalCode,
    message: string,
    /** The input field at fault, e.g. "payments[0].method". */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export interface SaleWriter {
  /** Decimal places the vendor takes for a unit price and a quantity. */
  readonly unitPricePlaces: number;
  readonly quantityPlaces: number;
  /**
   * Writes the sale and returns it as the vendor now has it (lines, totals, payments,
   * number). Throws WriteRefusedError when the vendor refuses it and nothing was written;
   * VendorError otherwise. A multi-step write undoes its own steps before it throws.
   */
  create(draft: SaleDraft, options: CallOptions): Promise<SaleRecord>;
  /** The sale written with this draft's reference, or null when the vendor has none. */
  findByReference(draft: SaleDraft, options: CallOptions): Promise<SaleRecord | null>;
}

/** A customer to create; at least a last name or a company. */
export interface CustomerDraft {
  readonly reference: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly company: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly vatNumber: string | null;
}

export interface CustomerWriter {
  create(draft: CustomerDraft, options: CallOptions): Promise<CustomerRecord>;
  findByReference(draft: CustomerDraft, options: CallOptions): Promise<CustomerRecord | null>;
}

export interface CashbookOpening {
  readonly reference: string;
  /** Where the till stands; the vendor's default when null. */
  readonly locationId: string | null;
  /** The cash in the drawer at opening. */
  readonly openingAmount: Decimal;
}

export interface CashbookClosing {
  readonly reference: string;
  readonly cashbookId: string;
  /** The cash counted at closing. */
  readonly closingAmount: Decimal;
}

/** Till sessions: only vendors that have them (Tactill). */
export interface CashbookWriter {
  open(opening: CashbookOpening, options: CallOptions): Promise<CashbookRecord>;
  /** The session opened with this reference, or null. */
  findOpened(opening: CashbookOpening, options: CallOptions): Promise<CashbookRecord | null>;
  /** Throws WriteRefusedError('NOT_FOUND' | 'VALIDATION') for an unknown or already closed cashbook. */
  close(closing: CashbookClosing, options: CallOptions): Promise<CashbookRecord>;
  /** The cashbook when this closing has already been recorded (closed with that amount), else null. */
  findClosed(closing: CashbookClosing, options: CallOptions): Promise<CashbookRecord | null>;
}

export interface EntityWriters {
  readonly sale?: SaleWriter;
  readonly customer?: CustomerWriter;
  readonly cashbook?: CashbookWriter;
}
