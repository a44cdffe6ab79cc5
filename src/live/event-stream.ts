/**
 * One subscriber's view of a log: the logged events after its Last-Event-ID first, then live
 * ones, each once and in id order, filtered.
 *
 * Written as a plain AsyncIterator, not an async generator: a generator waiting for the next
 * event cannot be returned until that event comes, so a client that hangs up on a quiet
 * stream would keep its listener. Here `return()` ends the stream at once.
 */
import { compareEventIds, parseEventId, type EventIdParts } from './event-ids.ts';
import { matches, type LiveEvent, type LiveEventFilter } from './events.ts';

/**
 * Past this many undelivered events the subscriber is too slow: its stream ends (over SSE the
 * client sees the subscription complete) and it is up to the client to resubscribe with its
 * Last-Event-ID.
 */
export const DEFAULT_MAX_BUFFERED_EVENTS = 1_000;

export interface EventStreamOptions {
  readonly filter: LiveEventFilter;
  readonly signal?: AbortSignal;
  readonly maxBuffered?: number;
  /** Called once when the stream ends, however it ends: detach the listener here. */
  readonly onEnd: () => void;
}

export class EventStream implements AsyncIterableIterator<LiveEvent> {
  private readonly buffered: LiveEvent[] = [];
  /** Live events that arrived while the replay was being read; delivered after it. */
  private held: LiveEvent[] | null = [];
  private waiting: ((result: IteratorResult<LiveEvent>) => void) | null = null;
  private lastQueued: EventIdParts | null = null;
  private rejectPending: ((error: Error) => void) | null = null;
  private failure: Error | null = null;
  private ended = false;
  private readonly maxBuffered: number;
  /** The client went away: nothing more to hand out. */
  private readonly onAbort = (): void => {
    this.buffered.length = 0;
    this.end();
  };

  constructor(private readonly options: EventStreamOptions) {
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED_EVENTS;
    if (options.signal?.aborted) this.end();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** A live event from the log; held back until the replay is in. */
  deliver(event: LiveEvent): void {
    if (this.ended || !matches(this.options.filter, event)) return;
    if (this.held) this.held.push(event);
    else this.enqueue(event);
  }

  /** The logged events after the client's last one, in order; then what arrived meanwhile. */
  replayed(events: readonly LiveEvent[]): void {
    // The replay is bounded by the log itself; only live events count against maxBuffered.
    for (const event of events) if (matches(this.options.filter, event)) this.enqueue(event, false);
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.enqueue(event);
  }

  /** The replay could not be read: the stream fails rather than silently leave a gap. */
  fail(error: Error): void {
    if (this.ended) return;
    const reject = this.rejectPending;
    this.waiting = null;
    this.rejectPending = null;
    this.end();
    if (reject) reject(error);
    else this.failure = error;
  }

  next(): Promise<IteratorResult<LiveEvent>> {
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    const event = this.buffered.shift();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.rejectPending = reject;
    });
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    this.buffered.length = 0;
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private enqueue(event: LiveEvent, bounded = true): void {
    if (this.ended) return;
    const id = parseEventId(event.eventId);
    // A replayed event may arrive live as well; the id order says which were already queued.
    if (id && this.lastQueued && compareEventIds(id, this.lastQueued) <= 0) return;
    if (id) this.lastQueued = id;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      this.rejectPending = null;
      waiting({ done: false, value: event });
      return;
    }
    if (bounded && this.buffered.length >= this.maxBuffered) {
      // Too slow: hand out what is buffered, then end; the client resumes from its last id.
      this.end();
      return;
    }
    this.buffered.push(event);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.held = null;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const waiting = this.waiting;
    this.waiting = null;
    this.rejectPending = null;
    // Events already buffered are still handed out; then the stream is done.
    waiting?.({ done: true, value: undefined });
    this.options.onEnd();
  }
}
