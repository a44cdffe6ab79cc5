/**
 * The entity cache: records loaded by id, shared by every request of the gateway (and, with
 * Redis, by every replica), so a record asked for again within its kind's TTL costs no
 * vendor call. RequestLoaders asks it before the vendor and stores what the vendor sent;
 * misses are still batched as the adapter declares.
 *
 * Keys are connection + kind + vendor id, not tenant: a connection's records are the same
 * whoever asks, and a tenant only ever reaches the connections it may use.
 *
 * Never cached: an unknown id (null — the record may be created a second later) and a
 * failure. A cache that cannot be reached is a miss, never a failed request.
 */
import { z } from 'zod';
import { cacheLookups } from '../observability/metrics.ts';
import { ENTITY_KINDS, type EntityKind, type EntityRecords } from '../core/model.ts';
import { PendingWrites } from './pending-writes.ts';

/** Seconds a record stays fresh: catalogue data for minutes, sales and payments for seconds. */
export const DEFAULT_TTL_SECONDS: Readonly<Record<EntityKind, number>> = {
  item: 300,
  location: 300,
  customer: 60,
  cashbook: 30,
  sale: 10,
  payment: 10,
  booking: 10,
};

/** Records (and cached responses) this process keeps in memory without Redis. */
export const DEFAULT_MAX_ENTRIES = 10_000;

export interface CacheSettings {
  /** false: no entity cache, no response cache. Default true. */
  readonly enabled?: boolean;
  /** Per kind; 0 turns caching off for that kind. Defaults DEFAULT_TTL_SECONDS. */
  readonly ttlSeconds?: Partial<Record<EntityKind, number>>;
  /** In-memory bound of each cache (entities, responses). Default DEFAULT_MAX_ENTRIES. */
  readonly maxEntries?: number;
}

export function ttlSecondsOf(settings: CacheSettings | undefined): Record<EntityKind, number> {
  return Object.fromEntries(ENTITY_KINDS.map((kind) => [kind, settings?.ttlSeconds?.[kind] ?? DEFAULT_TTL_SECONDS[kind]])) as Record<EntityKind, number>;
}

/** Where the entries live: this process's memory, or Redis. Values are records, returned as stored. */
export interface CacheStore {
  getMany(keys: readonly string[]): Promise<Array<unknown | undefined>>;
  setMany(entries: ReadonlyArray<{ readonly key: string; readonly value: unknown; readonly ttlMs: number }>): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
}

type AnyRecord = EntityRecords[EntityKind];

export class EntityCache {
  private readonly ttlMs: Record<EntityKind, number>;
  private readonly writes = new PendingWrites();

  constructor(
    private readonly store: CacheStore,
    ttlSeconds: Readonly<Record<EntityKind, number>> = DEFAULT_TTL_SECONDS,
  ) {
    this.ttlMs = Object.fromEntries(ENTITY_KINDS.map((kind) => [kind, Math.max(0, ttlSeconds[kind]) * 1000])) as Record<EntityKind, number>;
  }

  cachesKind(kind: EntityKind): boolean {
    return this.ttlMs[kind] > 0;
  }

  /** The cached records among `ids`, by id; absent ids are misses. */
  async getMany<K extends EntityKind>(connection: string, kind: K, ids: readonly string[]): Promise<Map<string, EntityRecords[K]>> {
    const found = new Map<string, EntityRecords[K]>();
    if (!this.cachesKind(kind) || ids.length === 0) return found;
    let values: Array<unknown | undefined>;
    try {
      values = await this.store.getMany(ids.map((id) => entityKey(connection, kind, id)));
    } catch {
      values = [];
    }
    ids.forEach((id, index) => {
      const value = values[index];
      if (isRecordOf(value, kind, id)) found.set(id, value as EntityRecords[K]);
    });
    if (found.size > 0) cacheLookups.inc({ cache: 'entity', kind, result: 'hit' }, found.size);
    if (found.size < ids.length) cacheLookups.inc({ cache: 'entity', kind, result: 'miss' }, ids.length - found.size);
    return found;
  }

  /** Stores records just read from the vendor. Failing to store is not an error: the next read asks the vendor. */
  async setMany(connection: string, kind: EntityKind, records: readonly AnyRecord[]): Promise<void> {
    const ttlMs = this.ttlMs[kind];
    if (ttlMs <= 0 || records.length === 0) return;
    await this.writes.track(this.store.setMany(records.map((record) => ({ key: entityKey(connection, kind, record.id), value: record, ttlMs }))));
  }

  /** Forgets records our own write changed, before the write's answer goes out. */
  async invalidate(connection: string, kind: EntityKind, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.writes.track(this.store.deleteMany(ids.map((id) => entityKey(connection, kind, id))));
  }

  /** Resolves once every write started so far is done (writes of primed records do not hold up a response). */
  async settled(): Promise<void> {
    await this.writes.settled();
  }
}

export function entityKey(connection: string, kind: EntityKind, id: string): string {
  return `entity:${connection}:${kind}:${id}`;
}

/** A stored value is used only if it is the record asked for: a foreign or damaged entry is a miss. */
function isRecordOf(value: unknown, kind: EntityKind, id: string): boolean {
  return typeof value === 'object' && value !== null && (value as AnyRecord).kind === kind && (value as AnyRecord).id === id;
}

/** The configuration file's `cache` object; every field optional. */
export const CacheConfigSchema = z
  .object({
    enabled: z.boolean().optional(),
    ttlSeconds: z
      .object({
        item: z.number().min(0).optional(),
        location: z.number().min(0).optional(),
        customer: z.number().min(0).optional(),
        cashbook: z.number().min(0).optional(),
        sale: z.number().min(0).optional(),
        payment: z.number().min(0).optional(),
        booking: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    maxEntries: z.number().int().min(1).optional(),
  })
  .strict();
