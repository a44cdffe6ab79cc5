/**
 * The gateway's caches together: the entity cache the loaders read through, the response
 * cache in front of execution, and what our own writes invalidate in both. In memory
 * without Redis (one process); in Redis with it, shared by every replica.
 *
 * Invalidation is by type for lists and by record for lookups: a new sale drops every
 * cached answer holding a sale or a payment (any tenant, any connection — the response
 * cache indexes answers by type and ID, not by connection), the sold items' answers and
 * cached records (their stock moved), and the sale's own record. Catalogue answers without
 * those items stay cached.
 */
import type { Redis } from 'ioredis';
import { encodeGlobalId, type NodeType } from '../core/ids.ts';
import type { EntityKind, EntityRecords } from '../core/model.ts';
import type { WriteOutcome } from '../core/write-once.ts';
import { DEFAULT_MAX_ENTRIES, EntityCache, ttlSecondsOf, type CacheSettings } from './entity-cache.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';
import { ResponseStore, typesOfKind } from './response-cache.ts';

export interface GatewayCacheOptions {
  /** A connection to share state through (src/state/redis.ts); in memory without it. */
  readonly redis?: Redis;
  /** Milliseconds; Date.now unless a test controls time (in-memory entity cache only). */
  readonly now?: () => number;
}

/** The kinds a write of each kind changes, besides itself. */
type WrittenKind = Extract<EntityKind, 'sale' | 'customer' | 'cashbook'>;

export class GatewayCache {
  readonly entities: EntityCache;
  readonly responses: ResponseStore;
  readonly ttlSeconds: Readonly<Record<EntityKind, number>>;
  readonly shared: boolean;

  constructor(settings: CacheSettings = {}, options: GatewayCacheOptions = {}) {
    this.ttlSeconds = ttlSecondsOf(settings);
    for (const [kind, seconds] of Object.entries(this.ttlSeconds)) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`cache.ttlSeconds.${kind} must be 0 or more seconds, got ${seconds}`);
    }
    const maxEntries = settings.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.shared = options.redis !== undefined;
    this.entities = new EntityCache(options.redis ? new RedisStore(options.redis) : new MemoryStore({ maxEntries, now: options.now }), this.ttlSeconds);
    this.responses = options.redis ? ResponseStore.inRedis(options.redis, Math.max(...Object.values(this.ttlSeconds)) * 1000) : ResponseStore.inMemory(maxEntries);
  }

  /**
   * After one of our own writes succeeded (or may have: OUTCOME_UNKNOWN, record null), so
   * the next read sees it. Awaited before the mutation answers.
   */
  async afterWrite<K extends WrittenKind>(connection: string, kind: K, record: EntityRecords[K] | null, knownIds: readonly string[] = []): Promise<void> {
    const types = kind === 'sale' ? [...typesOfKind('sale'), ...typesOfKind('payment')] : typesOfKind(kind);
    const responseEntities: Array<{ typename: string; id?: string }> = types.map((typename) => ({ typename }));
    const work: Array<Promise<void>> = [this.entities.invalidate(connection, kind, [...new Set([...knownIds, ...(record ? [record.id] : [])])])];
    if (record) {
      if (record.kind === 'sale') {
        const sale = record as EntityRecords['sale'];
        const itemIds = [...new Set((sale.lines ?? []).flatMap((line) => (line.itemId === null ? [] : [line.itemId])))];
        work.push(this.entities.invalidate(connection, 'item', itemIds));
        work.push(this.entities.invalidate(connection, 'payment', (sale.payments ?? []).map((payment) => payment.id)));
        for (const id of itemIds) responseEntities.push({ typename: 'Item', id: globalId('Item', connection, id) });
      }
    }
    work.push(this.responses.invalidate(responseEntities));
    await Promise.all(work);
  }

  /** Resolves once every cache write started so far has landed (tests; a clean stop). */
  async settled(): Promise<void> {
    await Promise.all([this.entities.settled(), this.responses.settled()]);
  }
}

function globalId(type: NodeType, connection: string, id: string): string {
  return encodeGlobalId({ type, connection, id });
}

/**
 * What a mutation calls once its write is done: invalidates when something was (or may have
 * been) written. A cache that cannot be reached does not turn a successful write into an error.
 */
export async function invalidateAfterWrite<K extends WrittenKind>(
  context: { readonly cache?: GatewayCache },
  connection: string,
  kind: K,
  outcome: WriteOutcome<EntityRecords[K]>,
  /** Records the write changed that the outcome may not name (the cashbook being closed). */
  knownIds: readonly string[] = [],
): Promise<void> {
  if (!context.cache) return;
  if (outcome.record === null && !outcome.errors.some((error) => error.code === 'OUTCOME_UNKNOWN')) return;
  try {
    await context.cache.afterWrite(connection, kind, outcome.record, knownIds);
  } catch {
    // Entries expire at their TTL anyway.
  }
}
