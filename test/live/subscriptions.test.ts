/**
 * Live updates end to end: the four simulators, a gateway with an in-memory event log and
 * its pollers, and subscribers reading the raw text/event-stream over real HTTP. Tenants as
 * in config/demo.json: acme (IncoCloud, Kash) and globex (iCash, Tactill).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConnections, parseConfig } from '../../src/config.ts';
import { decodeGlobalId } from '../../src/core/ids.ts';
import { TenantDirectory } from '../../src/core/tenants.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { InMemoryPollState } from '../../src/live/poll-state.ts';
import { LivePoller } from '../../src/live/poller.ts';
import { createGateway, type Gateway } from '../../src/server.ts';
import { VENDOR_IDS, type VendorId } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { subscribeSse, type SseSubscription } from './sse-client.ts';

const demoFile = parseConfig(JSON.parse(readFileSync('config/demo.json', 'utf8')));
const KEYS = { acme: { authorization: 'Bearer acme-demo-key' }, globex: { authorization: 'Bearer globex-demo-key' } };
const TENANT_OF: Record<VendorId, keyof typeof KEYS> = { incocloud: 'acme', kash: 'acme', icash: 'globex', tactill: 'globex' };
/** IncoCloud records sales unpaid; the others take a cash payment. */
const PAYS: Record<VendorId, boolean> = { incocloud: false, kash: true, icash: true, tactill: true };

const SALE_CREATED = `subscription ($connections: [ID!]) {
  saleCreated(connections: $connections) { eventId occurredAt via sale { id total { amount } connection { id } } }
}`;

