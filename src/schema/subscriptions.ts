/**
 * Live updates: `saleCreated` and `cashbookChanged`, served over GraphQL-over-SSE.
 *
 * An event names a record by id; the record is loaded when the event is delivered, as the
 * caller's tenant sees it. A subscription lives for hours, so each event executes as a
 * request of its own — new loaders (no cache outlives an event) and a new deadline — instead
 * of reusing the context's, whose loaders would serve stale records and whose deadline
 * passed long ago.
 */
import type { GatewayContext } from '../context.ts';
import { GatewayError, NotFoundError } from '../core/errors.ts';
import { RequestLoaders } from '../core/loaders.ts';
import { LIVE_EVENT_SOURCES, type LiveEvent, type LiveEventType } from '../live/events.ts';
import { scopedDeadline } from '../live/scoped-deadline.ts';
import { lastEventIdOf, requestSignalOf, tagEventId } from '../plugins/use-sse-event-ids.ts';
import { builder } from './builder.ts';
import { CashbookRef } from './cashbook.ts';
import { loadRelated, type Bound } from './node.ts';
import { SaleRef } from './sale.ts';

/** Subscribing where the gateway serves no live updates (no event log configured). */
export class LiveUpdatesDisabledError extends GatewayError {
  override readonly name = 'LiveUpdatesDisabledError';
  constructor() {
    super('LIVE_UPDATES_DISABLED', 'This gateway serves no live updates');
  }
}

const LiveEventSourceEnum = builder.enumType('LiveEventSource', {
  description: 'How the gateway learnt of the change.',
  values: {
    WEBHOOK: { description: 'The vendor called us (Kash).' },
    POLLING: { description: 'The gateway found it by asking the vendor.' },
    GATEWAY: { description: 'It was made through this gateway.' },
  } satisfies Record<(typeof LIVE_EVENT_SOURCES)[number], unknown>,
});

const EVENT_ID_DESCRIPTION = 'Increasing within the log; the SSE message id, so `Last-Event-ID` resumes after it.';

const SaleCreatedEventRef = builder.objectRef<LiveEvent>('SaleCreatedEvent').implement({
  fields: (t) => ({
    eventId: t.exposeString('eventId', { description: EVENT_ID_DESCRIPTION }),
    occurredAt: t.field({ type: 'DateTime', resolve: (event) => event.occurredAt }),
    via: t.field({ type: LiveEventSourceEnum, resolve: (event) => event.via }),
    sale: t.field({ type: SaleRef, resolve: (event, _, context) => loadEventRecord(context, event, 'sale') }),
  }),
});

const CashbookChangedEventRef = builder.objectRef<LiveEvent>('CashbookChangedEvent').implement({
  fields: (t) => ({
    eventId: t.exposeString('eventId', { description: EVENT_ID_DESCRIPTION }),
    occurredAt: t.field({ type: 'DateTime', resolve: (event) => event.occurredAt }),
    via: t.field({ type: LiveEventSourceEnum, resolve: (event) => event.via }),
    cashbook: t.field({ type: CashbookRef, resolve: (event, _, context) => loadEventRecord(context, event, 'cashbook') }),
  }),
});

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  saleCreated: t.field({
    type: SaleCreatedEventRef,
    description:
      "Sales recorded on these connections (all the caller may use by default): pushed by the vendor's webhook (Kash), found by polling (the others), or created through this gateway.",
    args: { connections: t.arg.idList() },
    subscribe: (_, args, context) => follow(context, 'saleCreated', args.connections),
    resolve: (event, _, context) => beginEvent(context, event),
  }),
  cashbookChanged: t.field({
    type: CashbookChangedEventRef,
    description: 'Cashbooks opened, closed or changed on these connections.',
    args: { connections: t.arg.idList() },
    subscribe: (_, args, context) => follow(context, 'cashbookChanged', args.connections),
    resolve: (event, _, context) => beginEvent(context, event),
  }),
}));

/** The caller's events of one type, after its Last-Event-ID if it sent one. */
function follow(context: GatewayContext, type: LiveEventType, named: readonly (string | number)[] | null | undefined): AsyncIterable<LiveEvent> {
  if (!context.live) throw new LiveUpdatesDisabledError();
  const connections = named === null || named === undefined ? [...context.connections.keys()] : [...new Set(named.map(String))];
  // Another tenant's connection looks exactly like one that does not exist.
  for (const id of connections) {
    if (!context.connections.has(id)) throw new NotFoundError(`No connection ${JSON.stringify(id)}`, { argumentName: 'connections' });
  }
  return context.live.subscribe({ types: [type], connections: new Set(connections) }, { lastEventId: lastEventIdOf(context), signal: requestSignalOf(context) });
}

type EventScope = { -readonly [K in 'loaders' | 'signal']: GatewayContext[K] };

/** Per subscription: lets go of the previous event's hold on the request's signal. */
const previousEvent = new WeakMap<object, () => void>();

/**
 * The signal of one event of a subscription: it fires when the client leaves or the event's
 * deadline passes. The request lives for hours and thousands of events, so each event holds
 * it only until the next one starts (events run one after the other): see scopedDeadline.
 */
export function eventSignal(subscription: object, request: AbortSignal | undefined, deadlineMs: number): AbortSignal {
  previousEvent.get(subscription)?.();
  const { signal, release } = scopedDeadline(request, deadlineMs);
  previousEvent.set(subscription, release);
  return signal;
}

/** Runs as each event starts executing: fresh loaders and deadline, and the SSE id of its message. */
function beginEvent(context: GatewayContext, event: LiveEvent): LiveEvent {
  const signal = eventSignal(context, requestSignalOf(context), context.requestDeadlineMs);
  const scope = context as unknown as EventScope;
  scope.signal = signal;
  // Not the shared entity cache either: an event says the record changed, a cached copy may predate it.
  scope.loaders = new RequestLoaders(context.connections, { signal });
  tagEventId(context, event.eventId);
  return event;
}

async function loadEventRecord<K extends 'sale' | 'cashbook'>(context: GatewayContext, event: LiveEvent, kind: K): Promise<Bound<K>> {
  const record = await loadRelated(context, event.connection, kind, event.id);
  if (!record) throw new NotFoundError(`The ${kind} of event ${event.eventId} is no longer at the vendor`, { connection: event.connection });
  return record;
}
