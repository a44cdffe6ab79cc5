/**
 * Requests per second (issue 7 §3, §4): posgraph against a bare graphql-yoga server that
 * answers posgraph's own answer from memory, and against GraphQL Hive Gateway over the
 * same Tactill simulator with an OpenAPI source (docs/openapi/tactill.yaml). Each server
 * runs in its own process and is loaded by autocannon from this one; runs alternate between
 * servers (bare, posgraph, Hive, then again) and each server's figure is the mean of its
 * runs, after a discarded warm-up run.
 *
 * Two queries:
 *  - `sales` — the ten newest Tactill sales. posgraph and Hive each make one vendor call
 *    per request; the simulator answers it from an index. This is the headline: the
 *    closest to "a simple query" both gateways really do.
 *  - `items` — the first ten Tactill items by name. posgraph serves it from its Tactill
 *    adapter's 15-second product-list snapshot (about one vendor call per 15 s); Hive calls
 *    the vendor every time. Reported apart, because it measures that snapshot as much as
 *    the gateway.
 *
 * posgraph also runs a second time with the caches `npm start` has (`posgraphCached`: the
 * answer is served from the response cache for its TTL, 10 s for sales, so about one vendor
 * call per 10 s). Reported beside, not instead: the headline compares gateways that both
 * ask the vendor every time.
 */
import type { Child } from '../lib/child.ts';
import { startChild } from '../lib/child.ts';
import { load, post, type LoadRun } from '../lib/load.ts';
import { HIVE_TACTILL_ITEMS, HIVE_TACTILL_SALES, TACTILL_ITEMS, TACTILL_SALES } from '../lib/queries.ts';
import type { Simulators } from '../lib/simulators.ts';
import { sum } from '../lib/stats.ts';

type ServerName = 'bareYoga' | 'posgraph' | 'posgraphCached' | 'hiveGateway';

export interface QueryThroughput {
  readonly rps: Record<ServerName, number | null>;
  readonly runs: Record<ServerName, LoadRun[]>;
  /** Vendor calls per posgraph request (twenty requests, one at a time). */
  readonly posgraphVendorCallsPerRequest: number;
  readonly rpsVsBareYoga: number;
  readonly rpsVsHiveGateway: number | null;
  /** posgraph with its response and entity caches. */
  readonly cachedRpsVsBareYoga: number;
  readonly cachedRpsVsHiveGateway: number | null;
}

export interface ThroughputResult {
  readonly connections: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly sales: QueryThroughput;
  /** Not measured by --quick. */
  readonly items: QueryThroughput | null;
  /** Why the peer gateway has no figure, when it has none. */
  readonly hiveGatewayError: string | null;
}

interface Endpoint {
  readonly url: string;
  readonly child: Child<unknown>;
}

const QUERIES = {
  sales: { posgraph: TACTILL_SALES, hive: HIVE_TACTILL_SALES, field: 'sales', hiveField: 'requestSales' },
  items: { posgraph: TACTILL_ITEMS, hive: HIVE_TACTILL_ITEMS, field: 'items', hiveField: 'requestProducts' },
} as const;

export interface ThroughputServers {
  readonly endpoints: Record<ServerName, Endpoint | null>;
  readonly hiveGatewayError: string | null;
  stop(): Promise<void>;
}

/**
 * Starts the three servers (Hive Gateway takes several seconds to load and compose), so the
 * orchestrator can start them early, while it counts calls. The bare server answers exactly
 * what posgraph answered, same bytes.
 */
