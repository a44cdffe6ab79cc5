/**
 * iCash clients of several replicas on one api_key, against the iCash simulator (which
 * refuses a nonce not above the last one it accepted, as the vendor does). Each replica has
 * what a separate process has: its own Redis connection, lanes and token store, so its own
 * in-process lane. Sharing one redis-server, their calls go through one lane with one
 * counter and one session; not sharing it, they are refused "Invalid nonce".
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorAuthError, VendorTimeoutError } from '../../../src/core/errors.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { RedisLanes } from '../../../src/state/lane.ts';
import { closeRedis, createRedis } from '../../../src/state/redis.ts';
import { RedisTokenStore } from '../../../src/state/tokens.ts';
import { IcashClient } from '../../../src/vendors/icash/client.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';
import { IcashCredentialsSchema } from '../../../src/vendors/icash/wire.ts';
import { captureLogger } from '../../capture-logger.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';

const LOGIN_ROUTE = 'POST /clientapi/v1/login';
const PAY_TYPES = '/clientapi/v1/get-pay-types';

let redisServer: RedisServer;
const connections: Redis[] = [];
const simulators: RunningSimulator[] = [];
let vendor: RunningSimulator;
let run = 0;

beforeAll(async () => {
  redisServer = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => closeRedis(redis)));
  await Promise.all(simulators.map((simulator) => simulator.close()));
  await redisServer?.stop();
});
// A vendor of its own for each test: what one test's nonces left behind does not meet the next.
beforeEach(async () => {
  vendor = await startSimulator(createIcashSimulator({ sales: 20 }), { port: 0 });
  simulators.push(vendor);
});

function connect(url = redisServer.url): Redis {
  const redis = createRedis(url, { role: 'test' });
  connections.push(redis);
  return redis;
}

interface ReplicaOptions {
  /** Redis namespace of its lanes and tokens: replicas sharing one share the lane. */
  readonly namespace: string;
  readonly redisUrl?: string;
  readonly logger?: ReturnType<typeof captureLogger>['logger'];
}

/** One replica's client, built as createConnections builds it from the shared state. */
function replica({ namespace, redisUrl, logger }: ReplicaOptions): IcashClient {
  const redis = connect(redisUrl);
  return new IcashClient({
    connection: 'shop-bg',
    baseUrl: vendor.url,
    credentials: IcashCredentialsSchema.parse(vendor.simulator.credentials(vendor.url)),
    tokenStore: new RedisTokenStore(redis, `${namespace}token:`),
    lanes: new RedisLanes(redis, { namespace: `${namespace}lane:`, logger }),
  });
}

/** Reads of every kind, as a busy gateway makes them. */
function someCalls(client: IcashClient, count: number): Array<Promise<unknown>> {
  return Array.from({ length: count }, (_, index) => {
    switch (index % 4) {
      case 0: return client.getPayTypes();
      case 1: return client.getCashRegisters();
      case 2: return client.operationsList({ count: 5 });
      default: return client.getSaleItems({ count: 5 });
    }
  });
}

const calls = (route?: string): number =>
  Object.entries(vendor.stats().byRoute)
    .filter(([name]) => route === undefined || name === route)
    .reduce((sum, [, count]) => sum + count, 0);

describe('iCash replicas sharing Redis', () => {
  it('answers every call of three busy replicas on one api_key, with one login between them', async () => {
    const namespace = `shared-${(run += 1)}:`;
    const replicas = [replica({ namespace }), replica({ namespace }), replica({ namespace })];
    const outcomes = await Promise.allSettled(replicas.flatMap((client) => someCalls(client, 16)));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(calls(LOGIN_ROUTE)).toBe(1);
    expect(calls()).toBe(1 + 3 * 16);
  });

  it('is refused "Invalid nonce" when the replicas do not share the lane (the control)', async () => {
    // Each its own namespace: three processes, each with its own counter seeded from the clock.
    const replicas = [1, 2, 3].map(() => replica({ namespace: `apart-${(run += 1)}:` }));
    const outcomes = await Promise.allSettled(replicas.flatMap((client) => someCalls(client, 16)));
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal).toMatchObject({ constructor: VendorAuthError, vendorMessage: 'Invalid nonce' });
  });

  it('keeps a shared session: a replica that meets its expiry logs in once for all of them', async () => {
    const namespace = `session-${(run += 1)}:`;
    const replicas = [replica({ namespace }), replica({ namespace })];
    await Promise.all(replicas.map((client) => client.getPayTypes()));
    vendor.addFault({ expireTokens: true });
    await Promise.all(replicas.map((client) => client.getPayTypes()));
    expect(calls(LOGIN_ROUTE)).toBe(2);
    // Each replica was refused once with the old session and repeated its call once.
    expect(calls(`POST ${PAY_TYPES}`)).toBe(2 + 2 * 2);
  });

  it("lets a caller waiting for another replica's call give up, sending nothing", async () => {
    const namespace = `abandon-${(run += 1)}:`;
    const [slow, waiting] = [replica({ namespace }), replica({ namespace })] as [IcashClient, IcashClient];
    await Promise.all([slow.getPayTypes(), waiting.getPayTypes()]);
    vendor.addFault({ route: PAY_TYPES, latencyMs: 400, times: 1 });
    const slowCall = slow.getPayTypes();
    // The slow call holds the shared lock once the vendor has it.
    while (calls(`POST ${PAY_TYPES}`) < 3) await new Promise((resolve) => setTimeout(resolve, 2));
    const error = await waiting.getCashRegisters({ signal: AbortSignal.timeout(30) }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(VendorTimeoutError);
    expect(error).toMatchObject({ vendorMessage: "aborted while waiting for another replica's call on the same api_key" });
    await expect(slowCall).resolves.toBeInstanceOf(Array);
    expect(calls('POST /clientapi/v1/get-cash-registers')).toBe(0);
    await expect(waiting.getCashRegisters()).resolves.toBeInstanceOf(Array);
  });

  it('keeps no credential in Redis keys or values', async () => {
    const namespace = `keys-${(run += 1)}:`;
    await replica({ namespace }).getPayTypes();
    const inspector = connect();
    const keys = await inspector.keys(`posgraph:${namespace}*`);
    expect(keys.sort()).toEqual([
      expect.stringMatching(new RegExp(`^posgraph:${namespace}lane:icash:[0-9a-f]{32}:counter$`)),
      expect.stringMatching(new RegExp(`^posgraph:${namespace}token:icash:shop-bg:[0-9a-f]{32}$`)),
    ]);
    const { api_key, secret_key } = IcashCredentialsSchema.parse(vendor.simulator.credentials(vendor.url));
    const stored = await Promise.all(keys.map((key) => inspector.get(key.slice('posgraph:'.length))));
    expect(JSON.stringify([keys, stored])).not.toContain(api_key);
    expect(JSON.stringify([keys, stored])).not.toContain(secret_key);
  });
});

describe('iCash replica with Redis out of reach', () => {
  it("carries on in its own process's order, and says so in one warn line", async () => {
    const gone = await startRedisServer();
    await gone.stop();
    const { logger, lines } = captureLogger('info');
    const client = replica({ namespace: `gone-${(run += 1)}:`, redisUrl: gone.url, logger });
    const outcomes = await Promise.allSettled(someCalls(client, 12));
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(calls(LOGIN_ROUTE)).toBe(1);
    expect(lines.filter((line) => line.msg === 'Shared lane unavailable; this process orders its own calls only')).toHaveLength(1);
  });
});
