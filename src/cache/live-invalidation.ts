/**
 * Changes posgraph did not make — a sale the vendor's webhook or a poll reported, a cashbook
 * opened at the till — drop the cached answers they make stale, so a list shows them now
 * instead of after its TTL. Our own writes invalidated already, before they answered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEvents } from '../live/events.ts';
import type { GatewayCache } from './gateway-cache.ts';

export interface LiveInvalidationOptions {
  readonly connections: Iterable<string>;
  /** Stops following the log. */
  readonly signal: AbortSignal;
  /** Called once each event's invalidation is done (tests wait on it). */
  readonly onInvalidated?: (event: LiveEvent) => void;
}

/** Pause before following the log again after its stream ended (a subscriber left too far behind is cut off). */
const RESUBSCRIBE_AFTER_MS = 1_000;

export async function invalidateOnLiveEvents(cache: GatewayCache, live: LiveEvents, options: LiveInvalidationOptions): Promise<void> {
  const connections = [...options.connections];
  while (!options.signal.aborted) {
    try {
      for await (const event of live.subscribe({ types: LIVE_EVENT_TYPES, connections }, { signal: options.signal })) {
        if (event.via === 'GATEWAY') continue;
        const kind = event.type === 'saleCreated' ? 'sale' : 'cashbook';
        // A cache that cannot be reached loses nothing: its entries expire at their TTL.
        await cache.afterWrite(event.connection, kind, null, [event.id]).catch(() => undefined);
        options.onInvalidated?.(event);
      }
    } catch {
      // The stream failed; what it missed expires at its TTL. Follow the log again below.
    }
    await sleep(RESUBSCRIBE_AFTER_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
