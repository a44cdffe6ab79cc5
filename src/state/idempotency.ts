/**
 * Idempotency keys in Redis, so that every replica sees one claim per key (the contract
 * and its in-memory twin are core/idempotency.ts). Each key is one hash — state,
 * fingerprint, reference, payload — kept 24 hours; every transition is one script, so a
 * claim is atomic across processes.
 *
 * Two things a shared store must handle that one process need not:
 *  - a replica that dies while writing leaves its claim `pending`. A claim carries a lease;
 *    once it has run out the key counts as `unknown`, so the next identical request
 *    reconciles with the vendor by reference instead of waiting a day.
 *  - a request waiting for another replica's outcome learns of it by a pub/sub message on
 *    one channel, and looks again every half second besides, since pub/sub drops messages
 *    while a connection is re-established.
 * Redis out of reach fails the operation with SHARED_STATE_UNAVAILABLE: without the shared
 * claim, one write per key cannot be promised, so none is attempted.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SharedStateUnavailableError } from '../core/errors.ts';
import type { ClaimResult, IdempotencyRecord, IdempotencyStore } from '../core/idempotency.ts';
import { REDIS_KEY_PREFIX } from './redis.ts';

export interface RedisIdempotencyOptions {
  /** Under the connection's `posgraph:` prefix; tests give each store its own. */
  readonly namespace?: string;
  /** How long a key is kept after its last transition (24 hours, as in memory). */
  readonly ttlMs?: number;
  /** How long a claim may stay pending before it counts as unknown; longer than any write. */
  readonly leaseMs?: number;
  /** Longest pause between looks while waiting for another replica's outcome. */
  readonly pollMs?: number;
}

// The time is Redis's, so every replica agrees on when a lease ran out.
const NOW_MS = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

// A pending claim whose lease ran out counts as unknown.
const READ = `${NOW_MS}
local r = redis.call('HMGET', KEYS[1], 'state', 'fingerprint', 'reference', 'lease', 'payload')
local state = r[1]
if state == 'pending' and tonumber(r[4]) <= now then state = 'unknown' end`;

const GET = `${READ}
if not state then return {} end
return {state, r[2], r[3], r[5]}`;

// ARGV: fingerprint, reference, ttlMs, leaseMs
const CLAIM = `${READ}
local reference = ARGV[2]
local reconcile = 0
if state then
  if state ~= 'unknown' or r[2] ~= ARGV[1] then return {0, state, r[2], r[3], r[5]} end
  reference = r[3]
  reconcile = 1
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'pending', 'fingerprint', ARGV[1], 'reference', reference, 'lease', string.format('%d', now + tonumber(ARGV[4])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, reference, reconcile}`;

// ARGV: state, ttlMs, payload ('' for none), channel, message
const SETTLE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[1], 'lease', 'payload')
redis.call('HSET', KEYS[1], 'state', ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'payload', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`;

// ARGV: channel, message
const RELEASE = `
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`;

type RawRecord = [state: string, fingerprint: string, reference: string, payload?: string];

export class RedisIdempotencyStore<T> implements IdempotencyStore<T> {
  private readonly namespace: string;
  private readonly ttlMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  /** Settlement messages carry the hashed key; the channel is not a key, so it is prefixed here. */
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private subscribed: Promise<unknown> | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly redis: Redis,
    options: RedisIdempotencyOptions = {},
  ) {
    this.namespace = options.namespace ?? 'idempotency:';
    this.ttlMs = options.ttlMs ?? 24 * 3_600_000;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.pollMs = options.pollMs ?? 500;
    this.channel = `${REDIS_KEY_PREFIX}${this.namespace}settled`;
  }

  async claim(key: string, fingerprint: string, reference: string): Promise<ClaimResult<T>> {
    const answer = (await this.eval(CLAIM, key, fingerprint, reference, this.ttlMs, this.leaseMs)) as unknown[];
    if (answer[0] === 1) return { claimed: true, reference: String(answer[1]), reconcile: answer[2] === 1 };
    return { claimed: false, record: this.record(answer.slice(1) as RawRecord) };
  }

  async waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord<T> | undefined> {
    let record = await this.get(key);
    if (record?.state !== 'pending' || timeoutMs <= 0) return record;
    const giveUpAt = Date.now() + timeoutMs;
    const hashed = this.hash(key);
    let wake: () => void = () => {};
    const waiter = (): void => wake();
    this.waitersOf(hashed).add(waiter);
    try {
      // Listening before the next look: a settlement between the two is not missed.
      await this.listen();
      for (;;) {
        record = await this.get(key);
        const left = giveUpAt - Date.now();
        if (record?.state !== 'pending' || left <= 0) return record;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, this.pollMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      const waiters = this.waiters.get(hashed);
      waiters?.delete(waiter);
      if (waiters?.size === 0) this.waiters.delete(hashed);
    }
  }

  async complete(key: string, payload: T): Promise<void> {
    await this.eval(SETTLE, key, 'done', this.ttlMs, JSON.stringify(payload), this.channel, this.hash(key));
  }

  async markUnknown(key: string): Promise<void> {
    await this.eval(SETTLE, key, 'unknown', this.ttlMs, '', this.channel, this.hash(key));
  }

  async release(key: string): Promise<void> {
    await this.eval(RELEASE, key, this.channel, this.hash(key));
  }

  /** Closes the notification connection, if one was opened (the command connection is the caller's). */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = undefined;
    if (subscriber) subscriber.disconnect();
  }

  private async get(key: string): Promise<IdempotencyRecord<T> | undefined> {
    const answer = (await this.eval(GET, key)) as unknown[];
    return answer.length === 0 ? undefined : this.record(answer as RawRecord);
  }

  /** One script on the key's hash. */
  private async eval(script: string, key: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.eval(script, 1, this.recordKey(key), ...args);
    } catch (error) {
      throw new SharedStateUnavailableError(error);
    }
  }

  private record([state, fingerprint, reference, payload]: RawRecord): IdempotencyRecord<T> {
    if (state === 'done') return { state, fingerprint, reference, payload: JSON.parse(payload ?? 'null') as T };
    return { state: state === 'pending' ? 'pending' : 'unknown', fingerprint, reference };
  }

  private listen(): Promise<unknown> {
    if (!this.subscribed) {
      // A connection in subscriber mode takes no other command: one of its own, opened on first wait.
      const subscriber = this.redis.duplicate();
      subscriber.on('error', () => {
        // The command connection reports Redis being away; waiters keep polling meanwhile.
      });
      subscriber.on('message', (_channel: string, hashed: string) => {
        for (const wake of this.waiters.get(hashed) ?? []) wake();
      });
      this.subscriber = subscriber;
      this.subscribed = subscriber.subscribe(this.channel).catch(() => undefined);
    }
    return this.subscribed;
  }

  private waitersOf(hashed: string): Set<() => void> {
    let waiters = this.waiters.get(hashed);
    if (!waiters) this.waiters.set(hashed, (waiters = new Set()));
    return waiters;
  }

  /** Keys carry the client's idempotency key: hashed, so their length and content stay ours. */
  private hash(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  private recordKey(key: string): string {
    return `${this.namespace}${this.hash(key)}`;
  }
}
