/**
 * Tenants over real HTTP: the demo configuration's two tenants, acme (IncoCloud, Kash) and
 * globex (iCash, Tactill), each with its API key, against the four simulators.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { encodeGlobalId } from '../../src/core/ids.ts';
import { TenantDirectory } from '../../src/core/tenants.ts';
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

  it('serves the GraphiQL page without a key: it holds no data, and its header editor takes the key', async () => {
    const page = await fetch(stack.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('posgraph');
  });
});
