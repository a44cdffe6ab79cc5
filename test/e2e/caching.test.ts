/**
 * Caching over real HTTP (issue 8): a repeated query, or a record already seen, costs no
 * vendor call; our own writes show at once; one tenant's answers never reach another; and
 * Cache-Control says which answers a client may keep, and for how long.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayCache } from '../../src/cache/gateway-cache.ts';
import { parseConfig } from '../../src/config.ts';
import { TenantDirectory } from '../../src/core/tenants.ts';
import { cacheLookups } from '../../src/observability/metrics.ts';
import { SALES_ROUTE } from '../faults/support.ts';
import { startTestStack, type TestStack } from './harness.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(stack: TestStack, query: string, variables?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await request(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.statusCode, headers: response.headers, body: (await response.body.json()) as Answer['body'] };
}

const totalCalls = (stack: TestStack): number => Object.values(stack.upstreamCalls()).reduce((sum, calls) => sum + calls, 0);

/** Vendor calls made while `run` runs. */
async function callsDuring<T>(stack: TestStack, run: () => Promise<T>): Promise<{ calls: number; result: T }> {
  stack.resetSimulators();
  const result = await run();
  return { calls: totalCalls(stack), result };
}

const NESTED_SALES = `query NestedSales($first: Int) {
  sales(first: $first) {
    edges { node { id number total { amount } customer { name } lines { quantity item { name price { amount } } } payments { amount { amount } } } }
  }
}`;

const ITEMS = `query ItemNames($first: Int, $connections: [ID!]) { items(first: $first, connections: $connections) { edges { node { id name price { amount currency } } } } }`;

