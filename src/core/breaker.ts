/**
 * One circuit breaker per connection (cockatiel's, with a consecutive-failures trigger).
 * After `failureThreshold` failures in a row the circuit opens and calls fail at once,
 * without reaching the vendor; `halfOpenAfterMs` later the next call goes through as a
 * probe — success closes the circuit, failure opens it for another period.
 *
 * Only failures that say something about the vendor's health count: no answer in time,
 * connection refused or cut, a 5xx. A 4xx, a 429 (the vendor is well, just busy) or a
 * caller giving up does not, and neither does a success reset it.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, IsolatedCircuitError, circuitBreaker, handleWhenResult } from 'cockatiel';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface FailureSummary {
  readonly code: string;
  readonly message: string;
}

export interface ConnectionHealth {
  /** HALF_OPEN also when the open period is over and the next call will be the probe. */
  readonly state: BreakerState;
  /** Failures counted by the breaker over the last `recentWindowMs`. */
  readonly recentFailures: number;
  readonly lastError: FailureSummary | null;
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit, ≥ 1. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before a probe may go. */
  readonly halfOpenAfterMs: number;
  /** The window of `recentFailures`. */
  readonly recentWindowMs?: number;
  readonly now?: () => number;
}

/** What one guarded call produced, and whether that counts as a failure of the vendor. */
export interface Guarded<T> {
  readonly value: T;
  readonly failure: FailureSummary | null;
}

/** Thrown by `run` when the circuit is open: the call was not made. */
export class CircuitOpenSignal extends Error {
  override readonly name = 'CircuitOpenSignal';
}

export class ConnectionBreaker {
  private readonly policy;
  private readonly halfOpenAfterMs: number;
  private readonly recentWindowMs: number;
  private readonly now: () => number;
  private openedAt = 0;
  private failures: number[] = [];
  private last: FailureSummary | null = null;

  constructor(options: BreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) {
      throw new RangeError(`failureThreshold must be an integer ≥ 1, got ${options.failureThreshold}`);
    }
    if (!(options.halfOpenAfterMs >= 0)) throw new RangeError(`halfOpenAfterMs must be ≥ 0, got ${options.halfOpenAfterMs}`);
    this.halfOpenAfterMs = options.halfOpenAfterMs;
    this.recentWindowMs = options.recentWindowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.policy = circuitBreaker(
      handleWhenResult((result) => (result as Guarded<unknown>).failure !== null),
      { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failureThreshold) },
    );
    this.policy.onBreak(() => {
      this.openedAt = this.now();
    });
  }

  get state(): BreakerState {
    switch (this.policy.state) {
      case CircuitState.Closed:
        return 'CLOSED';
      case CircuitState.HalfOpen:
        return 'HALF_OPEN';
      default:
        // cockatiel moves to half-open lazily, on the first call after the open period.
        return this.probeDue() ? 'HALF_OPEN' : 'OPEN';
    }
  }

  /** true while calls must fail fast: open, and the open period not over yet. */
  get rejecting(): boolean {
    return this.state === 'OPEN';
  }

  /**
   * Runs one call through the breaker; its `failure` decides whether it counts. Throws
   * CircuitOpenSignal without calling `call` when the circuit is open.
   */
  async run<T>(call: () => Promise<Guarded<T>>): Promise<Guarded<T>> {
    let result: Guarded<T>;
    try {
      result = await this.policy.execute(call);
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) throw new CircuitOpenSignal('circuit open');
      throw error;
    }
    if (result.failure) this.noteFailure(result.failure);
    return result;
  }

  health(): ConnectionHealth {
    return { state: this.state, recentFailures: this.recent().length, lastError: this.last };
  }

  private probeDue(): boolean {
    return this.now() - this.openedAt >= this.halfOpenAfterMs;
  }

  private noteFailure(failure: FailureSummary): void {
    this.last = failure;
    this.failures = this.recent();
    this.failures.push(this.now());
  }

  private recent(): number[] {
    const since = this.now() - this.recentWindowMs;
    return this.failures.filter((at) => at > since);
  }
}
