/**
 * The live-event log of a single gateway process: a bounded ring of the latest events and a
 * bounded memory of the changes already published (for de-duplication). Enough for one
 * replica; replicas share a log through RedisLiveEvents instead.
 */
import { EventIdClock, formatEventId, parseEventId } from './event-ids.ts';
import { EventStream } from './event-stream.ts';
import { dedupeKey, EventsMissedError, type LiveEvent, type LiveEventFilter, type LiveEventInput, type LiveEvents, type PublishResult, type SubscribeOptions } from './events.ts';

export interface LiveLogOptions {
  /** Events kept for replay (Last-Event-ID). Default 1 000. */
  readonly capacity?: number;
  /** Changes remembered for de-duplication. Default 10 000. */
  readonly dedupeCapacity?: number;
  readonly now?: () => number;
}

export const DEFAULT_LOG_CAPACITY = 1_000;
export const DEFAULT_DEDUPE_CAPACITY = 10_000;

export class InMemoryLiveEvents implements LiveEvents {
  private readonly log: LiveEvent[] = [];
  /** Insertion-ordered, so the oldest key is the first one forgotten. */
  private readonly seen = new Set<string>();
  private readonly streams = new Set<EventStream>();
  private readonly clock: EventIdClock;
  private readonly capacity: number;
  private readonly dedupeCapacity: number;

  constructor(options: LiveLogOptions = {}) {
    this.capacity = positive('capacity', options.capacity ?? DEFAULT_LOG_CAPACITY);
    this.dedupeCapacity = positive('dedupeCapacity', options.dedupeCapacity ?? DEFAULT_DEDUPE_CAPACITY);
    this.clock = new EventIdClock(options.now);
  }

  async publish(input: LiveEventInput): Promise<PublishResult> {
    const key = dedupeKey(input);
    if (this.seen.has(key)) return { published: false, reason: 'duplicate' };
    this.seen.add(key);
    if (this.seen.size > this.dedupeCapacity) this.seen.delete(this.seen.values().next().value!);
    const event: LiveEvent = { ...input, eventId: this.clock.next() };
    this.log.push(event);
    if (this.log.length > this.capacity) this.log.shift();
    for (const stream of this.streams) stream.deliver(event);
    return { published: true, event };
  }

  subscribe(filter: LiveEventFilter, options: SubscribeOptions = {}): AsyncIterable<LiveEvent> {
    const stream: EventStream = new EventStream({ filter, signal: options.signal, onEnd: () => this.streams.delete(stream) });
    this.streams.add(stream);
    if (!options.lastEventId) {
      stream.replayed([]);
      return stream;
    }
    const after = parseEventId(options.lastEventId);
    const id = after && formatEventId(after);
    // Only while the ring still holds the client's event does it hold every later one.
    const index = this.log.findIndex((event) => event.eventId === id);
    if (index >= 0) stream.replayed(this.log.slice(index + 1));
    else stream.fail(new EventsMissedError());
    return stream;
  }

  async close(): Promise<void> {
    for (const stream of [...this.streams]) await stream.return();
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
