/**
 * Two gateway processes (`src/main.ts`, as `npm start` runs it) sharing one redis-server
 * through REDIS_URL, over the four simulators, driven over real HTTP:
 *  (a) one createSale sent to both at once with one idempotency key is one vendor write,
 *      and both answer the same sale;
 *  (b) reading IncoCloud and Kash through both costs one token / one login each;
 *  (c) a connection's rate budget is one for both processes: the vendor receives `burst`
 *      calls however many each process wanted to send;
 *  (d) iCash, whose nonce must rise with every call of an api_key, is read and written
 *      through both at once without a refusal, on one session — while two replicas
 *      without REDIS_URL, on an iCash of their own, are refused "Invalid nonce".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, sumDecimals } from '../../src/core/money.ts';
import { hashApiKey } from '../../src/core/tenants.ts';
import { startAllSimulators } from '../../src/simulators/start-all.ts';
import { startSimulator, type RunningSimulator, type VendorId } from '../../src/simulators/server.ts';
import { createIcashSimulator } from '../../src/vendors/icash/simulator.ts';
import { VENDORS } from '../../src/vendors/index.ts';
import { KASH_DEMO_LOGIN, KASH_DEMO_PASSWORD } from '../../src/vendors/kash/simulator.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

const API_KEY = 'two-replicas-test-key';
const TIGHT_BURST = 3;

interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
}

interface GraphQLAnswer {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

let redis: RedisServer;
let simulators: Record<VendorId, RunningSimulator>;
let configDir: string;
const replicas: Replica[] = [];

/** `npm start` in a process of its own; resolves once it listens. An empty `redisUrl` keeps its state in memory. */
async function startReplica(configPath: string, redisUrl = redis.url): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, POSGRAPH_CONFIG: configPath, PORT: '0', REDIS_URL: redisUrl, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start within 60 s: ${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /posgraph: (http:\/\/localhost:\d+\/graphql)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}: ${output}`));
    });
  });
  child.removeAllListeners('exit');
  return { url, child };
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => replica.child.kill('SIGKILL'), 10_000);
    replica.child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    replica.child.kill('SIGTERM');
  });
}

async function query(replica: Replica, document: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer> {
  const response = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as GraphQLAnswer;
}

/** Calls a simulator received on paths ending with `path`, optionally of one method. */
function callsTo(vendor: VendorId, path: string, method?: string): number {
  return Object.entries(simulators[vendor].stats().byRoute)
    .filter(([route]) => route.endsWith(path) && (method === undefined || route.startsWith(`${method} `)))
    .reduce((sum, [, count]) => sum + count, 0);
}

const ITEMS = `query Items($connections: [ID!]) {
  items(first: 2, connections: $connections) {
    sources { connection { id } status error { code } }
    edges { node { id price { amount currency } } }
  }
}`;

const CREATE_SALE = `mutation CreateSale($input: CreateSaleInput!) {
  createSale(input: $input) {
    sale { id number total { amount currency } }
    errors { code field message }
  }
}`;

const SALES = `query Sales($connections: [ID!]) {
  sales(first: 2, connections: $connections) {
    sources { connection { id } status error { code } }
    edges { node { id total { amount } lines { quantity } payments { amount { amount } } } }
  }
}`;

/** Every error of the answers, wherever it came. */
const errorsOf = (answers: GraphQLAnswer[]) => answers.flatMap((answer) => answer.errors ?? []);

/**
 * A busy moment on one iCash connection: each replica serves 10 sales queries (a list, then
 * one detail call per sale) and writes one sale (new operation, lines, payment, print), all
 * at once — about 90 calls, inside the connection's default burst of 100, so that hardly
 * any waits for the rate budget. Answers the reads and the writes.
 */
async function icashRush(targets: readonly Replica[], connection: string, keyPrefix: string): Promise<{ reads: GraphQLAnswer[]; writes: GraphQLAnswer[] }> {
  const { data } = await query(targets[0]!, ITEMS, { connections: [connection] });
  const items = data.items.edges.map((edge: { node: { id: string; price: { amount: string } } }) => edge.node);
  const total = sumDecimals(items.map((item: { price: { amount: string } }) => Decimal.parse(item.price.amount).round(2))).toFixedAtLeast(2);
  const saleInput = (index: number) => ({
    connection,
    idempotencyKey: `${keyPrefix}-${index}`,
    lines: items.map((item: { id: string }) => ({ item: item.id, quantity: '1' })),
    payments: [{ method: 'CASH', amount: { amount: total, currency: 'EUR' } }],
  });
  const [reads, writes] = await Promise.all([
    Promise.all(targets.flatMap((replica) => Array.from({ length: 10 }, () => query(replica, SALES, { connections: [connection] })))),
    Promise.all(targets.map((replica, index) => query(replica, CREATE_SALE, { input: saleInput(index) }))),
  ]);
  return { reads, writes };
}

beforeAll(async () => {
  redis = await startRedisServer();
  simulators = await startAllSimulators({ basePort: 0, sales: 300 });
  const demo = (vendor: VendorId) => VENDORS[vendor].adapter.demoSettings(simulators[vendor].url) as Record<string, unknown>;
  // Kash by back-office login (not by a key), so that it has a login to share.
  const { apiKey: _key, shopId: _shop, webhookSecret: _secret, ...kashByLogin } = demo('kash');
  const connections = [
    { id: 'incocloud', vendor: 'incocloud', settings: demo('incocloud') },
    { id: 'kash', vendor: 'kash', settings: { ...kashByLogin, login: KASH_DEMO_LOGIN, password: KASH_DEMO_PASSWORD } },
    { id: 'tactill', vendor: 'tactill', settings: demo('tactill') },
    { id: 'icash', vendor: 'icash', settings: demo('icash') },
    // A tiny budget: TIGHT_BURST calls back to back, then one every ~17 minutes.
    { id: 'kash-tight', vendor: 'kash', settings: demo('kash'), resilience: { ratePerSecond: 0.001, burst: TIGHT_BURST, requestDeadlineMs: 1_500 } },
  ];
  const config = {
    connections,
    tenants: [{ id: 'acme', apiKeys: [hashApiKey(API_KEY)], connections: connections.map((connection) => connection.id) }],
    // Every vendor call comes from the requests below: no live polling, no cached answers.
    cache: { enabled: false },
    live: { connections: Object.fromEntries(connections.map((connection) => [connection.id, { pollIntervalMs: false }])) },
  };
  configDir = await mkdtemp(join(tmpdir(), 'posgraph-replicas-'));
  const configPath = join(configDir, 'config.json');
  await writeFile(configPath, JSON.stringify(config));
  replicas.push(...(await Promise.all([startReplica(configPath), startReplica(configPath)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map(stopReplica));
  await Promise.all(Object.values(simulators ?? {}).map((simulator) => simulator.close()));
  await redis?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

describe('two gateway replicas sharing Redis', () => {
  it('reads IncoCloud and Kash through both with one token and one login between them', async () => {
    for (const simulator of Object.values(simulators)) simulator.reset();
    const answers = await Promise.all(replicas.flatMap((replica) => [query(replica, ITEMS, { connections: ['incocloud', 'kash'] }), query(replica, ITEMS, { connections: ['incocloud', 'kash'] })]));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data.items.sources.map((source: { status: string }) => source.status)).toEqual(['OK', 'OK']);
    }
    expect(callsTo('incocloud', '/connect/api/access_token')).toBe(1);
    expect(callsTo('kash', '/workers/getAuthToken.php')).toBe(1);
  });

  it('writes one sale for one idempotency key sent to both replicas at once, and both answer it', async () => {
    const { data } = await query(replicas[0]!, ITEMS, { connections: ['tactill'] });
    const items = data.items.edges.map((edge: { node: { id: string; price: { amount: string } } }) => edge.node);
    const total = sumDecimals(items.map((item: { price: { amount: string } }) => Decimal.parse(item.price.amount).round(2))).toFixedAtLeast(2);
    const input = {
      connection: 'tactill',
      idempotencyKey: 'till-9-0001',
      lines: items.map((item: { id: string }) => ({ item: item.id, quantity: '1' })),
      payments: [{ method: 'CASH', amount: { amount: total, currency: 'EUR' } }],
    };
    const salesBefore = (await simulators.tactill.simulator.counts()).sales;
    simulators.tactill.reset();

    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => query(replicas[index % 2]!, CREATE_SALE, { input })));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data.createSale.errors).toEqual([]);
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer.data.createSale.sale))).size).toBe(1);
    expect(answers[0]!.data.createSale.sale.total).toEqual({ amount: total, currency: 'EUR' });
    expect(callsTo('tactill', '/sales', 'POST')).toBe(1);
    expect((await simulators.tactill.simulator.counts()).sales).toBe(salesBefore + 1);
  });

  it("holds both replicas to one connection's rate budget", async () => {
    simulators.kash.reset();
    // Each replica alone would send TIGHT_BURST calls before its own bucket ran dry.
    const answers = await Promise.all(replicas.flatMap((replica) => Array.from({ length: 3 }, () => query(replica, ITEMS, { connections: ['kash-tight'] }))));
    expect(callsTo('kash', '.php')).toBe(TIGHT_BURST);
    // The requests that found the budget spent waited for a token until their deadline.
    const failed = answers.filter((answer) => answer.data.items.sources[0].status === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    for (const answer of failed) expect(answer.errors?.[0]?.extensions).toMatchObject({ code: expect.any(String), vendor: 'kash', connection: 'kash-tight' });
  });

  it("keeps iCash's nonces in order across both: every read and sale answered, on one session", async () => {
    simulators.icash.reset();
    const salesBefore = (await simulators.icash.simulator.counts()).sales;
    const { reads, writes } = await icashRush(replicas, 'icash', 'icash-rush');
    expect(errorsOf([...reads, ...writes])).toEqual([]);
    for (const answer of reads) {
      expect(answer.data.sales.sources.map((source: { status: string }) => source.status)).toEqual(['OK']);
      expect(answer.data.sales.edges).toHaveLength(2);
    }
    for (const answer of writes) expect(answer.data.createSale.errors).toEqual([]);
    expect(new Set(writes.map((answer) => answer.data.createSale.sale.id)).size).toBe(2);
    expect((await simulators.icash.simulator.counts()).sales).toBe(salesBefore + 2);
    expect(callsTo('icash', '/clientapi/v1/login')).toBe(1);
  });
});

describe('two gateway replicas without Redis (the control)', () => {
  const apart: Replica[] = [];
  let icash: RunningSimulator;

  beforeAll(async () => {
    // An iCash of their own: the nonces they spend do not meet the replicas above.
    icash = await startSimulator(createIcashSimulator({ sales: 300 }), { port: 0 });
    const connections = [{ id: 'icash-apart', vendor: 'icash', settings: VENDORS.icash.adapter.demoSettings(icash.url) }];
    const config = {
      connections,
      tenants: [{ id: 'acme', apiKeys: [hashApiKey(API_KEY)], connections: ['icash-apart'] }],
      cache: { enabled: false },
      live: { connections: { 'icash-apart': { pollIntervalMs: false } } },
    };
    const configPath = join(configDir, 'apart.json');
    await writeFile(configPath, JSON.stringify(config));
    const started = await Promise.allSettled([startReplica(configPath, ''), startReplica(configPath, '')]);
    for (const outcome of started) if (outcome.status === 'fulfilled') apart.push(outcome.value);
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apart.map(stopReplica));
    await icash?.close();
  });

  it('are refused "Invalid nonce" by iCash when both call it at once', async () => {
    const { reads, writes } = await icashRush(apart, 'icash-apart', 'icash-apart');
    const refusals = errorsOf([...reads, ...writes]).filter((error) => error.message.includes('Invalid nonce'));
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal.extensions).toMatchObject({ code: 'VENDOR_AUTH_FAILED', vendor: 'icash', connection: 'icash-apart' });
  });
});