export async function startThroughputServers(sims: Simulators): Promise<ThroughputServers> {
  const children: Array<Child<unknown>> = [];
  const hiveStarting = startChild<{ url: string }>('hive-gateway.ts', { args: [sims.urls.tactill] }).then(
    (child) => {
      children.push(child);
      return { endpoint: { url: child.ready.url, child } as Endpoint, error: null };
    },
    (error: Error) => ({ endpoint: null, error: `Hive Gateway did not start: ${error.message.split('\n')[0]}` }),
  );
  try {
    const posgraph = await startChild<{ url: string }>('posgraph.ts', { env: { BENCH_CONFIG: JSON.stringify(sims.config) } });
    children.push(posgraph);
    const posgraphCached = await startChild<{ url: string }>('posgraph.ts', { env: { BENCH_CONFIG: JSON.stringify(sims.config), BENCH_CACHE: '1' } });
    children.push(posgraphCached);
    const answers: Record<string, unknown> = {};
    for (const [name, query] of Object.entries(QUERIES)) {
      const answer = await post(posgraph.ready.url, query.posgraph);
      if (answer.errors || !answer.data) throw new Error(`posgraph ${name} query failed: ${JSON.stringify(answer.errors)}`);
      answers[query.field] = answer.data[query.field];
    }
    const bare = await startChild<{ url: string }>('bare-yoga.ts', { env: { BENCH_ANSWERS: JSON.stringify(answers) } });
    children.push(bare);
    const hive = await hiveStarting;
    return {
      endpoints: {
        bareYoga: { url: bare.ready.url, child: bare },
        posgraph: { url: posgraph.ready.url, child: posgraph },
        posgraphCached: { url: posgraphCached.ready.url, child: posgraphCached },
        hiveGateway: hive.endpoint,
      },
      hiveGatewayError: hive.error,
      stop: async () => {
        await Promise.all(children.map((child) => child.stop()));
      },
    };
  } catch (error) {
    await hiveStarting;
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
}

export async function measureThroughput(
  sims: Simulators,
  servers: ThroughputServers,
  options: { connections: number; seconds: number; rounds: number; warmupSeconds: number; queries: ReadonlyArray<keyof typeof QUERIES> },
): Promise<ThroughputResult> {
  const endpoints = { ...servers.endpoints };
  let hiveGatewayError = servers.hiveGatewayError;
  const measure = async (name: keyof typeof QUERIES): Promise<QueryThroughput> => {
    const query = QUERIES[name];
    const text = (server: ServerName) => (server === 'hiveGateway' ? query.hive : query.posgraph);
    // Every server must answer the question correctly before it is timed.
    const bareAnswer = await post(endpoints.bareYoga!.url, query.posgraph);
    const posgraphAnswer = await post(endpoints.posgraph!.url, query.posgraph);
    if (JSON.stringify(bareAnswer.data) !== JSON.stringify(posgraphAnswer.data)) throw new Error(`bare yoga and posgraph answer ${name} differently`);
    const cachedAnswer = await post(endpoints.posgraphCached!.url, query.posgraph);
    if (JSON.stringify(cachedAnswer.data) !== JSON.stringify(posgraphAnswer.data)) throw new Error(`posgraph with caches answers ${name} differently`);
    if (endpoints.hiveGateway) {
      const hiveAnswer = await post(endpoints.hiveGateway.url, query.hive);
      const items = hiveAnswer.data?.[query.hiveField]?.items;
      if (!Array.isArray(items) || items.length !== 10) {
        hiveGatewayError = `Hive Gateway answered ${name} wrongly: ${JSON.stringify(hiveAnswer).slice(0, 300)}`;
        endpoints.hiveGateway = null;
      }
    }
    // Vendor calls per posgraph request, counted over twenty requests one at a time before
    // any load (a loaded run ends with requests in flight, whose calls would land in the count).
    await sims.reset();
    for (let index = 0; index < 20; index += 1) await post(endpoints.posgraph!.url, query.posgraph);
    const vendorCallsPerRequest = (await sims.stats()).tactill.total / 20;

    const names = (Object.keys(endpoints) as ServerName[]).filter((server) => endpoints[server] !== null);
    for (const server of names) await load(endpoints[server]!.url, text(server), { connections: options.connections, seconds: options.warmupSeconds });

    const runs: Record<ServerName, LoadRun[]> = { bareYoga: [], posgraph: [], posgraphCached: [], hiveGateway: [] };
    for (let round = 0; round < options.rounds; round += 1) {
      for (const server of names) {
        runs[server].push(await load(endpoints[server]!.url, text(server), { connections: options.connections, seconds: options.seconds }));
      }
    }
    const mean = (server: ServerName) => (runs[server].length ? sum(runs[server].map((run) => run.rps)) / runs[server].length : null);
    const rps = { bareYoga: mean('bareYoga'), posgraph: mean('posgraph'), posgraphCached: mean('posgraphCached'), hiveGateway: mean('hiveGateway') };
    return {
      rps,
      runs,
      posgraphVendorCallsPerRequest: vendorCallsPerRequest,
      rpsVsBareYoga: rps.posgraph! / rps.bareYoga!,
      rpsVsHiveGateway: rps.hiveGateway ? rps.posgraph! / rps.hiveGateway : null,
      cachedRpsVsBareYoga: rps.posgraphCached! / rps.bareYoga!,
      cachedRpsVsHiveGateway: rps.hiveGateway ? rps.posgraphCached! / rps.hiveGateway : null,
    };
  };

  const sales = await measure('sales');
  const items = options.queries.includes('items') ? await measure('items') : null;
  return { connections: options.connections, seconds: options.seconds, rounds: options.rounds, sales, items, hiveGatewayError };
}
