/**
 * How hard one connection may press on its vendor: at most `maxConcurrency` requests in
 * flight, and requests started at `ratePerSecond` on average — a token bucket of `burst`
 * tokens, so the calls of one large query go out at once while a sustained load is spread.
 * Callers wait in FIFO order; a caller whose signal fires stops waiting and sends nothing.
 *
 * With a `sharedBucket` (Redis, when several replicas serve one connection) the tokens come
 * from that one bucket, so the vendor sees one budget whatever the number of replicas; the
 * in-flight cap stays per process. Should the shared bucket fail, this process's own bucket
 * takes over until it answers again.
 */

export interface LimiterOptions {
  /** Requests in flight at once, ≥ 1. */
  readonly maxConcurrency: number;
  /** Requests started per second on average, > 0; Infinity for no rate limit. */
  readonly ratePerSecond: number;
  /** Requests that may start back to back after a quiet spell (default: one second's worth). */
  readonly burst?: number;
  /** For tests. */
  readonly now?: () => number;
  /** A token bucket shared with other processes; this process's own bucket when absent. */
  readonly sharedBucket?: SharedTokenBucket;
}

/** One connection's token bucket, held outside the process (src/state/rate-budget.ts). */
export interface SharedTokenBucket {
  /** Takes one token; resolves 0 when taken, else the milliseconds until one is due. */
  take(ratePerSecond: number, capacity: number): Promise<number>;
}

/** Frees the slot a request held; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
  readonly refuse: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class CallLimiter {
  readonly maxConcurrency: number;
  readonly ratePerSecond: number;
  private readonly now: () => number;
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;
  private active = 0;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly sharedBucket: SharedTokenBucket | undefined;
  /** A shared token is being asked for; one at a time keeps the queue's order. */
  private taking = false;

  constructor(options: LimiterOptions) {
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be an integer ≥ 1, got ${options.maxConcurrency}`);
    }
    if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    this.maxConcurrency = options.maxConcurrency;
    this.ratePerSecond = options.ratePerSecond;
    this.now = options.now ?? Date.now;
    if (options.burst !== undefined && !(options.burst >= 1)) throw new RangeError(`burst must be ≥ 1, got ${options.burst}`);
    this.capacity = Number.isFinite(options.ratePerSecond) ? (options.burst ?? Math.max(1, options.ratePerSecond)) : Number.POSITIVE_INFINITY;
    this.tokens = this.capacity;
    this.refilledAt = this.now();
    // Without a rate there is nothing to share.
    this.sharedBucket = Number.isFinite(this.capacity) ? options.sharedBucket : undefined;
  }

  /** Requests holding a slot now. */
  get inFlight(): number {
    return this.active;
  }

  /** Callers waiting for a slot or a token. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function once the request may go; rejects with the signal's
   * reason if it fires first (the request must then not be sent).
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        refuse: reject,
        signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal!.reason);
          this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    if (this.sharedBucket) return this.pumpShared(this.sharedBucket);
    while (this.queue.length > 0 && this.active < this.maxConcurrency) {
      const waitMs = this.takeLocal();
      if (waitMs > 0) {
        this.wakeAfter(waitMs);
        return;
      }
      this.grantNext();
    }
  }

  /** The head of the queue gets its token from the shared bucket, then the next one asks. */
  private pumpShared(bucket: SharedTokenBucket): void {
    if (this.taking || this.timer !== undefined || this.queue.length === 0 || this.active >= this.maxConcurrency) return;
    this.taking = true;
    bucket.take(this.ratePerSecond, this.capacity).then(
      (waitMs) => this.afterShared(waitMs),
      () => this.afterShared(this.takeLocal()),
    );
  }

  private afterShared(waitMs: number): void {
    this.taking = false;
    if (waitMs > 0) {
      this.wakeAfter(waitMs);
      return;
    }
    // A waiter that gave up meanwhile leaves its token unused: the budget is never exceeded.
    if (this.queue.length > 0 && this.active < this.maxConcurrency) this.grantNext();
    this.pump();
  }

  /** This process's bucket: 0 when a token was taken, else the milliseconds until one is due. */
  private takeLocal(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond));
  }

  private grantNext(): void {
    this.active += 1;
    const waiter = this.queue.shift()!;
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    let released = false;
    waiter.grant(() => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.pump();
    });
  }

  private refill(): void {
    if (!Number.isFinite(this.capacity)) return;
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.ratePerSecond) / 1000);
    this.refilledAt = now;
  }

  private wakeAfter(waitMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, waitMs);
    // A queue of waiters must not keep the process alive on its own.
    this.timer.unref?.();
  }
}
