import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SseParser, subscribe, type LiveStatus } from '../../../examples/dashboard/src/sse.ts';

describe('SSE parsing', () => {
  it('splits messages on blank lines, whatever the chunking and line endings', () => {
    const stream = ': ping\n\nevent: next\nid: 7\ndata: {"a":\ndata: 1}\n\r\nevent: complete\r\ndata:\r\n\r\n';
    for (const size of [1, 2, 5, stream.length]) {
      const parser = new SseParser();
      const messages = [];
      for (let at = 0; at < stream.length; at += size) messages.push(...parser.push(stream.slice(at, at + size)));
      expect(messages, `chunks of ${size}`).toEqual([
        { event: 'next', id: '7', data: '{"a":\n1}' },
        { event: 'complete', data: '' },
      ]);
    }
  });
});

describe('subscribe over SSE', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A gateway stand-in: each connection gets the next script; it records what the client sent. */
  async function serve(scripts: Array<(request: IncomingMessage, write: (text: string) => void, end: () => void) => void>) {
    const seen: Array<{ lastEventId: string | undefined; accept: string | undefined; body: string }> = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ lastEventId: request.headers['last-event-id'] as string | undefined, accept: request.headers.accept, body });
        const script = scripts[seen.length - 1];
        if (!script) return void response.writeHead(503).end();
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        script(request, (text) => response.write(text), () => response.end());
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/graphql`, seen };
  }

  it('delivers each event and, after the stream drops, reconnects with the last id seen', async () => {
    const { url, seen } = await serve([
      (_, write, end) => {
        write('event: next\nid: 1\ndata: {"data":{"n":1}}\n\n');
        write('event: next\nid: 2\ndata: {"data":{"n":2}}\n\n');
        end(); // the connection drops
      },
      (_, write, end) => {
        write('event: next\nid: 3\ndata: {"data":{"n":3}}\n\n');
        write('event: complete\ndata:\n\n');
        end();
      },
    ]);
    const received: Array<[number, string | undefined]> = [];
    const statuses: LiveStatus[] = [];
    await subscribe<{ n: number }>({
      url,
      query: 'subscription { n }',
      signal: new AbortController().signal,
      retryDelay: () => 0,
      onData: (data, id) => received.push([data.n, id]),
      onStatus: (status) => statuses.push(status),
    });
    expect(received).toEqual([[1, '1'], [2, '2'], [3, '3']]);
    expect(seen.map((request) => request.lastEventId)).toEqual([undefined, '2']);
    expect(seen.every((request) => request.accept === 'text/event-stream')).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toEqual({ query: 'subscription { n }', variables: {} });
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'live', 'ended']);
  });

  it('starts again from now, without its old id, when the gateway says EVENTS_MISSED, and asks the page to reload', async () => {
    const { url, seen } = await serve([
      (_, write, end) => {
        write('event: next\nid: 1\ndata: {"data":{"n":1}}\n\n');
        end();
      },
      (_, write, end) => {
        write('event: next\ndata: {"errors":[{"message":"missed","extensions":{"code":"EVENTS_MISSED"}}]}\n\n');
        write('event: complete\ndata:\n\n');
        end();
      },
      (_, write, end) => {
        write('event: next\nid: 9\ndata: {"data":{"n":9}}\n\n');
        write('event: complete\ndata:\n\n');
        end();
      },
    ]);
    const received: number[] = [];
    const errors: string[] = [];
    let reloads = 0;
    await subscribe<{ n: number }>({
      url,
      query: 'subscription { n }',
      signal: new AbortController().signal,
      retryDelay: () => 0,
      onData: (data) => received.push(data.n),
      onErrors: (list) => errors.push(...list.map((error) => error.message)),
      onMissed: () => (reloads += 1),
    });
    expect(received).toEqual([1, 9]);
    expect(seen.map((request) => request.lastEventId)).toEqual([undefined, '1', undefined]);
    expect(reloads).toBe(1);
    expect(errors).toEqual([]);
  });

  it('reports a refused operation instead of retrying it', async () => {
    server = createServer((_, response) => {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'Cannot query field "nope"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const errors: string[] = [];
    let calls = 0;
    await subscribe({
      url,
      query: 'subscription { nope }',
      signal: new AbortController().signal,
      retryDelay: () => 0,
      fetch: (input, init) => ((calls += 1), fetch(input, init)),
      onData: () => undefined,
      onErrors: (list) => errors.push(...list.map((error) => error.extensions?.code ?? '')),
    });
    expect(errors).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(calls).toBe(1);
  });

  it('stops when aborted, even while waiting to reconnect', async () => {
    const { url } = await serve([]); // every attempt is refused with 503
    const controller = new AbortController();
    let attempts = 0;
    const done = subscribe({
      url,
      query: 'subscription { n }',
      signal: controller.signal,
      retryDelay: () => 60_000,
      fetch: (input, init) => ((attempts += 1), fetch(input, init)),
      onData: () => undefined,
      onStatus: (status) => { if (status === 'reconnecting') controller.abort(); },
    });
    await done;
    expect(attempts).toBe(1);
  });
});
