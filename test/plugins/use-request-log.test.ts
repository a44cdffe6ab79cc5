import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useOverloadGuard } from '../../src/plugins/use-overload-guard.ts';
import { useRequestLog } from '../../src/plugins/use-request-log.ts';
import { captureLogger } from '../capture-logger.ts';

function loggedServer() {
  const { logger, lines } = captureLogger('info');
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String!, secret(token: String): String! }', resolvers: { Query: { hello: () => 'hi', secret: () => 'x' } } }),
    plugins: [useRequestLog({ logger })],
    logging: false,
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { yoga, post, lines };
}

describe('request log', () => {
  it('writes one line per request: request id, operation name, status and duration', async () => {
    const server = loggedServer();
    const response = await server.post({ query: 'query Greeting { hello }' });
    expect(response.status).toBe(200);
    expect(server.lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'request', method: 'POST', path: '/graphql', operationName: 'Greeting', status: 200, reqId: response.headers.get('x-request-id'), durationMs: expect.any(Number) }),
    ]);
    expect(server.lines[0]?.reqId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps the caller's request id and echoes it", async () => {
    const server = loggedServer();
    const response = await server.post({ query: '{ hello }', operationName: null }, { 'x-request-id': 'till-7.req-42' });
    expect(response.headers.get('x-request-id')).toBe('till-7.req-42');
    expect(server.lines[0]).toMatchObject({ reqId: 'till-7.req-42', operationName: null });
  });

  it('replaces a request id that does not look like one', async () => {
    const server = loggedServer();
    const response = await server.post({ query: '{ hello }' }, { 'x-request-id': 'a"b\nc' });
    expect(response.headers.get('x-request-id')).not.toContain('"');
  });

  it('logs the error codes a refused request got, never the query text or variables', async () => {
    const server = loggedServer();
    await server.post({ query: 'query Q($t: String) { secret(token: $t) nope }', variables: { t: 'tok-123' } });
    expect(server.lines[0]).toMatchObject({ operationName: null, codes: ['GRAPHQL_VALIDATION_FAILED'], status: 200 });
    expect(JSON.stringify(server.lines)).not.toMatch(/tok-123|nope/);
  });

  it('logs requests refused before parsing, such as overload', async () => {
    const { logger, lines } = captureLogger('info');
    const guard = useOverloadGuard({ maxInFlight: 1 });
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { hello: String! }' }),
      plugins: [useRequestLog({ logger }), guard],
      logging: false,
    });
    const hold = new Promise<never>(() => {});
    // The first request's body never ends, so it stays in flight.
    const stuck = yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new ReadableStream({ pull: () => hold }), duplex: 'half' } as RequestInit);
    void Promise.resolve(stuck).catch(() => {});
    while (guard.inFlight() < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ hello }"}' });
    expect(response.status).toBe(503);
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 503, msg: 'request' })]);
  });

  it('names each operation of a batch', async () => {
    const { logger, lines } = captureLogger('info');
    const yoga = createYoga({ schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'hi' } } }), plugins: [useRequestLog({ logger })], batching: true, logging: false });
    await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ query: 'query A { hello }' }, { query: 'query B { hello }' }]) });
    expect(lines[0]).toMatchObject({ operationName: ['A', 'B'], status: 200 });
  });
});
