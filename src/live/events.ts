/**
 * Live updates: what happened on a connection (a sale recorded, a cashbook opened, closed or
 * changed), where the gateway learnt it, and the bus that carries it to subscribers.
 *
 * Events name records by their vendor id only; subscribers load the record itself through
 * their own request-scoped loaders, so an event never carries stale or foreign data.
 *
 * The bus is also a bounded log: every event gets an id, increasing in publication order,
 * so a subscriber that reconnects with the last id it saw (`Last-Event-ID`) is replayed
 * exactly what it missed, as long as the log still holds it. When it does not (the id is
 * older than the log, from a log that is gone, or not an id at all) the subscription fails
 * with EVENTS_MISSED instead of silently skipping what was lost.
 */
import { GatewayError } from '../core/errors.ts';

export type LiveEventType = 'saleCreated' | 'cashbookChanged';

/** How the gateway learnt of the change: the vendor's webhook, its own polling, or its own write. */
export type LiveEventSource = 'WEBHOOK' | 'POLLING' | 'GATEWAY';

export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['saleCreated', 'cashbookChanged'];
export const LIVE_EVENT_SOURCES: readonly LiveEventSource[] = ['WEBHOOK', 'POLLING', 'GATEWAY'];

/** What a source publishes. */
export interface LiveEventInput {
  readonly type: LiveEventType;
  /** The gateway connection id (not the vendor's shop id). */
  readonly connection: string;
  /** The record's vendor id on that connection (the id adapters return). */
  readonly id: string;
  /** When the change happened at the vendor (ISO 8601); when it was seen if the vendor does not say. */
  readonly occurredAt: string;
  readonly via: LiveEventSource;
  /**
   * What tells two changes of one record apart (a cashbook's state: OPEN, then CLOSED);
   * absent for records that only appear once (sales). Part of the de-duplication key.
   */
  readonly version?: string;
}

/** A published event, as subscribers receive it. */
export interface LiveEvent extends LiveEventInput {
  /** Assigned by the log; opaque to clients, ordered for the log (see LiveEvents). */
  readonly eventId: string;
}

export interface LiveEventFilter {
  readonly types: readonly LiveEventType[];
  /** Only events of these connections. */
  readonly connections: ReadonlySet<string> | readonly string[];
}

export interface SubscribeOptions {
  /**
   * Replay every logged event after this one before following live ones. The log must still
   * hold this event (then it holds every later one): otherwise the iteration fails with
   * EventsMissedError.
   */
  readonly lastEventId?: string | null;
  /** Ends the iteration (the client went away). */
  readonly signal?: AbortSignal;
}

/** Why publish returned what it did: `duplicate` when the same change was already published. */
export type PublishResult = { readonly published: true; readonly event: LiveEvent } | { readonly published: false; readonly reason: 'duplicate' };

export interface LiveEvents {
  /**
   * Logs and fans out one event. The same (type, connection, id, version) published twice — webhook,
   * polling and our own write all seeing one sale — yields one event: later ones are dropped.
   */
  publish(event: LiveEventInput): Promise<PublishResult>;
  /**
   * Events matching the filter, in log order: first those after `lastEventId`, then live
   * ones, until the iterator is returned or the signal fires. Fails with EventsMissedError
   * when the log can no longer replay everything after `lastEventId`.
   */
  subscribe(filter: LiveEventFilter, options?: SubscribeOptions): AsyncIterable<LiveEvent>;
  /** Stops background work (Redis readers); subscriptions end. */
  close(): Promise<void>;
}

/**
 * The log cannot replay every event after the client's Last-Event-ID: it no longer holds that
 * event (it is bounded, so later ones may be gone too), the id is not of this log (an
 * in-memory log restarted, a Redis Stream lost), or not an id at all. The client must reload
 * what it shows and subscribe again without one; replaying what is left would hide the gap.
 */
export class EventsMissedError extends GatewayError {
  override readonly name = 'EventsMissedError';
  constructor() {
    super('EVENTS_MISSED', 'Events after this Last-Event-ID are no longer in the log (or it is not one of its ids): reload, then subscribe again without Last-Event-ID');
  }
}

/** The key by which one change is recognised whichever source reports it. */
export function dedupeKey(event: Pick<LiveEventInput, 'type' | 'connection' | 'id' | 'version'>): string {
  return `${event.type}\u0000${event.connection}\u0000${event.id}\u0000${event.version ?? ''}`;
}

export function matches(filter: LiveEventFilter, event: LiveEventInput): boolean {
  const connections = filter.connections;
  const inConnections = connections instanceof Set ? connections.has(event.connection) : (connections as readonly string[]).includes(event.connection);
  return inConnections && filter.types.includes(event.type);
}

/** A sale's event, from what any source knows of it. */
export function saleEvent(connection: string, sale: { readonly id: string; readonly createdAt: string }, via: LiveEventSource): LiveEventInput {
  return { type: 'saleCreated', connection, id: sale.id, occurredAt: new Date(sale.createdAt).toISOString(), via };
}

/** A cashbook's event: its state tells an opening from a closing (null where a vendor has registers only). */
export function cashbookEvent(
  connection: string,
  cashbook: { readonly id: string; readonly state: string | null; readonly openedAt: string | null; readonly closedAt: string | null },
  via: LiveEventSource,
  now: () => number = Date.now,
): LiveEventInput {
  const at = cashbook.state === 'CLOSED' ? cashbook.closedAt : cashbook.openedAt;
  return { type: 'cashbookChanged', connection, id: cashbook.id, version: cashbook.state ?? undefined, occurredAt: new Date(at ?? now()).toISOString(), via };
}
