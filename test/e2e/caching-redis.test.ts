/**
 * The caches in Redis: two gateway instances (as two replicas would be) over the same
 * vendors and one real redis-server share their hits, and a write through one is seen
 * through the other.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayCache } from '../../src/cache/gateway-cache.ts';
import { createConnections } from '../../src/config.ts';
import { createGateway } from '../../src/server.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { startTestStack, type TestStack } from './harness.ts';

async function post(url: string, query: string, variables?: unknown) {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return { headers: response.headers, body: (await response.body.json()) as { data?: any; errors?: unknown[] } };
}

const NESTED_SALES = `{ sales(first: 8) { edges { node { id number total { amount } customer { name } lines { quantity item { name price { amount } } } payments { amount { amount } } } } } }`;

describe('caching in Redis, shared by two gateway instances', () => {
  let redis: RedisServer;
  let clients: Redis[];
  let caches: GatewayCache[];
  let stack: TestStack;
  let secondServer: Server;
  let urls: [string, string];

  beforeAll(async () => {
    redis = await startRedisServer();
    clients = [createRedis(redis.url, { role: 'test-a' }), createRedis(redis.url, { role: 'test-b' })];
    caches = clients.map((client) => new GatewayCache({}, { redis: client }));
    stack = await startTestStack({ sales: 200, gateway: { cache: caches[0] } });
    // The second instance: its own connections (transports, tokens) over the same simulators.
    secondServer = createServer(createGateway({ connections: createConnections(stack.demo.config), cache: caches[1], graphiql: false }));
    await new Promise<void>((resolve) => secondServer.listen(0, '127.0.0.1', resolve));
    urls = [stack.url, `http://127.0.0.1:${(secondServer.address() as AddressInfo).port}/graphql`];
  });

  afterAll(async () => {
    secondServer?.closeAllConnections();
    await new Promise<void>((resolve) => (secondServer ? secondServer.close(() => resolve()) : resolve()));
    await stack?.close();
    for (const client of clients ?? []) await closeRedis(client);
    await redis?.stop();
  });

  const totalCalls = (): number => Object.values(stack.upstreamCalls()).reduce((sum, calls) => sum + calls, 0);

  it('serves on one instance the answer the other just cached: zero vendor calls', async () => {
    const first = await post(urls[0], NESTED_SALES);
    expect(first.body.errors).toBeUndefined();
    await caches[0]!.settled();
    stack.resetSimulators();
    const second = await post(urls[1], NESTED_SALES);
    expect(totalCalls()).toBe(0);
    expect(second.body).toEqual(first.body);
    expect(second.headers['cache-control']).toBe('private, max-age=10');
  });

  it('serves on one instance the records the other loaded (entity cache), money exact', async () => {
    const listed = await post(urls[0], `{ items(first: 10) { edges { node { id name price { amount currency } } } } }`);
    const items = listed.body.data.items.edges.map((edge: any) => edge.node);
    await caches[0]!.settled();
    stack.resetSimulators();
    const looked = await post(urls[1], `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Item { name price { amount currency } } } }`, { ids: items.map((item: { id: string }) => item.id) });
    expect(looked.body.errors).toBeUndefined();
    expect(looked.body.data.nodes).toEqual(items);
    expect(totalCalls()).toBe(0);
  });

  it('shows on one instance a sale created through the other', async () => {
    const SALES = `{ sales(first: 2, connections: ["demo-tactill"]) { edges { node { id number } } } }`;
    await post(urls[0], SALES);
    await caches[0]!.settled();
    stack.resetSimulators();
    await post(urls[0], SALES);
    expect(totalCalls()).toBe(0);

    const item = (await post(urls[1], `{ items(first: 1, connections: ["demo-tactill"]) { edges { node { id } } } }`)).body.data.items.edges[0].node;
    const created = await post(urls[1], `mutation($input: CreateSaleInput!) { createSale(input: $input) { sale { id number } errors { code } } }`, {
      input: { connection: 'demo-tactill', idempotencyKey: 'redis-invalidation-1', lines: [{ item: item.id, quantity: '2' }] },
    });
    expect(created.body.data.createSale.errors).toEqual([]);
    const after = await post(urls[0], SALES);
    expect(after.body.data.sales.edges[0].node).toEqual(created.body.data.createSale.sale);
  });

  it('keeps its keys under posgraph:, every one with a TTL (records, answers and their indexes)', async () => {
    await Promise.all(caches.map((cache) => cache.settled()));
    const keys = await clients[0]!.keys('*');
    expect(keys.filter((key) => key.startsWith('posgraph:entity:')).length).toBeGreaterThan(0);
    expect(keys.filter((key) => /^posgraph:response-cache:[0-9a-f]{64}$/.test(key)).length).toBeGreaterThan(0);
    expect(keys.filter((key) => key === 'posgraph:response-cache:Sale')).toHaveLength(1);
    expect(keys.every((key) => key.startsWith('posgraph:'))).toBe(true);
    // KEYS answers full names and ioredis adds the prefix to other commands, so ask with it removed.
    const pttls = await Promise.all(keys.map(async (key) => [key, await clients[0]!.pttl(key.slice('posgraph:'.length))] as const));
    expect(pttls.filter(([, pttl]) => pttl <= 0)).toEqual([]);
  });
});
