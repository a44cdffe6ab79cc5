/**
 * The live-event log shared by every replica: one Redis Stream.
 *
 * Why a stream rather than pub/sub: a stream is the log and the fan-out at once. Its entry
 * ids (`<ms>-<seq>`, assigned by Redis) are the event ids, the same on every replica, so a
 * client may reconnect to any replica with Last-Event-ID and be replayed from the stream
 * (XRANGE); and a replica that restarts loses nothing. `XADD … MAXLEN ~ n` bounds it.
 *
 * Replay reads the stream from the client's Last-Event-ID on (XRANGE, inclusive): only if the
 * stream still holds that entry does it hold every later one. Any other id (trimmed, from a
 * stream that was lost, not an id) fails the subscription with EVENTS_MISSED rather than
 * leave a gap. (XINFO's max-deleted-entry-id would not help: trimming does not set it.)
 *
 * Publishing runs one script: remember the change (SET NX with a time to live) and append
 * it only when it was new — atomic, so a webhook and a poller on two replicas seeing the same
 * sale yield one entry. Each replica runs one reader (XREAD BLOCK on its own connection, each
 * read starting after the last entry it read, so nothing slips between reads) and hands what
 * it reads to its local subscribers. It starts at the stream's end: `ready` resolves then, and
 * the gateway listens only after it.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EventStream } from './event-stream.ts';
import { formatEventId, parseEventId } from './event-ids.ts';
import { DEFAULT_LOG_CAPACITY } from './memory-events.ts';
import {
  dedupeKey,
  EventsMissedError,
  LIVE_EVENT_SOURCES,
  LIVE_EVENT_TYPES,
  type LiveEvent,
  type LiveEventFilter,
  type LiveEventInput,
  type LiveEvents,
  type PublishResult,
  type SubscribeOptions,
} from './events.ts';

export interface RedisLiveEventsOptions {
  /** A command connection (src/state/redis.ts createRedis); a blocking one is duplicated from it. */
  readonly redis: Redis;
  /** Approximate number of events kept for replay. Default 1 000. */
  readonly capacity?: number;
  /** How long a change is remembered for de-duplication, in seconds. Default one day. */
  readonly dedupeTtlSeconds?: number;
  /** Key names under the connection's own prefix. Default `live`. */
  readonly namespace?: string;
  /** How long one blocking read waits before it starts again, in ms. Default 5 000. */
  readonly blockMs?: number;
  /** Told once when the reader cannot read (Redis away), not again until it has read; it keeps trying. */
  readonly onReadError?: (error: Error) => void;
}

const PUBLISH_IF_NEW = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[3])
end
return false`;

/** Entries as ioredis returns them: [id, [field, value, …]]. */
type StreamEntry = [string, string[]];

export class RedisLiveEvents implements LiveEvents {
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly streamKey: string;
  private readonly seenPrefix: string;
  private readonly capacity: number;
  private readonly dedupeTtlSeconds: number;
  private readonly blockMs: number;
  private readonly streams = new Set<EventStream>();
  private readonly reading: Promise<void>;
  private closed = false;
  private markReady!: () => void;
  /** Resolves once the reader follows the stream: events published from then on reach every subscriber. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(private readonly options: RedisLiveEventsOptions) {
    const namespace = options.namespace ?? 'live';
    this.redis = options.redis;
    this.reader = options.redis.duplicate({ connectionName: 'posgraph-live-reader' });
    // A duplicate has none of the original's listeners; without one, ioredis prints every failed
    // reconnection to stderr. The reader's failed reads are reported through onReadError.
    this.reader.on('error', () => {});
    this.streamKey = `${namespace}:events`;
    this.seenPrefix = `${namespace}:seen:`;
    this.capacity = options.capacity ?? DEFAULT_LOG_CAPACITY;
    this.dedupeTtlSeconds = options.dedupeTtlSeconds ?? 86_400;
    this.blockMs = options.blockMs ?? 5_000;
    this.reading = this.readForever();
  }

  async publish(input: LiveEventInput): Promise<PublishResult> {
    const seenKey = this.seenPrefix + createHash('sha256').update(dedupeKey(input)).digest('base64url');
    const id = (await this.redis.eval(PUBLISH_IF_NEW, 2, seenKey, this.streamKey, this.dedupeTtlSeconds, this.capacity, JSON.stringify(input))) as string | null;
    if (id === null) return { published: false, reason: 'duplicate' };
    return { published: true, event: { ...input, eventId: id } };
  }

  subscribe(filter: LiveEventFilter, options: SubscribeOptions = {}): AsyncIterable<LiveEvent> {
    const stream: EventStream = new EventStream({ filter, signal: options.signal, onEnd: () => this.streams.delete(stream) });
    this.streams.add(stream);
    if (!options.lastEventId) {
      stream.replayed([]);
      return stream;
    }
    const after = parseEventId(options.lastEventId);
    if (!after) {
      stream.fail(new EventsMissedError());
      return stream;
    }
    // Live events are held by the stream until the replay is in, then de-duplicated by id.
    // The whole rest of the stream: MAXLEN bounds it (to a little over the capacity).
    const from = formatEventId(after);
    this.redis
      .xrange(this.streamKey, from, '+')
      .then((entries) => {
        if (entries[0]?.[0] !== from) stream.fail(new EventsMissedError());
        else stream.replayed(entries.slice(1).flatMap((entry) => this.decode(entry as StreamEntry)));
      })
      .catch((error: Error) => stream.fail(error));
    return stream;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stream of [...this.streams]) await stream.return();
    this.reader.disconnect();
    this.markReady();
    await this.reading;
  }

  private async readForever(): Promise<void> {
    let lastId: string | null = null;
    let failing = false;
    while (!this.closed) {
      try {
        if (lastId === null) {
          const [newest] = (await this.reader.xrevrange(this.streamKey, '+', '-', 'COUNT', 1)) as StreamEntry[];
          lastId = newest?.[0] ?? '0-0';
          this.markReady();
        }
        const answer = (await this.reader.xread('COUNT', 500, 'BLOCK', this.blockMs, 'STREAMS', this.streamKey, lastId)) as Array<[string, StreamEntry[]]> | null;
        failing = false;
        for (const [, entries] of answer ?? []) {
          for (const entry of entries) {
            lastId = entry[0];
            for (const event of this.decode(entry)) for (const stream of this.streams) stream.deliver(event);
          }
        }
      } catch (error) {
        if (this.closed) return;
        // One report per outage: the loop retries twice a second.
        if (!failing) this.options.onReadError?.(error as Error);
        failing = true;
        // Redis is away: ioredis reconnects; wait a little rather than spin.
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      }
    }
  }

  /** An entry as an event; one this version cannot read is skipped rather than failing the stream. */
  private decode([id, fields]: StreamEntry): LiveEvent[] {
    const json = fields[fields.indexOf('event') + 1];
    try {
      const input = JSON.parse(json ?? 'null') as LiveEventInput;
      if (!LIVE_EVENT_TYPES.includes(input.type) || !LIVE_EVENT_SOURCES.includes(input.via) || typeof input.connection !== 'string' || typeof input.id !== 'string') return [];
      return [{ ...input, eventId: id }];
    } catch {
      return [];
    }
  }
}
