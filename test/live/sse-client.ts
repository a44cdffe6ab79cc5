/**
 * A GraphQL-over-SSE client for tests: reads the raw text/event-stream of a subscription over
 * real HTTP and parses it as the SSE spec says (messages end at a blank line; `:` lines are
 * comments; a field's value loses one leading space; `id` may come anywhere in a message).
 */
import { request, type Dispatcher } from 'undici';

export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id: string | null;
}

export interface NextPayload {
  readonly data?: Record<string, any> | null;
  readonly errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface SseSubscription {
  readonly status: number;
  readonly contentType: string;
  /** Every message received so far. */
  readonly messages: readonly SseMessage[];
  /** The `next` payloads received so far, with the id of their message. */
  readonly payloads: ReadonlyArray<{ id: string | null; payload: NextPayload }>;
  /** Waits until `count` `next` messages have arrived (or the stream ends), at most `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReadonlyArray<{ id: string | null; payload: NextPayload }>>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export interface SubscribeRequest {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  readonly dispatcher?: Dispatcher;
}

export async function subscribeSse(url: string, body: SubscribeRequest): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await request(url, {
    method: 'POST',
    signal: abort.signal,
    dispatcher: body.dispatcher,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...body.headers },
    body: JSON.stringify({ query: body.query, variables: body.variables, extensions: body.extensions }),
  });
  const messages: SseMessage[] = [];
  const payloads: Array<{ id: string | null; payload: NextPayload }> = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let finished = false;
  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };

  const ended = (async () => {
    try {
      for await (const chunk of response.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message = parseBlock(block);
          if (!message) continue;
          messages.push(message);
          if (message.event === 'next') payloads.push({ id: message.id, payload: JSON.parse(message.data) as NextPayload });
          notify();
        }
      }
    } catch {
      // Closed by the test.
    } finally {
      finished = true;
      notify();
    }
  })();

  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    messages,
    payloads,
    ended,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (payloads.length >= count || finished) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(payloads.slice());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} SSE payloads, got ${payloads.length}: ${JSON.stringify(payloads)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      abort.abort();
    },
  };
}

function parseBlock(block: string): SseMessage | null {
  let event = 'message';
  const data: string[] = [];
  let id: string | null = null;
  let fields = 0;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    fields += 1;
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id') id = value;
  }
  return fields === 0 ? null : { event, data: data.join('\n'), id };
}
