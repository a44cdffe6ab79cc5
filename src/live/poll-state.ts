/**
 * Where pollers keep what they have seen, so a restart resumes where the last run stopped:
 * in this process, or in Redis when replicas share one (REDIS_URL). With Redis, a lock with
 * an expiry lets one replica at a time poll a connection; a replica that dies lets go of it
 * when the lock expires.
 */
import type { Redis } from 'ioredis';
import { deleteIfEqual } from '../state/redis.ts';

export interface PollState {
  /** The saved cursor of (connection, what is polled), as the poller wrote it; null before the first poll. */
  load(connection: string, feed: string): Promise<string | null>;
  save(connection: string, feed: string, cursor: string): Promise<void>;
  /** true when this owner holds (or now took, or extended) the polling lock of the connection for `ttlMs`. */
  claim(connection: string, owner: string, ttlMs: number): Promise<boolean>;
  release(connection: string, owner: string): Promise<void>;
}

export class InMemoryPollState implements PollState {
  private readonly cursors = new Map<string, string>();

  async load(connection: string, feed: string): Promise<string | null> {
    return this.cursors.get(`${connection}/${feed}`) ?? null;
  }

  async save(connection: string, feed: string, cursor: string): Promise<void> {
    this.cursors.set(`${connection}/${feed}`, cursor);
  }

  /** One process polls each connection once: there is nobody to share with. */
  async claim(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}

const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

export class RedisPollState implements PollState {
  constructor(
    private readonly redis: Redis,
    private readonly namespace = 'live',
  ) {}

  async load(connection: string, feed: string): Promise<string | null> {
    return this.redis.get(this.cursorKey(connection, feed));
  }

  async save(connection: string, feed: string, cursor: string): Promise<void> {
    await this.redis.set(this.cursorKey(connection, feed), cursor);
  }

  async claim(connection: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 1, this.lockKey(connection), owner, Math.ceil(ttlMs))) === 1;
  }

  async release(connection: string, owner: string): Promise<void> {
    await deleteIfEqual(this.redis, this.lockKey(connection), owner);
  }

  private cursorKey(connection: string, feed: string): string {
    return `${this.namespace}:cursor:${connection}:${feed}`;
  }

  private lockKey(connection: string): string {
    return `${this.namespace}:poll-lock:${connection}`;
  }
}
