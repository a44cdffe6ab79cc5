/**
 * Two gateway replicas sharing one real redis-server: an event published on one reaches the
 * subscribers of the other, Last-Event-ID resumes on either, and a poller's cursor and lock
 * live in Redis, so a restarted replica resumes without a duplicate or a gap.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnections } from '../../src/config.ts';
import { RedisPollState } from '../../src/live/poll-state.ts';
import { LivePoller } from '../../src/live/poller.ts';
import { RedisLiveEvents } from '../../src/live/redis-events.ts';
import { createGateway, type Gateway } from '../../src/server.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { subscribeSse, type SseSubscription } from './sse-client.ts';

const SALE_CREATED = 'subscription { saleCreated(connections: ["demo-tactill"]) { eventId via sale { id } } }';
const CREATE = 'mutation ($input: CreateSaleInput!) { createSale(input: $input) { sale { id } errors { code message } } }';

describe('live updates across replicas sharing Redis', () => {
  let redisServer: RedisServer;
  const clients: Redis[] = [];
  const logs: RedisLiveEvents[] = [];
  const subscriptions: SseSubscription[] = [];
  /** Replica A: the test stack. */
  let stack: TestStack;
  /** Replica B: the same connections' vendors, its own process state, the same Redis. */
  let replicaB: Server;
  let urlB: string;
  /** Writes at the vendor that no replica hears of but by polling. */
  let outsider: Gateway;
  let item: { id: string };

  function redis(): Redis {
    const client = new Redis(redisServer.url, { keyPrefix: 'posgraph:' });
    clients.push(client);
    return client;
  }

  async function sharedLog(): Promise<RedisLiveEvents> {
    const log = new RedisLiveEvents({ redis: redis(), blockMs: 200 });
    logs.push(log);
    await log.ready;
    return log;
  }

  beforeAll(async () => {
    redisServer = await startRedisServer();
    stack = await startTestStack({ sales: 40, gateway: { live: await sharedLog() } });
    replicaB = createServer(createGateway({ connections: createConnections(stack.demo.config), live: await sharedLog() }));
    await new Promise<void>((resolve) => replicaB.listen(0, '127.0.0.1', resolve));
    urlB = `http://127.0.0.1:${(replicaB.address() as AddressInfo).port}/graphql`;
    outsider = createGateway({ connections: createConnections(stack.demo.config) });
    const items = await stack.query<{ items: { edges: Array<{ node: { id: string } }> } }, unknown>('{ items(first: 1, connections: ["demo-tactill"]) { edges { node { id } } } }');
    item = items.data!.items.edges[0]!.node;
  });
  afterAll(async () => {
    for (const subscription of subscriptions) subscription.close();
    replicaB.closeAllConnections();
    await new Promise<void>((resolve) => replicaB.close(() => resolve()));
    for (const log of logs) await log.close();
    await stack.close();
    for (const client of clients) client.disconnect();
    await redisServer.stop();
  });

  const saleInput = (key: string) => ({ connection: 'demo-tactill', idempotencyKey: key, lines: [{ item: item.id, quantity: '1' }] });

  async function createOnA(key: string): Promise<string> {
    const response = await stack.query<{ createSale: { sale: { id: string }; errors: unknown[] } }, unknown>(CREATE, { input: saleInput(key) });
    expect(response.data?.createSale.errors, JSON.stringify(response)).toEqual([]);
    return response.data!.createSale.sale.id;
  }

  async function createOutside(key: string): Promise<string> {
    const response = await outsider.fetch('http://outsider/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: CREATE, variables: { input: saleInput(key) } }),
    });
    const body = (await response.json()) as { data: { createSale: { sale: { id: string }; errors: unknown[] } } };
    expect(body.data.createSale.errors).toEqual([]);
    return body.data.createSale.sale.id;
  }

  async function subscribe(url: string, headers: Record<string, string> = {}): Promise<SseSubscription> {
    const subscription = await subscribeSse(url, { query: SALE_CREATED, headers });
    subscriptions.push(subscription);
    return subscription;
  }

  it('delivers a sale created on replica A to a subscriber of replica B, and resumes on A from B’s event id', async () => {
    const onB = await subscribe(urlB);
    const first = await createOnA('replicas-1');
    const [received] = await onB.waitFor(1);
    expect(received!.payload.data!.saleCreated).toEqual({ eventId: received!.id, via: 'GATEWAY', sale: { id: first } });
    onB.close();

    const missed = await createOnA('replicas-2');
    const onA = await subscribe(stack.url, { 'last-event-id': received!.id! });
    const [replayed] = await onA.waitFor(1);
    expect(replayed!.payload.data!.saleCreated.sale.id).toBe(missed);
  });

  it('resumes polling from the cursor in Redis after a restart: no duplicate, no gap', async () => {
    const watcher = await subscribe(urlB);
    const firstLife = new LivePoller({ connections: stack.connections, events: logs[0]!, state: new RedisPollState(redis()), intervalMs: 3_600_000, owner: 'replica-a' });
    expect(await firstLife.pollOnce('demo-tactill')).toEqual({ status: 'BASELINE' });
    const before = await createOutside('restart-1');
    expect(await firstLife.pollOnce('demo-tactill')).toMatchObject({ status: 'POLLED', published: 1 });
    await firstLife.stop();

    // Made while no replica polled.
    const during = [await createOutside('restart-2'), await createOutside('restart-3')];

    // A new process: new connections, a new Redis connection, the same Redis.
    const secondLife = new LivePoller({
      connections: createConnections(stack.demo.config),
      events: await sharedLog(),
      state: new RedisPollState(redis()),
      intervalMs: 3_600_000,
      owner: 'replica-a-restarted',
    });
    expect(await secondLife.pollOnce('demo-tactill')).toMatchObject({ status: 'POLLED', published: 2 });
    expect(await secondLife.pollOnce('demo-tactill')).toMatchObject({ status: 'POLLED', published: 0 });
    await secondLife.stop();

    const received = await watcher.waitFor(3);
    expect(received.map(({ payload }) => [payload.data!.saleCreated.via, payload.data!.saleCreated.sale.id])).toEqual([
      ['POLLING', before],
      ['POLLING', during[0]],
      ['POLLING', during[1]],
    ]);
  });

  it('lets one replica at a time poll a connection, until it lets go', async () => {
    const stateA = new RedisPollState(redis());
    const stateB = new RedisPollState(redis());
    const a = new LivePoller({ connections: stack.connections, events: logs[0]!, state: stateA, intervalMs: 3_600_000, owner: 'lock-a' });
    const b = new LivePoller({ connections: stack.connections, events: logs[1]!, state: stateB, intervalMs: 3_600_000, owner: 'lock-b' });
    expect((await a.pollOnce('demo-icash')).status).toBe('BASELINE');
    stack.resetSimulators();
    expect(await b.pollOnce('demo-icash')).toEqual({ status: 'SKIPPED', reason: 'LOCKED' });
    // Skipped before any vendor call.
    expect(stack.upstreamCalls().icash).toBe(0);
    await a.stop();
    expect((await b.pollOnce('demo-icash')).status).toBe('POLLED');
    await b.stop();
  });
});
