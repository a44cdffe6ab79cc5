/**
 * Rate budgets shared by every replica: one token bucket per connection in Redis, taken
 * from by a script so that a refill and a take are one step. A vendor's rate limit is per
 * account, not per gateway process, so two replicas at 20 requests per second each would
 * otherwise send it 40.
 */
import type { Redis } from 'ioredis';
import type { SharedTokenBucket } from '../core/limiter.ts';

// KEYS[1] the bucket; ARGV: tokens per millisecond, capacity. Answers 0 (token taken) or
// the milliseconds until one is due. The time is Redis's, so all replicas share one clock.
const TAKE = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.3f', now))
-- A bucket left alone refills completely; after that it need not be kept.
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return wait`;

export interface RateBudgets {
  /** The bucket every replica shares for this connection. */
  bucket(connectionId: string): SharedTokenBucket;
}

export class RedisRateBudgets implements RateBudgets {
  constructor(
    private readonly redis: Redis,
    /** Under the connection's `posgraph:` prefix; tests give each their own. */
    private readonly namespace = 'rate:',
  ) {}

  bucket(connectionId: string): SharedTokenBucket {
    const key = `${this.namespace}${connectionId}`;
    return {
      take: async (ratePerSecond, capacity) => Number(await this.redis.eval(TAKE, 1, key, ratePerSecond / 1000, capacity)),
    };
  }
}
