/**
 * A deadline under a long-lived signal (a subscription's request, a poller's life), to be
 * released when the work under it is done. `withDeadline(parent, ms)` would fire alike, but
 * AbortSignal.any keeps an entry in `parent` for every signal made from it for as long as
 * `parent` lives (Node 20): thousands of events or polls later, that is a leak. This one
 * holds a single listener on `parent`, until released.
 */
import { withDeadline } from '../core/deadline.ts';

export interface ScopedDeadline {
  /** Fires when `parent` does or the deadline passes. */
  readonly signal: AbortSignal;
  /** Lets go of `parent`; the signal still fires at its deadline. */
  release(): void;
}

export function scopedDeadline(parent: AbortSignal | undefined, ms: number): ScopedDeadline {
  const scope = new AbortController();
  let release = (): void => {};
  if (parent?.aborted) scope.abort(parent.reason);
  else if (parent) {
    const forward = (): void => scope.abort(parent.reason);
    parent.addEventListener('abort', forward, { once: true });
    release = () => parent.removeEventListener('abort', forward);
  }
  return { signal: withDeadline(scope.signal, ms), release };
}