async function lookups(cache: 'entity' | 'response', result: 'hit' | 'miss'): Promise<number> {
  const metric = await cacheLookups.get();
  return metric.values.filter((v) => v.labels.cache === cache && v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
}

describe('caching, in memory', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 200, gateway: { cache: new GatewayCache() } });
  });
  afterAll(() => stack.close());

  it('answers the same query a second time with zero vendor calls', async () => {
    const hitsBefore = await lookups('response', 'hit');
    const first = await callsDuring(stack, () => post(stack, NESTED_SALES, { first: 12 }));
    expect(first.result.body.errors).toBeUndefined();
    expect(first.calls).toBeGreaterThan(0);
    const second = await callsDuring(stack, () => post(stack, NESTED_SALES, { first: 12 }));
    expect(second.calls).toBe(0);
    expect(second.result.body).toEqual(first.result.body);
    expect((await lookups('response', 'hit')) - hitsBefore).toBe(1);
  });

  it('serves node(id:) of records a list just brought with zero vendor calls', async () => {
    const list = await post(stack, ITEMS, { first: 12 });
    const items: Array<{ id: string; name: string; price: { amount: string } }> = list.body.data.items.edges.map((edge: any) => edge.node);
    expect(new Set(items.map((item) => item.id)).size).toBe(12);
    const lookup = await callsDuring(stack, () => post(stack, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Item { name price { amount currency } } } }`, { ids: items.map((item) => item.id) }));
    expect(lookup.result.body.errors).toBeUndefined();
    expect(lookup.result.body.data.nodes).toEqual(items);
    expect(lookup.calls).toBe(0);
  });

  it('shows a sale created through the gateway in the next sales list (invalidation)', async () => {
    const SALES = `{ sales(first: 3, connections: ["demo-tactill"]) { edges { node { id number } } } }`;
    const before = await post(stack, SALES);
    expect((await callsDuring(stack, () => post(stack, SALES))).calls).toBe(0);

    const items = (await post(stack, ITEMS, { first: 1, connections: ['demo-tactill'] })).body.data.items.edges.map((edge: any) => edge.node);
    stack.resetSimulators();
    const created = await post(stack, `mutation($input: CreateSaleInput!) { createSale(input: $input) { sale { id number } errors { code message } } }`, {
      input: { connection: 'demo-tactill', idempotencyKey: 'cache-invalidation-1', lines: [{ item: items[0].id, quantity: '1' }] },
    });
    expect(created.body.data.createSale.errors).toEqual([]);
    // The sale was checked against the item as the vendor has it now, not the copy the list left in the cache.
    const productReads = Object.entries(stack.demo.simulators.tactill.stats().byRoute).filter(([route]) => /^(GET \/v0\/products\/|POST \/v0\/products\/request)/.test(route));
    expect(productReads.length).toBeGreaterThan(0);
    const sale = created.body.data.createSale.sale;

    const after = await callsDuring(stack, () => post(stack, SALES));
    expect(after.calls).toBeGreaterThan(0);
    expect(after.result.body.data.sales.edges[0].node).toEqual(sale);
    expect(after.result.body.data.sales.edges.slice(1)).toEqual(before.body.data.sales.edges.slice(0, 2));
  });

  it('does not keep an answer in which a vendor failed: the next one asks again', async () => {
    const QUERY = `{ sales(first: 2, connections: ["demo-kash", "demo-tactill"]) { edges { node { id } } sources { status } } }`;
    stack.demo.simulators.kash.addFault({ route: SALES_ROUTE.kash, errorRate: 1, errorStatus: 400, times: 1 });
    const failed = await post(stack, QUERY);
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('VENDOR_REJECTED');
    expect(failed.headers['cache-control']).toBe('no-store');
    const again = await callsDuring(stack, () => post(stack, QUERY));
    expect(again.result.body.errors).toBeUndefined();
    expect(again.calls).toBeGreaterThan(0);
  });

  describe('Cache-Control', () => {
    it('is private with the smallest TTL of the types in the answer', async () => {
      const items = await post(stack, `{ items(first: 2) { edges { node { name } } } }`);
      expect(items.headers['cache-control']).toBe('private, max-age=300');
      const customers = await post(stack, `{ customers(first: 2) { edges { node { name } } } }`);
      expect(customers.headers['cache-control']).toBe('private, max-age=60');
      // Sales (10 s) with their items (300 s): the sales decide.
      const sales = await post(stack, `{ sales(first: 2) { edges { node { number lines { item { name } } } } } }`);
      expect(sales.headers['cache-control']).toBe('private, max-age=10');
    });

    it('keeps max-age and adds Age on an answer served from the cache', async () => {
      const QUERY = `{ items(first: 3) { edges { node { code } } } }`;
      await post(stack, QUERY);
      const cached = await post(stack, QUERY);
      expect(cached.headers['cache-control']).toBe('private, max-age=300');
      expect(Number(cached.headers.age)).toBeGreaterThanOrEqual(0);
      expect(cached.headers['x-posgraph-cached-at']).toBeUndefined();
    });

    it('is no-store for mutations, errors and introspection', async () => {
      const mutation = await post(stack, `mutation { createSale(input: { connection: "nowhere", idempotencyKey: "k", lines: [] }) { errors { code } } }`);
      expect(mutation.body.data.createSale.errors).toEqual([{ code: 'NOT_FOUND' }]);
      expect(mutation.headers['cache-control']).toBe('no-store');
      const notFound = await post(stack, `{ node(id: "not-an-id") { id } }`);
      expect(notFound.body.errors?.length).toBeGreaterThan(0);
      expect(notFound.headers['cache-control']).toBe('no-store');
      const introspection = await post(stack, `{ __schema { queryType { name } } }`);
      expect(introspection.body.data.__schema.queryType.name).toBe('Query');
      expect(introspection.headers['cache-control']).toBe('no-store');
      const type = await post(stack, `{ __type(name: "Sale") { name } }`);
      expect(type.headers['cache-control']).toBe('no-store');
      // A circuit breaker's state is live: never cached, never kept by the client.
      const health = await post(stack, `{ connections { id health { state } } }`);
      expect(health.body.errors).toBeUndefined();
      expect(health.headers['cache-control']).toBe('no-store');
    });

    it('is the same on every path Yoga serves GraphQL on, /graphql/ included', async () => {
      const QUERY = `{ node(id: "not-an-id") { id } }`;
      for (const path of ['/graphql/', '/x/graphql']) {
        const response = await request(new URL(path, stack.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
        const body = (await response.body.json()) as Answer['body'];
        expect(body.errors?.[0]?.extensions?.code, path).toBe('BAD_USER_INPUT');
        expect(response.headers['cache-control'], path).toBe('no-store');
      }
    });
  });
});

describe('caching per tenant', () => {
  const demoFile = parseConfig(JSON.parse(readFileSync('config/demo.json', 'utf8')));
  const ACME = { authorization: 'Bearer acme-demo-key' };
  const GLOBEX = { authorization: 'Bearer globex-demo-key' };
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, gateway: { tenants: new TenantDirectory(demoFile.tenants!), cache: new GatewayCache() } });
  });
  afterAll(() => stack.close());

  it("never serves one tenant's cached answer to another", async () => {
    const QUERY = `{ connections { id } sales(first: 4) { edges { node { id connection { id } } } } }`;
    const acme = await post(stack, QUERY, undefined, ACME);
    expect(acme.body.data.connections.map((c: { id: string }) => c.id)).toEqual(['demo-incocloud', 'demo-kash']);
    expect((await callsDuring(stack, () => post(stack, QUERY, undefined, ACME))).calls).toBe(0);
    // Answers are kept per tenant, not per header: another spelling of acme's key is a hit on acme's answer.
    const respelled = await callsDuring(stack, () => post(stack, QUERY, undefined, { authorization: 'bearer   acme-demo-key' }));
    expect(respelled.calls).toBe(0);
    expect(respelled.result.body).toEqual(acme.body);

    const globex = await callsDuring(stack, () => post(stack, QUERY, undefined, GLOBEX));
    expect(globex.result.body.data.connections.map((c: { id: string }) => c.id)).toEqual(['demo-icash', 'demo-tactill']);
    expect(new Set(globex.result.body.data.sales.edges.map((edge: any) => edge.node.connection.id))).toEqual(new Set(['demo-icash', 'demo-tactill']));
    expect(globex.calls).toBeGreaterThan(0);
  });

  it('still answers 401 without a key, whatever is cached', async () => {
    await post(stack, `{ connections { id } }`, undefined, ACME);
    const anonymous = await post(stack, `{ connections { id } }`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['cache-control']).toBe('no-store');
  });
});

describe('cache expiry', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, gateway: { cache: new GatewayCache({ ttlSeconds: { sale: 1 } }) } });
  });
  afterAll(() => stack.close());

  it('asks the vendor again once the TTL has passed', async () => {
    const QUERY = `{ sales(first: 5, connections: ["demo-tactill"]) { edges { node { id number } } } }`;
    const first = await post(stack, QUERY);
    expect(first.headers['cache-control']).toBe('private, max-age=1');
    expect((await callsDuring(stack, () => post(stack, QUERY))).calls).toBe(0);
    // The state we wait for is "older than the 1 s TTL"; no duration is asserted.
    await sleep(1_100);
    const expired = await callsDuring(stack, () => post(stack, QUERY));
    expect(expired.calls).toBeGreaterThan(0);
    expect(expired.result.body).toEqual(first.body);
  });

  it('caches nothing of a kind whose TTL is 0', async () => {
    const off = await startTestStack({ sales: 50, gateway: { cache: new GatewayCache({ ttlSeconds: { sale: 0 } }) } });
    try {
      const QUERY = `{ sales(first: 3, connections: ["demo-tactill"]) { edges { node { number } } } }`;
      const first = await post(off, QUERY);
      expect(first.headers['cache-control']).toBe('no-store');
      expect((await callsDuring(off, () => post(off, QUERY))).calls).toBeGreaterThan(0);
    } finally {
      await off.close();
    }
  });
});

describe('the naive gateway (batching: false)', () => {
  it('stays uncached even when given a cache', async () => {
    const stack = await startTestStack({ sales: 50, gateway: { batching: false, cache: new GatewayCache() } });
    try {
      const QUERY = `{ sales(first: 2, connections: ["demo-tactill"]) { edges { node { number } } } }`;
      await post(stack, QUERY);
      const again = await callsDuring(stack, () => post(stack, QUERY));
      expect(again.calls).toBeGreaterThan(0);
      expect(again.result.headers['cache-control']).toBeUndefined();
    } finally {
      await stack.close();
    }
  });
});
