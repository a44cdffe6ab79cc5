import type { Plugin } from 'graphql-yoga';

/**
 * Resumable subscriptions over GraphQL-over-SSE. Each SSE message of a live event carries
 * `id: <eventId>`; a client that reconnects sends the last one back as the `Last-Event-ID`
 * header (SSE clients do it themselves), and the subscription replays what it missed. Clients
 * are fetch-based (POST with `Accept: text/event-stream`): a browser's EventSource can send
 * neither an API key nor the CSRF header, so it is not the way in.
 *
 * Yoga's SSE processor writes each result as `data: <JSON>` followed by a blank line, and
 * serialises a result with its own `stringify` when it has one. Ours appends `\nid: <eventId>`
 * after the JSON: JSON has no raw line break, so the message becomes
 * `event: next` / `data: {…}` / `id: <eventId>` — the same SSE message, now with an id.
 * Only results of live events get one; everything else is untouched.
 */
const eventIds = new WeakMap<object, string>();

/** Called by a subscription's resolver as an event starts executing: its result gets this id. */
export function tagEventId(context: object, eventId: string): void {
  eventIds.set(context, eventId);
}

/**
 * The event the client saw last: the `Last-Event-ID` header (SSE reconnection), or for
 * fetch-based clients that cannot rely on it, the request's `extensions.lastEventId`.
 */
export function lastEventIdOf(context: object): string | null {
  const { request, params } = context as { request?: Request; params?: { extensions?: Record<string, unknown> } };
  const header = request?.headers.get('last-event-id');
  if (header) return header;
  const extension = params?.extensions?.['lastEventId'];
  return typeof extension === 'string' && extension !== '' ? extension : null;
}

/** The request's own signal: fires when the client goes away (unlike the context's deadline). */
export function requestSignalOf(context: object): AbortSignal | undefined {
  return (context as { request?: Request }).request?.signal;
}

export function useSseEventIds(): Plugin {
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: () => ({
        onNext: ({ result, setResult }) => {
          const eventId = eventIds.get(args.contextValue);
          // Ids are ours (digits and a dash), never client text: nothing can break the message.
          if (eventId === undefined || !/^[\d-]+$/.test(eventId)) return;
          eventIds.delete(args.contextValue);
          setResult({ ...result, stringify: (value: unknown) => `${JSON.stringify(value)}\nid: ${eventId}` } as typeof result);
        },
      }),
    }),
  };
}