describe('saleCreated over GraphQL-over-SSE', () => {
  let stack: TestStack;
  let live: InMemoryLiveEvents;
  let poller: LivePoller;
  /** Another gateway on the same vendor accounts: what it writes, ours only learns by polling. */
  let elsewhere: Gateway;
  const open: SseSubscription[] = [];

  beforeAll(async () => {
    live = new InMemoryLiveEvents();
    stack = await startTestStack({ sales: 60, gateway: { live, tenants: new TenantDirectory(demoFile.tenants!) } });
    // A long interval: the tests poll when they choose to (pollOnce), nothing runs in between.
    poller = new LivePoller({ connections: stack.connections, events: live, state: new InMemoryPollState(), intervalMs: 3_600_000 });
    for (const connection of stack.connections.keys()) expect((await poller.pollOnce(connection)).status).toBe('BASELINE');
    elsewhere = createGateway({ connections: createConnections(stack.demo.config), logger: undefined });
  });
  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await poller.stop();
    await live.close();
    await stack.close();
  });

  /** `connections: null` subscribes to all the tenant may use. */
  async function subscribe(vendor: VendorId, headers: Record<string, string> = {}, connections: string[] | null = [`demo-${vendor}`]): Promise<SseSubscription> {
    const subscription = await subscribeSse(stack.url, { query: SALE_CREATED, variables: { connections }, headers: { ...KEYS[TENANT_OF[vendor]], ...headers } });
    open.push(subscription);
    return subscription;
  }

  async function saleInput(vendor: VendorId, key: string): Promise<Record<string, unknown>> {
    const connection = `demo-${vendor}`;
    const { data } = await stack.query<{ items: { edges: Array<{ node: { id: string; price: { amount: string } } }> } }, unknown>(
      `{ items(first: 1, connections: ["${connection}"]) { edges { node { id price { amount } } } } }`,
      undefined,
      KEYS[TENANT_OF[vendor]],
    );
    const item = data!.items.edges[0]!.node;
    const amount = (Math.round(Number(item.price.amount) * 100) / 100).toFixed(2);
    return { connection, idempotencyKey: key, lines: [{ item: item.id, quantity: '1' }], payments: PAYS[vendor] ? [{ method: 'CASH', amount: { amount, currency: 'EUR' } }] : null };
  }

  const CREATE = 'mutation ($input: CreateSaleInput!) { createSale(input: $input) { sale { id } errors { code message } } }';

  /** A sale made through this gateway: published at once, via GATEWAY. */
  async function createHere(vendor: VendorId, key: string): Promise<string> {
    const response = await stack.query<{ createSale: { sale: { id: string } | null; errors: unknown[] } }, unknown>(CREATE, { input: await saleInput(vendor, key) }, KEYS[TENANT_OF[vendor]]);
    expect(response.data?.createSale.errors, JSON.stringify(response)).toEqual([]);
    return response.data!.createSale.sale!.id;
  }

  /** A sale made at the vendor without this gateway knowing. */
  async function createElsewhere(vendor: VendorId, key: string): Promise<string> {
    const response = await elsewhere.fetch('http://elsewhere/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: CREATE, variables: { input: await saleInput(vendor, key) } }),
    });
    const body = (await response.json()) as { data: { createSale: { sale: { id: string }; errors: unknown[] } } };
    expect(body.data.createSale.errors).toEqual([]);
    return body.data.createSale.sale.id;
  }

  it('lets go of a subscription as soon as its client hangs up', async () => {
    const streams = (live as unknown as { streams: Set<unknown> }).streams;
    expect(streams.size).toBe(0);
    const subscription = await subscribe('tactill');
    await vi.waitFor(() => expect(streams.size).toBe(1));
    subscription.close();
    await vi.waitFor(() => expect(streams.size).toBe(0));
  });

  it.each(VENDOR_IDS)('%s: a sale created here arrives via GATEWAY, one made elsewhere via POLLING, each exactly once', async (vendor) => {
    const subscription = await subscribe(vendor);
    expect(subscription.status).toBe(200);
    expect(subscription.contentType).toContain('text/event-stream');

    const ours = await createHere(vendor, `live-ours-${vendor}`);
    // Polling sees our own sale too; the log already has it.
    expect(await poller.pollOnce(`demo-${vendor}`)).toMatchObject({ status: 'POLLED', published: 0 });
    const theirs = await createElsewhere(vendor, `live-theirs-${vendor}`);
    expect(await poller.pollOnce(`demo-${vendor}`)).toMatchObject({ status: 'POLLED', published: 1 });
    expect(await poller.pollOnce(`demo-${vendor}`)).toMatchObject({ status: 'POLLED', published: 0 });
    // A last sale marks the end: anything repeated would have come before it.
    const last = await createHere(vendor, `live-last-${vendor}`);

    const received = await subscription.waitFor(3);
    expect(received.map(({ payload }) => payload.errors)).toEqual([undefined, undefined, undefined]);
    expect(received.map(({ payload }) => [payload.data!.saleCreated.via, payload.data!.saleCreated.sale.id])).toEqual([
      ['GATEWAY', ours],
      ['POLLING', theirs],
      ['GATEWAY', last],
    ]);
    expect(received.every(({ payload }) => payload.data!.saleCreated.sale.connection.id === `demo-${vendor}`)).toBe(true);
    // Each SSE message carries its event's id, increasing.
    const ids = received.map(({ id, payload }) => {
      expect(id).toBe(payload.data!.saleCreated.eventId);
      return id!;
    });
    expect([...ids].sort(compareIds)).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it('replays exactly the missed events to a client that reconnects with Last-Event-ID', async () => {
    const first = await subscribe('tactill');
    await createHere('tactill', 'replay-1');
    const [seen] = await first.waitFor(1);
    first.close();

    const missed = [await createHere('tactill', 'replay-2'), await createElsewhere('tactill', 'replay-3')];
    await poller.pollOnce('demo-tactill');

    const again = await subscribe('tactill', { 'last-event-id': seen!.id! });
    const replayed = await again.waitFor(2);
    expect(replayed.map(({ payload }) => payload.data!.saleCreated.sale.id)).toEqual(missed);
    // Then it follows live events as usual, the replayed ones not repeated.
    const next = await createHere('tactill', 'replay-4');
    const all = await again.waitFor(3);
    expect(all.map(({ payload }) => payload.data!.saleCreated.sale.id)).toEqual([...missed, next]);
  });

  it('takes the last event id from the request extensions when a fetch client cannot send the header', async () => {
    const first = await subscribe('icash');
    await createHere('icash', 'extension-1');
    const [seen] = await first.waitFor(1);
    first.close();
    const missed = await createHere('icash', 'extension-2');
    const again = await subscribeSse(stack.url, { query: SALE_CREATED, variables: { connections: ['demo-icash'] }, extensions: { lastEventId: seen!.id }, headers: KEYS.globex });
    open.push(again);
    const [replayed] = await again.waitFor(1);
    expect(replayed!.payload.data!.saleCreated.sale.id).toBe(missed);
  });

  it('tells a client whose Last-Event-ID the log does not hold that it missed events, rather than resume with a gap', async () => {
    // An id from before this log (a restarted gateway's in-memory log), one it never gave, and garbage.
    for (const lastEventId of ['1-0', '99999999999999-0', 'x']) {
      const stale = await subscribe('tactill', { 'last-event-id': lastEventId });
      const [refusal] = await stale.waitFor(1);
      expect(refusal!.id, lastEventId).toBeNull();
      expect(refusal!.payload.data ?? null).toBeNull();
      expect(refusal!.payload.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'EVENTS_MISSED' }) })]);
      await stale.ended;
    }
  });

  it('shows a subscriber its own tenant’s connections only, and refuses a foreign one with NOT_FOUND', async () => {
    const globexAll = await subscribe('tactill', {}, null);
    const foreign = await subscribeSse(stack.url, { query: SALE_CREATED, variables: { connections: ['demo-kash'] }, headers: KEYS.globex });
    open.push(foreign);
    const [refusal] = await foreign.waitFor(1);
    expect(refusal!.payload.data ?? null).toBeNull();
    expect(refusal!.payload.errors).toEqual([expect.objectContaining({ message: 'No connection "demo-kash"', extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    await foreign.ended;

    // acme's sale is not globex's business; globex's own sale arrives.
    await createHere('kash', 'tenant-acme');
    const own = await createHere('icash', 'tenant-globex');
    const [first] = await globexAll.waitFor(1);
    expect(first!.payload.data!.saleCreated.sale.id).toBe(own);
    expect(globexAll.payloads).toHaveLength(1);
  });

  it('costs the vendor one call per polled list, stopping at the cursor however long the history', async () => {
    stack.resetSimulators();
    for (const vendor of VENDOR_IDS) expect(await poller.pollOnce(`demo-${vendor}`)).toMatchObject({ status: 'POLLED', published: 0 });
    for (const vendor of VENDOR_IDS) {
      const byRoute = stack.demo.simulators[vendor].stats().byRoute;
      // The sales list (IncoCloud also reads its payment types to map them) and, where the vendor has them, the cashbooks.
      expect(Object.values(byRoute).every((calls) => calls === 1), `${vendor}: ${JSON.stringify(byRoute)}`).toBe(true);
      expect(Object.keys(byRoute).length, vendor).toBeLessThanOrEqual(2);
    }

    const made = [await createElsewhere('tactill', 'bounded-1'), await createElsewhere('tactill', 'bounded-2'), await createElsewhere('tactill', 'bounded-3')];
    stack.resetSimulators();
    expect(await poller.pollOnce('demo-tactill')).toMatchObject({ status: 'POLLED', published: 3 });
    const byRoute = stack.demo.simulators.tactill.stats().byRoute;
    expect(byRoute['POST /v0/sales/request']).toBe(1);
    // Tactill's adapter may answer the cashbook list from its short-lived snapshot.
    expect(byRoute['POST /v0/cashbooks/request'] ?? 0).toBeLessThanOrEqual(1);
    expect(made).toHaveLength(3);
  });

  it('pushes cashbooks opened and closed through the gateway to cashbookChanged subscribers', async () => {
    const subscription = await subscribeSse(stack.url, {
      query: 'subscription { cashbookChanged(connections: ["demo-tactill"]) { eventId via cashbook { id state } } }',
      headers: KEYS.globex,
    });
    open.push(subscription);
    const opened = await stack.query<{ openCashbook: { cashbook: { id: string } | null; errors: unknown[] } }, unknown>(
      'mutation ($input: OpenCashbookInput!) { openCashbook(input: $input) { cashbook { id } errors { code message } } }',
      { input: { connection: 'demo-tactill', idempotencyKey: 'live-open', openingAmount: { amount: '100.00', currency: 'EUR' } } },
      KEYS.globex,
    );
    expect(opened.data?.openCashbook.errors, JSON.stringify(opened)).toEqual([]);
    const id = opened.data!.openCashbook.cashbook!.id;
    // The poller finds it open as well: one event all the same.
    await poller.pollOnce('demo-tactill');
    await stack.query(
      'mutation ($input: CloseCashbookInput!) { closeCashbook(input: $input) { errors { code } } }',
      { input: { cashbook: id, idempotencyKey: 'live-close', closingAmount: { amount: '100.00', currency: 'EUR' } } },
      KEYS.globex,
    );
    await poller.pollOnce('demo-tactill');
    const received = await subscription.waitFor(2);
    expect(received.map(({ payload }) => payload.data!.cashbookChanged)).toEqual([
      { eventId: received[0]!.id, via: 'GATEWAY', cashbook: { id, state: 'OPEN' } },
      { eventId: received[1]!.id, via: 'GATEWAY', cashbook: { id, state: 'CLOSED' } },
    ]);
  });

  it('answers LIVE_UPDATES_DISABLED on a gateway without an event log', async () => {
    const response = await elsewhere.fetch('http://elsewhere/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { saleCreated { eventId } }' }),
    });
    const text = await response.text();
    expect(text).toContain('"code":"LIVE_UPDATES_DISABLED"');
  });
});

