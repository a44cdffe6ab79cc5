/**
 * What the replicas of one gateway must agree on: idempotency keys (one vendor write per
 * key, whichever replica the retry reaches), vendor tokens (one login, not one per
 * replica), each connection's rate budget (the vendor's limit is per account) and the
 * lanes that keep a vendor's signed calls in order (iCash's nonce per api_key). With
 * `REDIS_URL` these live in Redis; without it, in this process — right for a single one.
 * (Cached responses are the response cache's business, src/cache/.)
 */
import type { Redis } from 'ioredis';
import { InMemoryIdempotencyStore } from '../core/idempotency.ts';
import type { SharedLanes } from '../core/shared-lane.ts';
import { InMemoryTokenStore, type TokenStore } from '../core/token-store.ts';
import type { WriteOutcome, WriteStore } from '../core/write-once.ts';
import type { Logger } from '../logger.ts';
import { RedisIdempotencyStore } from './idempotency.ts';
import { RedisLanes } from './lane.ts';
import { RedisRateBudgets, type RateBudgets } from './rate-budget.ts';
import { closeRedis, createRedis } from './redis.ts';
import { RedisTokenStore } from './tokens.ts';

export type { RateBudgets } from './rate-budget.ts';

export interface SharedState {
  /** Where the state lives: `memory` serves one process only. */
  readonly kind: 'memory' | 'redis';
  readonly idempotency: WriteStore;
  readonly tokens: TokenStore;
  /** Per-connection rate budgets shared by the replicas; absent in memory, where each limiter keeps its own. */
  readonly rateBudgets: RateBudgets | undefined;
  /** Lanes (a lock and a counter per key) for vendors whose calls must reach them in order across replicas (iCash's nonce); absent in memory. */
  readonly lanes: SharedLanes | undefined;
  /** The Redis connection, for other shared parts (the response cache); absent in memory. */
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** `REDIS_URL`; in memory when absent or empty. */
  readonly redisUrl?: string;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
}

export function createSharedState(options: SharedStateOptions = {}): SharedState {
  if (!options.redisUrl) {
    return {
      kind: 'memory',
      idempotency: new InMemoryIdempotencyStore(),
      tokens: new InMemoryTokenStore(),
      rateBudgets: undefined,
      lanes: undefined,
      redis: undefined,
      close: async () => {},
    };
  }
  const redis = createRedis(options.redisUrl, { role: 'shared-state', logger: options.logger });
  const idempotency = new RedisIdempotencyStore<WriteOutcome<unknown>>(redis);
  return {
    kind: 'redis',
    idempotency,
    tokens: new RedisTokenStore(redis),
    rateBudgets: new RedisRateBudgets(redis),
    lanes: new RedisLanes(redis, { logger: options.logger }),
    redis,
    close: async () => {
      await idempotency.close();
      await closeRedis(redis);
    },
  };
}
