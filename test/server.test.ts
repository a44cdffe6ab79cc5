import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_LIMITS, createGateway, type GatewayOptions } from '../src/server.ts';
import { captureLogger } from './capture-logger.ts';

/** createGateway's safety options, in process (no vendor is needed to refuse a request). */
function gateway(options: Partial<GatewayOptions> = {}) {
  const yoga = createGateway({ connections: new Map(), ...options });
  return async (body: unknown) => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, ...((await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> }) };
  };
}

describe('createGateway', () => {
  it('has these default limits', () => {
    expect(DEFAULT_GATEWAY_LIMITS).toEqual({ depth: 12, aliases: 30, directives: 20, tokens: 5000, cost: 5000, bodyBytes: 100_000, batch: 10, inFlight: 256 });
  });

  it('takes limits one by one, the others staying at their defaults', async () => {
    const post = gateway({ limits: { depth: 2 } });
    expect((await post({ query: '{ connections { capabilities { item { list } } } }' })).errors?.[0]?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
    expect((await post({ query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }` })).errors).toBeUndefined();
    expect((await post({ query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: connections { id }`).join(' ')} }` })).errors?.[0]?.extensions?.code).toBe('ALIAS_LIMIT_EXCEEDED');
  });

  it('answers introspection by default', async () => {
    expect((await gateway()({ query: '{ __schema { queryType { name } } }' })).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses introspection with introspection: false', async () => {
    const response = await gateway({ introspection: false })({ query: '{ __schema { queryType { name } } }' });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
  });

  it('serves only the persisted operations when given some', async () => {
    const post = gateway({ persistedOperations: { connections: 'query Connections { connections { id } }' } });
    expect(await post({ documentId: 'connections' })).toEqual({ status: 200, data: { connections: [] } });
    expect((await post({ query: '{ connections { id } }' })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect((await post({ documentId: 'other' })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('logs each request through the logger it is given', async () => {
    const { logger, lines } = captureLogger('info');
    await gateway({ logger })({ query: 'query Ping { __typename }' });
    expect(lines).toEqual([expect.objectContaining({ msg: 'request', operationName: 'Ping', status: 200 })]);
  });
});
