/**
 * Per-request loaders, one per (connection, entity kind), created lazily. Resolvers never
 * call a vendor: they ask a loader for an id, DataLoader gathers every id asked for in the
 * same tick, and the adapter's declared strategy turns the batch into as few vendor calls
 * as that vendor allows. Each loader's calls are logged so tests can count them.
 */
import DataLoader from 'dataloader';
import { isRejection, type BatchLoad, type CallOptions, type RecordRejection } from './adapter.ts';
import { GatewayError } from './errors.ts';
import { mapSettled } from './concurrency.ts';
import type { Connection } from './connection.ts';
import type { EntityKind, EntityRecords } from './model.ts';
import type { EntityCache } from '../cache/entity-cache.ts';

/** A record the vendor sent that could not be read; only its own field fails. */
export class MalformedRecordError extends GatewayError {
  override readonly name = 'MalformedRecordError';
  constructor(rejection: RecordRejection) {
    super('VENDOR_MALFORMED_RECORD', `The vendor sent record ${rejection.id} in a shape posgraph cannot read: ${rejection.reason}`, {
      extensions: { retryable: false },
    });
  }
}

export interface LoaderCall {
  readonly connection: string;
  readonly kind: EntityKind;
  readonly strategy: BatchLoad<unknown>['strategy'];
  readonly ids: readonly string[];
}

type AnyLoader = DataLoader<string, unknown>;

export class RequestLoaders {
  /** Every batch dispatched, in order: what a test counts. */
  readonly calls: LoaderCall[] = [];
  private readonly loaders = new Map<string, AnyLoader>();

  constructor(
    private readonly connections: ReadonlyMap<string, Connection>,
    private readonly options: CallOptions = {},
    /**
     * false turns the loaders into what a naive per-field gateway does — one vendor call per
     * field, nothing shared — so benchmarks can measure what batching saves.
     */
    private readonly batching = true,
    /**
     * Records shared across requests (src/cache/): asked before the vendor, filled with what
     * the vendor sent. Only with batching: the naive gateway stays uncached.
     */
    private readonly shared?: EntityCache,
  ) {}

  private readShared = true;

  /** From now on, read every record from the vendor (a write checks what the vendor has now); still store what comes back. */
  bypassSharedReads(): void {
    this.readShared = false;
  }

  /** The record, or null when the vendor has no such id (or cannot look this kind up). */
  load<K extends EntityKind>(connectionId: string, kind: K, id: string): Promise<EntityRecords[K] | null> {
    return this.loaderFor(connectionId, kind).load(id) as Promise<EntityRecords[K] | null>;
  }

  /** Records a list already fetched, so a later lookup of the same id costs nothing. */
  prime<K extends EntityKind>(connectionId: string, kind: K, record: EntityRecords[K]): void {
    if (this.batching && this.canLoad(connectionId, kind)) {
      this.loaderFor(connectionId, kind).prime(record.id, record);
      this.share(connectionId, kind, record);
    }
  }

  /** Forgets a record, so the next lookup reads what the vendor has now (after our own writes). */
  clear(connectionId: string, kind: EntityKind, id: string): void {
    this.loaders.get(`${connectionId}/${kind}`)?.clear(id);
  }

  canLoad(connectionId: string, kind: EntityKind): boolean {
    return Boolean(this.connections.get(connectionId)?.adapter.sources[kind]?.batch);
  }

  private loaderFor(connectionId: string, kind: EntityKind): AnyLoader {
    const key = `${connectionId}/${kind}`;
    let loader = this.loaders.get(key);
    if (!loader) {
      const batch = this.connections.get(connectionId)?.adapter.sources[kind]?.batch as BatchLoad<{ id: string }> | undefined;
      loader = new DataLoader<string, unknown>(
        batch ? (ids) => this.loadThroughShared(connectionId, kind, batch, ids) : async (ids) => ids.map(() => null),
        this.batching
          ? { name: key, maxBatchSize: batch?.strategy === 'byIds' ? batch.maxBatchSize : Infinity }
          : { name: key, batch: false, cache: false },
      );
      this.loaders.set(key, loader);
    }
    return loader;
  }

