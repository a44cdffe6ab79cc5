import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { PERSISTED_PARAM_NAMES, usePersistedOperationsOnly } from '../../src/plugins/use-persisted-operations-only.ts';

function persistedServer() {
  let calls = 0;
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello(name: String): String! }', resolvers: { Query: { hello: (_: unknown, args: { name?: string }) => ((calls += 1), `hi ${args.name ?? 'you'}`) } } }),
    plugins: [usePersistedOperationsOnly({ operations: { 'greet-v1': 'query Greet($name: String) { hello(name: $name) }' } })],
    extraParamNames: [...PERSISTED_PARAM_NAMES],
    logging: false,
  });
  async function post(body: unknown) {
    const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, ...((await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }) };
  }
  return { post, calls: () => calls, yoga };
}

describe('persisted operations only', () => {
  it('runs a known operation sent by id, as an Apollo-style persistedQuery extension', async () => {
    const server = persistedServer();
    const response = await server.post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'greet-v1' } }, variables: { name: 'Ana' } });
    expect(response).toEqual({ status: 200, data: { hello: 'hi Ana' } });
  });

  it('runs a known operation sent as documentId', async () => {
    const server = persistedServer();
    expect(await server.post({ documentId: 'greet-v1' })).toEqual({ status: 200, data: { hello: 'hi you' } });
  });

  it('runs a known operation sent by GET', async () => {
    const server = persistedServer();
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'greet-v1' } }));
    const response = await server.yoga.fetch(`http://localhost/graphql?extensions=${extensions}`, { headers: { accept: 'application/json' } });
    expect(await response.json()).toEqual({ data: { hello: 'hi you' } });
  });

  it('refuses an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const server = persistedServer();
    const response = await server.post({ documentId: 'drop-tables' });
    expect(response).toEqual({ status: 400, errors: [{ message: 'No persisted operation has this id.', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    expect(server.calls()).toBe(0);
  });

  it('refuses free text with PERSISTED_QUERY_ONLY, even the text of a persisted operation', async () => {
    const server = persistedServer();
    for (const query of ['{ hello }', 'query Greet($name: String) { hello(name: $name) }']) {
      const response = await server.post({ query });
      expect(response.status).toBe(400);
      expect(response.errors?.[0]?.extensions).toEqual({ code: 'PERSISTED_QUERY_ONLY' });
    }
    expect(server.calls()).toBe(0);
  });

  it('refuses a request with neither text nor id with PERSISTED_QUERY_ID_REQUIRED', async () => {
    const server = persistedServer();
    expect((await server.post({ variables: {} })).errors?.[0]?.extensions).toEqual({ code: 'PERSISTED_QUERY_ID_REQUIRED' });
  });
});
