/**
 * Changes posgraph did not make — a sale the vendor's webhook or a poll reported, a cashbook
 * opened at the till — drop the cached answers they make stale, so a list shows them now
 * instead of after its TTL. Our own writes invalidated already, before they answered.
 */
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEvents } from '../live/events.ts';
import type { GatewayCache } from './gateway-cache.ts';

export interface LiveInvalidationOptions {
  readonly connections: Iterable<string>;
  /** Stops following the log. */
  readonly signal: AbortSignal;
  /** Called once each event's invalidation is done (tests wait on it). */
  readonly onInvalidated?: (event: LiveEvent) => void;
}

export async function invalidateOnLiveEvents(cache: GatewayCache, live: LiveEvents, options: LiveInvalidationOptions): Promise<void> {
  const events = live.subscribe({ types: LIVE_EVENT_TYPES, connections: [...options.connections] }, { signal: options.signal });
  for await (const event of events) {
    if (event.via === 'GATEWAY') continue;
    const kind = event.type === 'saleCreated' ? 'sale' : 'cashbook';
    // A cache that cannot be reached loses nothing: its entries expire at their TTL.
    await cache.afterWrite(event.connection, kind, null, [event.id]).catch(() => undefined);
    options.onInvalidated?.(event);
  }
}