  /** Cached records first; the rest from the vendor as one batch, stored for the next request. Null and errors are not stored. */
  private async loadThroughShared(connection: string, kind: EntityKind, batch: BatchLoad<{ id: string }>, ids: readonly string[]): Promise<Array<unknown>> {
    const shared = this.batching && this.shared?.cachesKind(kind) ? this.shared : undefined;
    if (!shared) return this.dispatch(connection, kind, batch, ids);
    const cached: ReadonlyMap<string, unknown> = this.readShared ? await shared.getMany(connection, kind, ids) : new Map();
    const missing = ids.filter((id) => !cached.has(id));
    if (missing.length === 0) return ids.map((id) => cached.get(id));
    const loaded = await this.dispatch(connection, kind, batch, missing);
    const fetched = new Map(missing.map((id, index) => [id, loaded[index]]));
    const records = loaded.filter((value): value is EntityRecords[EntityKind] => value !== null && typeof value === 'object' && !(value instanceof Error));
    // Stored without holding up this request: a store that is slow or away costs nothing here.
    void shared.setMany(connection, kind, records);
    return ids.map((id) => (cached.has(id) ? cached.get(id) : fetched.get(id)));
  }

  // Records a list brought are stored together once the current tick's primes are in, without holding up the response.
  private readonly toShare = new Map<string, { connection: string; kind: EntityKind; records: Array<EntityRecords[EntityKind]> }>();

  private share(connection: string, kind: EntityKind, record: EntityRecords[EntityKind]): void {
    if (!this.shared?.cachesKind(kind)) return;
    const key = `${connection}/${kind}`;
    let pending = this.toShare.get(key);
    if (!pending) {
      this.toShare.set(key, (pending = { connection, kind, records: [] }));
      queueMicrotask(() => {
        this.toShare.delete(key);
        void this.shared!.setMany(connection, kind, pending!.records);
      });
    }
    pending.records.push(record);
  }

  private async dispatch(
    connection: string,
    kind: EntityKind,
    batch: BatchLoad<{ id: string }>,
    ids: readonly string[],
  ): Promise<Array<unknown>> {
    this.calls.push({ connection, kind, strategy: batch.strategy, ids });
    try {
      switch (batch.strategy) {
        case 'byIds':
          return inKeyOrder(ids, await batch.load(ids, this.options));
        case 'scan':
          return inKeyOrder(ids, await this.scanOnce(connection, kind, batch));
        case 'each':
          return (await mapSettled(ids, batch.concurrency, (id) => batch.load(id, this.options))).map((result) => result ?? null);
      }
    } catch (error) {
      // A failed batch fails each of its keys, in its own slot.
      return ids.map(() => error);
    }
  }

  private readonly scans = new Map<string, Promise<ReadonlyArray<{ id: string } | RecordRejection>>>();

  /** A scan walks the vendor's whole list once per request, however many batches ask. */
  private scanOnce(connection: string, kind: EntityKind, batch: Extract<BatchLoad<{ id: string }>, { strategy: 'scan' }>) {
    if (!this.batching) return batch.load(this.options);
    const key = `${connection}/${kind}`;
    let scan = this.scans.get(key);
    if (!scan) {
      scan = batch.load(this.options);
      this.scans.set(key, scan);
    }
    return scan;
  }
}

function inKeyOrder(ids: readonly string[], records: ReadonlyArray<{ id: string } | RecordRejection>): Array<unknown> {
  const byId = new Map<string, unknown>();
  for (const record of records) {
    if (!isRejection(record)) byId.set(record.id, record);
    // A malformed record fails its own key only, as the vendor's fault.
    else if (record.id !== null) byId.set(record.id, new MalformedRecordError(record));
  }
  return ids.map((id) => byId.get(id) ?? null);
}
