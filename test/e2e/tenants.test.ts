/**
 * Tenants over real HTTP: the demo configuration's two tenants, acme (IncoCloud, Kash) and
 * globex (iCash, Tactill), each with its API key, against the four simulators.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { encodeGlobalId } from '../../src/core/ids.ts';
import { TenantDirectory } from '../../src/core/tenants.ts';
import { createGateway } from '../../src/server.ts';
import { startTestStack, type TestStack } from './harness.ts';

const demoFile = parseConfig(JSON.parse(readFileSync('config/demo.json', 'utf8')));
const ACME = { authorization: 'Bearer acme-demo-key' };
const GLOBEX = { authorization: 'Bearer globex-demo-key' };

describe('API keys and tenants', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, gateway: { tenants: new TenantDirectory(demoFile.tenants!) } });
  });
  afterAll(() => stack.close());

  it('answers 401 UNAUTHENTICATED, before any vendor call, without a key or with a wrong one', async () => {
    stack.resetSimulators();
    for (const headers of [{}, { authorization: 'Bearer not-a-key' }, { authorization: 'Basic YWNtZTpzZWNyZXQ=' }, { authorization: 'acme-demo-key' }] as Array<Record<string, string>>) {
      const response = await stack.query('{ sales { edges { node { id } } } }', undefined, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.errors).toEqual([{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }]);
    }
    expect(Object.values(stack.upstreamCalls()).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('shows each tenant its own connections only', async () => {
    const acme = await stack.query<{ connections: Array<{ id: string }> }, never>('{ connections { id } }', undefined, ACME);
    const globex = await stack.query<{ connections: Array<{ id: string }> }, never>('{ connections { id } }', undefined, GLOBEX);
    expect(acme.data!.connections.map((c) => c.id)).toEqual(['demo-incocloud', 'demo-kash']);
    expect(globex.data!.connections.map((c) => c.id)).toEqual(['demo-icash', 'demo-tactill']);
  });

  it('lists only the tenant’s data, and names a foreign connection in an error beside the rest', async () => {
    type Sales = { sales: { edges: Array<{ node: { id: string; connection: { id: string } } }> } };
    const all = await stack.query<Sales, never>('{ sales(first: 50) { edges { node { id connection { id } } } } }', undefined, GLOBEX);
    expect(all.errors).toBeUndefined();
    expect(new Set(all.data!.sales.edges.map((edge) => edge.node.connection.id))).toEqual(new Set(['demo-icash', 'demo-tactill']));

    stack.resetSimulators();
    const mixed = await stack.query<Sales, never>('{ sales(first: 5, connections: ["demo-kash", "demo-tactill"]) { edges { node { connection { id } } } } }', undefined, GLOBEX);
    expect(mixed.data!.sales.edges.length).toBe(5);
    expect(mixed.data!.sales.edges.every((edge) => edge.node.connection.id === 'demo-tactill')).toBe(true);
    expect(mixed.errors).toEqual([expect.objectContaining({ message: 'No connection "demo-kash"', path: ['sales'], extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    // The foreign connection was not asked anything.
    expect(stack.upstreamCalls().kash).toBe(0);
  });

  it('answers null with NOT_FOUND for another tenant’s ID, exactly as for an ID that does not exist', async () => {
    const kashSale = encodeGlobalId({ type: 'Sale', connection: 'demo-kash', id: '1' });
    const own = await stack.query<{ node: { id: string } | null }, never>(`{ node(id: "${kashSale}") { id } }`, undefined, ACME);
    expect(own.data!.node).toEqual({ id: kashSale });

    const foreign = await stack.query<{ node: unknown }, never>(`{ node(id: "${kashSale}") { id } }`, undefined, GLOBEX);
    const missing = await stack.query<{ node: unknown }, never>(`{ node(id: "${encodeGlobalId({ type: 'Sale', connection: 'nowhere', id: '1' })}") { id } }`, undefined, GLOBEX);
    expect(foreign.data!.node).toBeNull();
    expect(foreign.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    expect(foreign.errors![0]!.message.replace(/"[^"]+"/, 'ID')).toBe(missing.errors![0]!.message.replace(/"[^"]+"/, 'ID'));
  });

  it('asks the key whatever the path spelling, method or body shape Yoga serves GraphQL on', async () => {
    const origin = new URL(stack.url).origin;
    const query = '{ sales(first: 2) { edges { node { id } } } }';
    const json = { 'content-type': 'application/json' };
    const get = `?query=${encodeURIComponent(query)}`;
    const subscribe = `?query=${encodeURIComponent('subscription { saleCreated { eventId } }')}`;
    const requests: Array<[string, RequestInit]> = [
      // Yoga answers GraphQL on all of these, not only on /graphql.
      ...['/graphql/', '//graphql', '/x/graphql', '/x/graphql/', '/elsewhere?next=/graphql'].map((path): [string, RequestInit] => [path, { method: 'POST', headers: json, body: JSON.stringify({ query }) }]),
      ['/graphql', { method: 'POST', headers: json, body: JSON.stringify([{ query }, { query }]) }],
      ['/graphql/', { method: 'POST', headers: json, body: JSON.stringify([{ query }]) }],
      [`/graphql${get}`, { headers: { 'x-graphql-yoga-csrf': '1' } }],
      [`/graphql/${get}`, { headers: { 'x-graphql-yoga-csrf': '1' } }],
      [`/graphql${subscribe}`, { headers: { accept: 'text/event-stream', 'x-graphql-yoga-csrf': '1' } }],
      [`/graphql${get}`, { method: 'HEAD', headers: { 'x-graphql-yoga-csrf': '1' } }],
      ['/graphql', { method: 'POST', headers: { ...json, authorization: 'Bearer not-a-key' }, body: JSON.stringify({ query }) }],
    ];
    stack.resetSimulators();
    for (const [path, init] of requests) {
      const response = await fetch(origin + path, init);
      const label = `${init.method ?? 'GET'} ${path} ${String(init.body ?? '')}`;
      expect(response.status, label).toBe(401);
      if (init.method !== 'HEAD') expect(await response.json(), label).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    expect(Object.values(stack.upstreamCalls()).reduce((a, b) => a + b, 0)).toBe(0);
    // With the key, the trailing slash is the same endpoint, for the key's tenant only.
    const withKey = await fetch(`${origin}/graphql/`, { method: 'POST', headers: { ...json, ...GLOBEX }, body: JSON.stringify({ query: '{ connections { id } }' }) });
    expect(await withKey.json()).toEqual({ data: { connections: [{ id: 'demo-icash' }, { id: 'demo-tactill' }] } });
  });

  it('leaves /health, /ready and /metrics open, and asks the key anywhere else', async () => {
    const origin = new URL(stack.url).origin;
    for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(origin + path)).status, path).toBe(200);
    const elsewhere = await fetch(`${origin}/nowhere`);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toBe('Bearer realm="posgraph"');
  });

  it('asks the key of a GET that accepts HTML when GraphiQL is off: no page answers it, the query would run', async () => {
    const server = createServer(createGateway({ connections: stack.connections, tenants: new TenantDirectory(demoFile.tenants!), graphiql: false }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql?query=${encodeURIComponent('{ connections { id } }')}`;
      const response = await fetch(url, { headers: { accept: 'text/html, application/json', 'x-graphql-yoga-csrf': '1' } });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('demo-');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves the GraphiQL page without a key: it holds no data, and its header editor takes the key', async () => {
    const page = await fetch(stack.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('posgraph');
  });
});
