/**
 * Lanes in Redis, shared by every replica (the contract is core/shared-lane.ts): a mutex
 * and a counter per key.
 *
 * The mutex is `SET NX PX` with an owner token, given back by a compare-and-delete script,
 * so a holder whose lease ran out cannot free its successor's lock. Waiters look again
 * with a short backoff, and are served first come, first served: a waiter that found the
 * lock taken joins a queue, and a free lock goes to the head of the queue only. Without
 * the queue, a busy replica that gives the lock back and asks again at once would keep
 * it for as long as it has calls to make. A waiter that stops looking (its process died)
 * loses its place after `staleMs`, so it holds up no one.
 *
 * The counter answers max(last + 1, floor) in one script: never twice the same value,
 * never going backwards, and never below the caller's floor (a clock), so it stays above
 * any value handed out before it existed.
 *
 * Redis out of reach rejects the call; the lane's user carries on in its own process's
 * order. That is logged once (a warn line, then an info line when Redis answers again),
 * and Redis is left alone for `coolOffMs` so that each call does not wait for it to fail.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LaneLockOptions, SharedLanes, Unlock } from '../core/shared-lane.ts';
import type { Logger } from '../logger.ts';
import { deleteIfEqual } from './redis.ts';

// KEYS: lock, queue (waiter → its ticket), seen (waiter → its last look, ms), tickets.
// Tickets, not times, order the queue: two waiters may come within one millisecond.
// ARGV: token, leaseMs, staleMs. Answers 1 when the lock is now this waiter's, else 0.
// The time is Redis's, so every replica agrees on who stopped looking.
const ACQUIRE = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local stale = tonumber(ARGV[3])
for _, waiter in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local seen = tonumber(redis.call('HGET', KEYS[3], waiter)) or 0
  if seen + stale < now then
    redis.call('ZREM', KEYS[2], waiter)
    redis.call('HDEL', KEYS[3], waiter)
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if head == nil or head == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    return 1
  end
end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[1])
end
redis.call('HSET', KEYS[3], ARGV[1], now)
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], stale * 2) end
return 0`;

// KEYS: queue, seen. ARGV: token. A waiter that gives up leaves its place at once.
const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

// KEYS[1] the counter; ARGV[1] the floor. Kept without expiry: a counter that vanished
// would start again from the clock, below values it may already have handed out.
const NEXT = `
local current = tonumber(redis.call('GET', KEYS[1])) or 0
local value = math.max(current + 1, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%d', value))
return value`;

export interface RedisMutexOptions {
  /** Under the connection's `posgraph:` prefix; tests give each their own. */
  readonly namespace?: string;
  /** First pause between looks at a taken lock; doubles up to `maxPollMs`. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  /** A waiter not seen looking for this long loses its place in the queue; well above `maxPollMs`. */
  readonly staleMs?: number;
}

export class RedisMutex {
  private readonly namespace: string;
  private readonly pollMs: number;
  private readonly maxPollMs: number;
  private readonly staleMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisMutexOptions = {},
  ) {
    this.namespace = options.namespace ?? 'lane:';
    this.pollMs = options.pollMs ?? 2;
    this.maxPollMs = options.maxPollMs ?? 20;
    this.staleMs = options.staleMs ?? 2_000;
  }

  /** Resolves once this caller holds `key`; rejects with the signal's reason if it fires first. */
  async lock(key: string, options: LaneLockOptions): Promise<Unlock> {
    const { lock, queue, seen, tickets } = this.keys(key);
    const token = randomUUID();
    const leaseMs = Math.max(1, Math.ceil(options.leaseMs));
    const { signal } = options;
    for (let pause = this.pollMs; ; pause = Math.min(pause * 2, this.maxPollMs)) {
      if (signal?.aborted) {
        await this.redis.eval(LEAVE, 2, queue, seen, token).catch(() => undefined);
        throw abortReason(signal);
      }
      if ((await this.redis.eval(ACQUIRE, 4, lock, queue, seen, tickets, token, leaseMs, this.staleMs)) === 1) {
        const unlock: Unlock = async () => {
          await deleteIfEqual(this.redis, lock, token);
        };
        // Taken while the caller gave up: given back, not kept until the lease runs out.
        if (signal?.aborted) {
          await unlock().catch(() => undefined);
          throw abortReason(signal);
        }
        return unlock;
      }
      await sleep(pause, signal);
    }
  }

  private keys(key: string): { lock: string; queue: string; seen: string; tickets: string } {
    const base = `${this.namespace}${key}`;
    return { lock: `${base}:lock`, queue: `${base}:queue`, seen: `${base}:seen`, tickets: `${base}:tickets` };
  }
}

export class RedisCounter {
  constructor(
    private readonly redis: Redis,
    /** Under the connection's `posgraph:` prefix; tests give each their own. */
    private readonly namespace = 'lane:',
  ) {}

  /** max(last + 1, floor), atomically; `floor` an integer that Lua's doubles hold exactly. */
  async next(key: string, floor: number): Promise<number> {
    if (!Number.isSafeInteger(floor) || floor < 0) throw new RangeError(`a counter floor is a non-negative safe integer, got ${floor}`);
    return Number(await this.redis.eval(NEXT, 1, `${this.namespace}${key}:counter`, floor));
  }
}

export interface RedisLanesOptions extends RedisMutexOptions {
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** After a failure, how long callers go without Redis before it is asked again. */
  readonly coolOffMs?: number;
}

/** The lock and the counter of each lane, with the failure reporting the lane's users rely on. */
export class RedisLanes implements SharedLanes {
  private readonly mutex: RedisMutex;
  private readonly counter: RedisCounter;
  private readonly logger: Pick<Logger, 'warn' | 'info'> | undefined;
  private readonly coolOffMs: number;
  private unavailableUntil = 0;
  private failing = false;

  constructor(redis: Redis, options: RedisLanesOptions = {}) {
    this.mutex = new RedisMutex(redis, options);
    this.counter = new RedisCounter(redis, options.namespace);
    this.logger = options.logger;
    this.coolOffMs = options.coolOffMs ?? 5_000;
  }

  lock(key: string, options: LaneLockOptions): Promise<Unlock> {
    return this.guard(key, () => this.mutex.lock(key, options), options.signal);
  }

  next(key: string, floor: number): Promise<number> {
    return this.guard(key, () => this.counter.next(key, floor), undefined);
  }

  private async guard<T>(key: string, operation: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (Date.now() < this.unavailableUntil) throw new LaneUnavailableError();
    try {
      const result = await operation();
      if (this.failing) {
        this.failing = false;
        this.logger?.info({ lane: key }, 'Shared lane available again');
      }
      return result;
    } catch (error) {
      // Giving up is the caller's choice, not a sign that Redis is away.
      if (signal?.aborted) throw error;
      this.unavailableUntil = Date.now() + this.coolOffMs;
      if (!this.failing) {
        this.failing = true;
        // ioredis' messages name the host and port, never the password; the key is a hash.
        this.logger?.warn({ lane: key, err: { message: error instanceof Error ? error.message : String(error) } }, 'Shared lane unavailable; this process orders its own calls only');
      }
      throw error;
    }
  }
}

/** Redis failed a moment ago and is left alone for now; never reaches a client. */
export class LaneUnavailableError extends Error {
  override readonly name = 'LaneUnavailableError';
  constructor() {
    super('the shared lane failed a moment ago; not asked again yet');
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** Waits `ms`, or less if the signal fires. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
