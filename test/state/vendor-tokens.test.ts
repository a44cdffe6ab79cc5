/**
 * IncoCloud and Kash clients in several replicas (each with its own Redis connection to one
 * redis-server) against the vendors' simulators: one login between them, and one new login
 * when the vendor stops accepting the token.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulators/server.ts';
import { closeRedis, createRedis } from '../../src/state/redis.ts';
import { RedisTokenStore } from '../../src/state/tokens.ts';
import { IncocloudClient } from '../../src/vendors/incocloud/client.ts';
import { INCOCLOUD_DEMO_APPLICATIONS, createIncocloudSimulator } from '../../src/vendors/incocloud/simulator.ts';
import { KashClient } from '../../src/vendors/kash/client.ts';
import { KASH_DEMO_LOGIN, KASH_DEMO_PASSWORD, createKashSimulator, type KashSimulator } from '../../src/vendors/kash/simulator.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

let redisServer: RedisServer;
const connections: Redis[] = [];

beforeAll(async () => {
  redisServer = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => closeRedis(redis)));
  await redisServer.stop();
});

/** The token store as one replica has it. */
function replicaStore(): RedisTokenStore {
  const redis = createRedis(redisServer.url, { role: 'test' });
  connections.push(redis);
  return new RedisTokenStore(redis);
}

/** Calls whose method and path end with `route` (IncoCloud's account server sits under a path of its own). */
const callsTo = (simulator: RunningSimulator, route: string): number =>
  Object.entries(simulator.stats().byRoute)
    .filter(([name]) => name.startsWith(route.split(' ')[0]!) && name.endsWith(route.split(' ')[1]!))
    .reduce((sum, [, count]) => sum + count, 0);

describe('IncoCloud token shared by replicas', () => {
  const LOGIN = 'GET /connect/api/access_token';
  let vendor: RunningSimulator;
  let replicas: IncocloudClient[];

  beforeAll(async () => {
    vendor = await startSimulator(createIncocloudSimulator({ sales: 50 }), { port: 0 });
    const { appId, appSecret } = INCOCLOUD_DEMO_APPLICATIONS.standard;
    replicas = Array.from({ length: 3 }, () => new IncocloudClient({ connection: 'sofia', baseUrl: vendor.url, credentials: { appId, appSecret }, tokenStore: replicaStore() }));
  });
  afterAll(() => vendor.close());

  it('buys one token for every replica', async () => {
    const answers = await Promise.all(replicas.flatMap((client) => [client.listLocations(), client.listPaymentTypes()]));
    expect(answers.every((answer) => answer.length > 0)).toBe(true);
    expect(callsTo(vendor, LOGIN)).toBe(1);
  });

  it('buys one new token when the vendor refuses the old one, whichever replica meets it first', async () => {
    vendor.reset();
    vendor.addFault({ expireTokens: true });
    const answers = await Promise.all(replicas.map((client) => client.listLocations()));
    expect(answers.every((answer) => answer.length > 0)).toBe(true);
    expect(callsTo(vendor, LOGIN)).toBe(1);
    // Each replica was refused once and repeated its call once.
    expect(callsTo(vendor, 'GET /connect/api/location')).toBe(6);
  });

  it('keeps no credential in the key', async () => {
    const redis = createRedis(redisServer.url, { role: 'test' });
    connections.push(redis);
    const keys = await redis.keys('posgraph:token:*');
    expect(keys).toEqual([expect.stringMatching(/^posgraph:token:incocloud:sofia:[0-9a-f]{32}$/)]);
    expect(keys.join()).not.toContain(INCOCLOUD_DEMO_APPLICATIONS.standard.appSecret);
  });
});

describe('Kash key shared by replicas', () => {
  const LOGIN = 'POST /workers/getAuthToken.php';
  let vendor: RunningSimulator;
  let simulator: KashSimulator;
  let replicas: KashClient[];

  beforeAll(async () => {
    simulator = createKashSimulator({ sales: 50 });
    vendor = await startSimulator(simulator, { port: 0 });
    replicas = Array.from(
      { length: 3 },
      () => new KashClient({ connection: 'paris', baseUrl: vendor.url, credentials: { login: KASH_DEMO_LOGIN, password: KASH_DEMO_PASSWORD }, tokenStore: replicaStore() }),
    );
  });
  afterAll(() => vendor.close());

  it('logs in once for every replica', async () => {
    const answers = await Promise.all(replicas.flatMap((client) => [client.getCashbox(), client.getPaymentModes()]));
    expect(answers.every((answer) => answer.length > 0)).toBe(true);
    expect(callsTo(vendor, LOGIN)).toBe(1);
  });

  it('logs in once more when the key is regenerated in the back office', async () => {
    vendor.reset();
    simulator.regenerateApiKey();
    const answers = await Promise.all(replicas.map((client) => client.getCashbox()));
    expect(answers.every((answer) => answer.length > 0)).toBe(true);
    expect(callsTo(vendor, LOGIN)).toBe(1);
  });
});
