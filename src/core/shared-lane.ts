/**
 * A lane several processes share: a lock that lets one call at a time through, whatever
 * the replica, and a counter that only goes up. A vendor that signs each call with a
 * strictly increasing value (iCash's nonce per api_key) needs both: each replica drawing
 * from its own clock would interleave their values, and calls sent side by side could
 * reach the vendor out of order.
 *
 * A client keeps its in-process queue in front, so one caller per process asks for the
 * lock at a time. The Redis implementation is src/state/lane.ts; without a shared store a
 * client has no lanes and orders its own calls only (right for a single process). Any
 * failure other than an abort means the store cannot be reached: the caller carries on
 * in this process's order, which is what it did before there were replicas.
 *
 * Keys name the vendor and a hash of what identifies the lane, never a credential.
 */
import { createHash } from 'node:crypto';

/** Gives the lock back; a lock never given back frees itself when its lease runs out. */
export type Unlock = () => Promise<void>;

export interface LaneLockOptions {
  /** How long the lock stays held should its holder die; longer than any call made under it. */
  readonly leaseMs: number;
  /** Stops the wait: the promise rejects and the lock, if taken meanwhile, is given back. */
  readonly signal?: AbortSignal;
}

export interface SharedLanes {
  /**
   * Resolves once this caller holds `key` (waiters are served in the order they came);
   * rejects when the signal fires first, or when the store cannot be reached.
   */
  lock(key: string, options: LaneLockOptions): Promise<Unlock>;
  /**
   * The next value of `key`'s counter: at least `floor`, and greater than every value it
   * answered before, to any process. Rejects when the store cannot be reached.
   */
  next(key: string, floor: number): Promise<number>;
}

/** `<vendor>:<hash>`: one lane per distinct identity (host and key), shared by its connections. */
export function laneKey(vendor: string, identity: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
  return `${vendor}:${digest}`;
}