function compareIds(a: string, b: string): number {
  const [ams, aseq] = a.split('-').map(Number);
  const [bms, bseq] = b.split('-').map(Number);
  return ams! - bms! || aseq! - bseq!;
}

describe('a long-lived subscription', () => {
  let stack: TestStack;
  let live: InMemoryLiveEvents;
  beforeAll(async () => {
    live = new InMemoryLiveEvents();
    stack = await startTestStack({ sales: 20, gateway: { live, requestDeadlineMs: 300 } });
  });
  afterAll(async () => {
    await live.close();
    await stack.close();
  });

  it('loads each event under a deadline of its own, not the one its request started with', async () => {
    const subscription = await subscribeSse(stack.url, { query: SALE_CREATED, variables: { connections: ['demo-tactill'] } });
    // Longer than a request may take: the subscription's own deadline has long passed.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const { data } = await stack.query<{ sales: { edges: Array<{ node: { id: string; createdAt: string } }> } }, unknown>(
      '{ sales(first: 1, connections: ["demo-tactill"]) { edges { node { id createdAt } } } }',
    );
    const sale = data!.sales.edges[0]!.node;
    await live.publish({ type: 'saleCreated', connection: 'demo-tactill', id: decodeGlobalId(sale.id).id, occurredAt: sale.createdAt, via: 'WEBHOOK' });
    const [received] = await subscription.waitFor(1);
    subscription.close();
    expect(received!.payload.errors).toBeUndefined();
    expect(received!.payload.data!.saleCreated).toMatchObject({ via: 'WEBHOOK', sale: { id: sale.id, connection: { id: 'demo-tactill' } } });
  });
});
