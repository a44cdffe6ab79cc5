import type { Plugin } from 'graphql-yoga';
import type { Connection } from '../core/connection.ts';
import { secretMatches, WEBHOOK_PATH_PREFIX, WEBHOOK_SECRET_PARAM, WebhookPayloadError, type VendorWebhook } from '../core/webhooks.ts';
import type { LiveEvents } from '../live/events.ts';
import type { Logger } from '../logger.ts';

export interface WebhooksOptions {
  readonly connections: ReadonlyMap<string, Connection>;
  /** Where the notifications' events go. */
  readonly live: Pick<LiveEvents, 'publish'>;
  readonly logger: Logger;
  /** Body bytes a notification may carry; larger is 413. Default 64 KiB. */
  readonly maxBodyBytes?: number;
}

/** A Kash notice with a hundred lines is about 30 KB. */
export const DEFAULT_WEBHOOK_BODY_BYTES = 64 * 1024;

/** Compared against when the URL names no webhook, so that case costs what a wrong secret costs. */
const NO_SECRET = 'no webhook has this secret';

/**
 * `POST /webhooks/<vendor>/<connection>?secret=…`: vendors push notifications here, and the
 * connection's vendor module (`VendorAdapterModule.webhook`) reads them into live events.
 *
 * Vendors have no API key of the gateway's, so these requests are answered here, before the
 * tenant's key check, the CSRF check and the overload guard (none of which they would
 * pass or need). The secret in the URL guards them instead:
 *  - an unknown connection, another vendor's, one without webhooks, a wrong or missing
 *    secret: all 404, alike, so the answer tells nothing about which connections exist;
 *  - a body over the cap: 413, before it is read whole; one the vendor module cannot
 *    read: 400 `BAD_WEBHOOK_PAYLOAD`;
 *  - otherwise 204 at once. Events are published without waiting (a vendor does not wait
 *    for its receiver, and Kash never retries), and the record itself is only loaded from
 *    the vendor later, by each subscriber.
 *
 * Nothing here is rate-limited: a caller without the secret gets a 404 for the price of a
 * hash. The secret never reaches a log line: request logs print the path, not the query.
 */
export function useWebhooks(options: WebhooksOptions): Plugin {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  const { connections, live, logger } = options;

  const target = (pathname: string, secret: string | null): { connection: Connection; webhook: VendorWebhook } | null => {
    const [vendor, connectionId, ...rest] = pathname.slice(WEBHOOK_PATH_PREFIX.length).split('/').map(decodeSegment);
    const connection = connectionId !== undefined && rest.length === 0 ? connections.get(connectionId) : undefined;
    const webhook = connection !== undefined && connection.vendor === vendor ? connection.webhook : undefined;
    const matches = secretMatches(secret, webhook?.secret ?? NO_SECRET);
    return connection !== undefined && webhook !== undefined && matches ? { connection, webhook } : null;
  };

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(WEBHOOK_PATH_PREFIX)) return;
      const answer = (status: number, code?: string, message?: string, headers: Record<string, string> = {}) =>
        endResponse(
          code === undefined
            ? new fetchAPI.Response(null, { status, headers })
            : new fetchAPI.Response(JSON.stringify({ error: { code, ...(message ? { message } : {}) } }), {
                status,
                headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
              }),
        );

      const found = target(url.pathname, url.searchParams.get(WEBHOOK_SECRET_PARAM));
      if (found === null) return answer(404, 'NOT_FOUND');
      const { connection, webhook } = found;
      if (request.method !== 'POST') return answer(405, 'METHOD_NOT_ALLOWED', undefined, { allow: 'POST' });

      const body = await readCapped(request, maxBodyBytes);
      if (body === null) return answer(413, 'REQUEST_ENTITY_TOO_LARGE', `A notification may carry at most ${maxBodyBytes} bytes`);

      let events;
      try {
        events = webhook.read({ connectionId: connection.id, contentType: request.headers.get('content-type'), body, receivedAt: new Date() });
      } catch (error) {
        if (error instanceof WebhookPayloadError) {
          logger.warn({ connection: connection.id, vendor: connection.vendor, code: error.code, reason: error.message }, 'webhook refused');
          return answer(400, error.code, error.message);
        }
        // The vendor module's own fault: the vendor learns nothing more than that.
        logger.error({ connection: connection.id, vendor: connection.vendor, err: error }, 'webhook failed');
        return answer(500, 'INTERNAL_SERVER_ERROR');
      }
      for (const event of events) {
        Promise.resolve().then(() => live.publish(event)).then(
          (result) => logger.debug({ connection: connection.id, type: event.type, id: event.id, published: result.published }, 'webhook event'),
          (error: unknown) => logger.error({ connection: connection.id, type: event.type, id: event.id, err: error }, 'webhook event not published'),
        );
      }
      return answer(204);
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // Not a name any connection has.
    return '\u0000';
  }
}

/** The body as text, or null when it is larger than `maxBytes` (read no further than that). */
async function readCapped(request: Request, maxBytes: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) return null;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
