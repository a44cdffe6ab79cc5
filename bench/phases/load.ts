/**
 * posgraph under sustained load (issue 7 §5, §6): 100 concurrent clients asking the nested
 * query for today's ten newest sales (README example 1, `filter: {from: <last trading day>}`)
 * with lines, items, customer and payments. Measured:
 *  - new TCP connections the gateway's agent opened per 1,000 vendor requests in steady
 *    state, cross-checked with the connections the simulators accepted: a warm-up at the
 *    same concurrency first grows the agent's pools to the size the load needs (reported as
 *    `warmupConnectionsOpened`), then the measured run counts what keep-alive fails to reuse;
 *  - the gateway process's resident memory, sampled every 250 ms (peak and end), and idle
 *    before the run.
 *
 * The headline run asks Tactill alone: three vendor calls per request (sales, then products
 * and customers by id, side by side) that the simulator answers from its indexes, so the
 * gateway is what saturates. The full run also asks IncoCloud, Kash and Tactill together
 * (about fifteen calls per request, two of them whole catalogues of 1,000 items from vendors
 * that do not page): there the one simulators process saturates first and requests wait
 * seconds — connection reuse and memory when the vendors are the bottleneck (sockets that
 * close are reported with undici's reason). iCash is in
 * neither: one call in flight per api_key (its nonce) makes every request queue behind every
 * other on that lane, so the connection saturates at a few requests per second and the 8 s
 * read deadline fails it.
 */
import { startChild, type Child } from '../lib/child.ts';
import { load, post, type LoadRun } from '../lib/load.ts';
import { LAST_TRADING_DAY, NESTED_SALES } from '../lib/queries.ts';
import type { Simulators } from '../lib/simulators.ts';
import { sum } from '../lib/stats.ts';

export interface LoadResult {
  readonly clients: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly first: number;
  readonly connections: readonly string[];
  readonly run: LoadRun;
  readonly vendorRequests: number;
  readonly agentConnectionsOpened: number;
  /** Connections opened while the warm-up grew the pools (before the measured run). */
  readonly warmupConnectionsOpened: number;
  /** Sockets the agent saw close during the run (timeouts and aborts destroy them). */
  readonly socketsClosed: number;
  /** Why they closed, as undici said (`UND_ERR_INFO aborted`: the request's signal ended it). */
  readonly closeReasons: Record<string, number>;
  readonly simulatorConnectionsAccepted: number;
  readonly newConnectionsPer1000: number;
  readonly rssMb: { idle: number; peak: number; end: number; samples: number };
}

export type LoadServer = Child<{ url: string; stats: string }>;

/** A fresh posgraph process for one load run (the orchestrator may start it early; it stays idle until then). */
export function startLoadServer(sims: Simulators): Promise<LoadServer> {
  return startChild<{ url: string; stats: string }>('posgraph.ts', { env: { BENCH_CONFIG: JSON.stringify(sims.config) } });
}

export async function measureLoad(
  sims: Simulators,
  options: { clients: number; seconds: number; warmupSeconds: number; first: number; vendors: readonly string[] },
  started?: Promise<LoadServer>,
): Promise<LoadResult> {
  const child = await (started ?? startLoadServer(sims));
  try {
    const connections = sims.config.connections.filter((connection) => options.vendors.includes(connection.vendor)).map((connection) => connection.id);
    const variables = { first: options.first, connections, filter: { from: LAST_TRADING_DAY } };
    // One request first: sessions and reference data.
    const first = await post(child.ready.url, NESTED_SALES, variables);
    if (first.errors || !first.data) throw new Error(`nested query failed before load: ${JSON.stringify(first.errors).slice(0, 500)}`);
    const agentStats = async () => (await (await fetch(child.ready.stats)).json()) as { connectionsOpened: number; sockets: { closed: number; reasons: Record<string, number> } };
    const snapshot = async () => {
      const [agent, stats] = await Promise.all([agentStats(), sims.stats()]);
      return {
        opened: agent.connectionsOpened,
        closed: agent.sockets.closed,
        reasons: agent.sockets.reasons,
        requests: sum(Object.values(stats).map((entry) => entry.total)),
        accepted: sum(Object.values(stats).map((entry) => entry.connections)),
      };
    };
    const idle = child.memory().rssMb;
    await sims.reset();
    const start = await snapshot();

    // One continuous run: warm-up, then the measured window, then a second more. Stopping a
    // run aborts the requests in flight, and an aborted vendor call must destroy its socket;
    // snapshots taken while the load is still on keep those ends out of the window.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const samples: number[] = [];
    let sampling = false;
    const sampler = setInterval(() => {
      if (sampling) samples.push(child.memory().rssMb);
    }, 250);
    const window = (async () => {
      await sleep(options.warmupSeconds * 1000);
      const before = await snapshot();
      sampling = true;
      await sleep(options.seconds * 1000);
      sampling = false;
      const after = await snapshot();
      return { before, after, end: child.memory().rssMb };
    })();
    let run: LoadRun;
    try {
      run = await load(child.ready.url, NESTED_SALES, { connections: options.clients, seconds: options.warmupSeconds + options.seconds + 1, variables });
    } finally {
      clearInterval(sampler);
    }
    const { before, after, end } = await window;
    const vendorRequests = after.requests - before.requests;
    const agentConnectionsOpened = after.opened - before.opened;
    return {
      clients: options.clients,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      first: options.first,
      connections,
      run,
      vendorRequests,
      agentConnectionsOpened,
      warmupConnectionsOpened: before.opened - start.opened,
      socketsClosed: after.closed - before.closed,
      closeReasons: Object.fromEntries(
        Object.entries(after.reasons)
          .map(([reason, count]) => [reason, count - (before.reasons[reason] ?? 0)] as const)
          .filter(([, count]) => count > 0),
      ),
      simulatorConnectionsAccepted: after.accepted - before.accepted,
      newConnectionsPer1000: (agentConnectionsOpened / vendorRequests) * 1000,
      rssMb: { idle, peak: Math.max(...samples, end), end, samples: samples.length },
    };
  } finally {
    await child.stop();
  }
}
