/**
 * Vendor webhooks: notifications a vendor pushes to the gateway, read into live events.
 *
 * The route is `/webhooks/<vendor>/<connection>?secret=<the connection's webhook secret>`.
 * Vendors do not sign their notifications (Kash's carry nothing that proves their origin), so
 * the URL itself is the credential: whoever knows it may announce a sale. That is all it
 * can do — an event only names a record by id, and subscribers load the record from the
 * vendor through the connection's own credentials, so a forged notice shows nothing that
 * is not there. The secret rides in the query string because request logs print the path
 * and never the query (and `secret` is a redacted name wherever a URL is logged).
 *
 * Vendor-specific reading lives in the vendor folder (`VendorAdapterModule.webhook`); the
 * HTTP side (routing, secret, size cap, answers) in plugins/use-webhooks.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { LiveEventInput } from '../live/events.ts';

export const WEBHOOK_PATH_PREFIX = '/webhooks/';
export const WEBHOOK_SECRET_PARAM = 'secret';

/** One notification as the gateway received it, before the vendor's module reads it. */
export interface WebhookDelivery {
  /** The gateway connection the URL names. */
  readonly connectionId: string;
  readonly contentType: string | null;
  readonly body: string;
  /** When it arrived: the `occurredAt` of events whose payload carries no date. */
  readonly receivedAt: Date;
}

/** What a vendor's module offers for one connection whose settings enable webhooks. */
export interface VendorWebhook {
  /** The secret the URL must carry. */
  readonly secret: string;
  /**
   * The live events one notification announces (none for a notice that announces nothing
   * the gateway publishes). Throws WebhookPayloadError when the body cannot be read.
   */
  read(delivery: WebhookDelivery): readonly LiveEventInput[];
}

/** A notification whose body is not what the vendor's contract describes. */
export class WebhookPayloadError extends Error {
  override readonly name = 'WebhookPayloadError';
  readonly code = 'BAD_WEBHOOK_PAYLOAD';
  constructor(
    /** Names the field at fault, never its value: payloads carry customers' personal data. */
    message: string,
  ) {
    super(message);
  }
}

/** The URL a vendor is configured to call for this connection. */
export function webhookUrl(origin: string, vendor: string, connectionId: string, secret: string): string {
  const url = new URL(`${WEBHOOK_PATH_PREFIX}${encodeURIComponent(vendor)}/${encodeURIComponent(connectionId)}`, origin);
  url.searchParams.set(WEBHOOK_SECRET_PARAM, secret);
  return url.toString();
}

/**
 * Compares a presented secret with the expected one in time that does not depend on where
 * they differ, nor on the expected one's length: both are hashed to 32 bytes first.
 */
export function secretMatches(presented: string | null, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const equal = timingSafeEqual(digest(presented ?? ''), digest(expected));
  return equal && presented !== null;
}
