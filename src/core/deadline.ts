/**
 * Deadlines travel as AbortSignals: every vendor call already takes one. A signal made here
 * also remembers *when* it will fire, so a retry can tell whether waiting still fits
 * (a plain AbortSignal only says whether it has fired).
 */
import { setMaxListeners } from 'node:events';

/** How long one GraphQL request may take, vendor calls included, unless configured. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

const deadlines = new WeakMap<AbortSignal, number>();

/**
 * A signal that fires when `parent` does or `ms` from now, whichever comes first. Its
 * deadline (epoch ms) is the earlier of the two, as far as the parent's is known.
 */
export function withDeadline(parent: AbortSignal | undefined, ms: number, now: () => number = Date.now): AbortSignal {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`A deadline is a positive number of milliseconds, got ${ms}`);
  const signal = parent ? AbortSignal.any([parent, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
  // Every vendor call of a request listens on it; there are legitimately many.
  setMaxListeners(0, signal);
  const own = now() + ms;
  const inherited = parent ? deadlines.get(parent) : undefined;
  deadlines.set(signal, inherited === undefined ? own : Math.min(own, inherited));
  return signal;
}

/** When `signal` will fire (epoch ms), if it was made by withDeadline; undefined otherwise. */
export function deadlineOf(signal: AbortSignal | undefined): number | undefined {
  return signal ? deadlines.get(signal) : undefined;
}

/** true when `signal` fired because a deadline passed, not because a caller gave up. */
export function isDeadlineAbort(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
}
