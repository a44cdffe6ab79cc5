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
  ) {}

  /** The record, or null when the vendor has no such id (or cannot look this kind up). */
  load<K extends EntityKind>(connectionId: string, kind: K, id: string): Promise<EntityRecords[K] | null> {
    return this.loaderFor(connectionId, kind).load(id) as Promise<EntityRecords[K] | null>;
  }

  /** Records a list already fetched, so a later lookup of the same id costs nothing. */
  prime<K extends EntityKind>(connectionId: string, kind: K, record: EntityRecords[K]): void {
    if (this.batching && this.canLoad(connectionId, kind)) this.loaderFor(connectionId, kind).prime(record.id, record);
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
        batch ? (ids) => this.dispatch(connectionId, kind, batch, ids) : async (ids) => ids.map(() => null),
        this.batching
          ? { name: key, maxBatchSize: batch?.strategy === 'byIds' ? batch.maxBatchSize : Infinity }
          : { name: key, batch: false, cache: false },
      );
      this.loaders.set(key, loader);
    }
    return loader;
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
