/**
 * GraphQL subscriptions over Server-Sent Events, as graphql-yoga serves them: a POST with
 * `Accept: text/event-stream`, read with fetch (so headers can be set, unlike EventSource).
 * The id of the last message seen is kept and sent back as `Last-Event-ID` on reconnect, so
 * the gateway replays what was missed instead of the feed silently skipping it.
 */

export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/** Splits an SSE byte stream into messages; feed it text chunks in order. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the end of a chunk may be the first half of \r\n: wait for more.
      if (width === 1 && this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + width);
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0 && this.event === '') return undefined;
      const message: SseMessage = { event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) };
      this.event = '';
      this.data = [];
      this.id = undefined;
      return message;
    }
    if (line.startsWith(':')) return undefined; // a keep-alive comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }
}

export interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly [key: string]: unknown };
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface SubscribeOptions<TData> {
  readonly url: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  onData(data: TData, eventId: string | undefined): void;
  onErrors?(errors: readonly GraphQLError[]): void;
  onStatus?(status: LiveStatus): void;
  /**
   * The gateway no longer holds the events since the last one seen (EVENTS_MISSED): the
   * stream starts again from now, and what was missed must be read again (reload the data).
   */
  onMissed?(): void;
  readonly signal: AbortSignal;
  /** Delay before reconnect attempt n (0-based); default 0.5 s doubling up to 15 s. */
  readonly retryDelay?: (attempt: number) => number;
  readonly fetch?: typeof fetch;
}

export async function subscribe<TData>(options: SubscribeOptions<TData>): Promise<void> {
  const { signal } = options;
  const doFetch = options.fetch ?? fetch;
  const delay = options.retryDelay ?? ((attempt: number) => Math.min(15_000, 500 * 2 ** attempt));
  let lastEventId: string | undefined;
  let attempt = 0;
  options.onStatus?.('connecting');
  while (!signal.aborted) {
    try {
      const response = await doFetch(options.url, {
        method: 'POST',
        signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
        },
        body: JSON.stringify({ query: options.query, variables: options.variables ?? {} }),
      });
      if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        // A refusal with a GraphQL body (bad operation, missing key) will not get better by retrying.
        const body = await response.json().catch(() => undefined) as { errors?: GraphQLError[] } | undefined;
        if (body?.errors && response.status < 500) {
          options.onErrors?.(body.errors);
          options.onStatus?.('ended');
          return;
        }
        throw new Error(`subscription answered HTTP ${response.status}`);
      }
      options.onStatus?.('live');
      attempt = 0;
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let missed = false;
      reading: for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const message of parser.push(value)) {
          if (message.id !== undefined) lastEventId = message.id;
          if (message.event === 'complete') {
            if (missed) break reading;
            options.onStatus?.('ended');
            return;
          }
          if (message.event !== 'next' || message.data === '') continue;
          const payload = JSON.parse(message.data) as { data?: TData; errors?: GraphQLError[] };
          if (payload.errors?.some((error) => error.extensions?.code === 'EVENTS_MISSED')) {
            missed = true;
            continue;
          }
          if (payload.errors?.length) options.onErrors?.(payload.errors);
          if (payload.data) options.onData(payload.data, message.id);
        }
      }
      if (missed) {
        // Resume from now at once, and let the page read again what the gap held.
        await reader.cancel().catch(() => undefined);
        lastEventId = undefined;
        options.onMissed?.();
        continue;
      }
    } catch {
      // A dropped stream or an unreachable gateway: reconnect below, unless we were stopped.
      if (signal.aborted) break;
    }
    if (signal.aborted) break;
    options.onStatus?.('reconnecting');
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(resolve, delay(attempt));
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
    attempt += 1;
  }
  options.onStatus?.('ended');
}
