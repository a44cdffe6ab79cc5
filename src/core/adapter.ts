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
import type { EntityFilters, EntityKind, EntityRecords } from './model.ts';
import type { ZodType } from 'zod';
import type { HttpTransport } from './http.ts';
import type { VendorId } from '../simulators/server.ts';

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
}

export type BatchLoad<T> =
  | { readonly strategy: 'byIds'; readonly maxBatchSize: number; load(ids: readonly string[], options: CallOptions): Promise<readonly T[]> }
  | { readonly strategy: 'scan'; load(options: CallOptions): Promise<readonly T[]> }
  | { readonly strategy: 'each'; readonly concurrency: number; load(id: string, options: CallOptions): Promise<T | null> };

export type BatchStrategy = BatchLoad<unknown>['strategy'];

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
}

export interface EntityCapability {
  readonly list: boolean;
  readonly get: BatchStrategy | false;
  readonly create: boolean;
}

export type Capabilities = Record<EntityKind, EntityCapability>;

export function capabilitiesOf(adapter: VendorAdapter, creatable: ReadonlySet<EntityKind> = new Set()): Capabilities {
  const entries = (['item', 'sale', 'payment', 'customer', 'cashbook', 'booking', 'location'] as const).map((kind) => {
    const source = adapter.sources[kind];
    return [kind, { list: Boolean(source?.list), get: source?.batch?.strategy ?? false, create: creatable.has(kind) }] as const;
  });
  return Object.fromEntries(entries) as Capabilities;
}

/** The settings of one connection as a vendor needs them (base URL, credentials, time zone…). */
export interface AdapterContext {
  /** The connection's id, carried by every error this adapter raises. */
  readonly connectionId: string;
  readonly transport: HttpTransport;
}

/** What a vendor folder exports for the registry: how to configure, build and demo its adapter. */
export interface VendorAdapterModule<Settings> {
  /** Validates a connection's vendor settings from the configuration file. */
  readonly settingsSchema: ZodType<Settings>;
  readonly createAdapter: (settings: Settings, context: AdapterContext) => VendorAdapter;
  /** Settings that point at this vendor's simulator, with its demo credentials. */
  readonly demoSettings: (simulatorUrl: string) => Settings;
}
