/**
 * The one way the gateway connects to Redis (ioredis). Every key it writes starts with
 * `posgraph:`, so a Redis shared with other applications stays readable. A connection
 * connects at once (a wrong REDIS_URL shows at start-up, not at the first write), retries
 * with a capped backoff while Redis is away, and fails a command after one retry instead of
 * queueing it for minutes: the callers fall back to this process's own state or answer an
 * error, whichever their contract says.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

export const REDIS_KEY_PREFIX = 'posgraph:';

export interface RedisOptions {
  /** What the connection is for, in log lines ("commands", "notifications"). */
  readonly role: string;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
}

/** The URL as it may be logged: the password (and a user name) masked. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.username && parsed.username !== 'default') parsed.username = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable URL)';
  }
}

export function createRedis(url: string, options: RedisOptions): Redis {
  const where = redactRedisUrl(url);
  const redis = new Redis(url, {
    keyPrefix: REDIS_KEY_PREFIX,
    lazyConnect: false,
    connectionName: `posgraph-${options.role}`,
    // Back off 100 ms, 200 ms, … up to 2 s between reconnection attempts, for ever.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    maxRetriesPerRequest: 1,
  });
  // Without a listener ioredis prints every failed reconnection; one line per change of state.
  let failing = false;
  redis.on('error', (error: Error) => {
    if (failing) return;
    failing = true;
    // ioredis' messages name the host and port, never the password; the URL is masked anyway.
    options.logger?.warn({ redis: where, role: options.role, err: { message: error.message } }, 'Redis unavailable; retrying');
  });
  redis.on('ready', () => {
    if (failing) options.logger?.info({ redis: where, role: options.role }, 'Redis available again');
    failing = false;
  });
  return redis;
}

/** Closes a connection politely, or at once when Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 1_000).unref())]);
  } catch {
    redis.disconnect();
  }
}

/** Deletes `key` only while it still holds `value` (a lock's owner, a token seen refused), atomically. */
const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** true when `key` held `value` and is now gone. */
export async function deleteIfEqual(redis: Redis, key: string, value: string): Promise<boolean> {
  return (await redis.eval(DELETE_IF_EQUAL, 1, key, value)) === 1;
}
