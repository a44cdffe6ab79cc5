/**
 * Latency against the critical path (issue 7 §2). Every simulator answers each vendor call
 * after a fixed delay (`latencyMs`, 40 by default); posgraph runs in this process behind
 * node:http on loopback and is asked the nested query over HTTP, one request at a time; the
 * critical path (lib/critical-path.ts) is the same answer's minimum plan made straight with
 * the vendor clients. Runs alternate between the two, so drift in the machine hits both.
 *
 * Also reported: the latency of one vendor call as measured (an iCash get-pay-types), and
 * the critical path's rounds of sequential calls — rounds × one call is the estimate the
 * measured critical path should be close to.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { createHttpAgent, HttpTransport } from '../../src/core/http.ts';
import { IcashClient } from '../../src/vendors/icash/client.ts';
import { createDirectClients, timeCriticalPath } from '../lib/critical-path.ts';
import { createBenchGateway, LONG_TIMEOUTS } from '../lib/gateway.ts';
import type { ConnectionUse } from '../lib/minimum.ts';
import { NESTED_SALES } from '../lib/queries.ts';
import type { Simulators } from '../lib/simulators.ts';
import { percentile } from '../lib/stats.ts';
import { usesOf } from '../lib/usage.ts';

export interface LatencyResult {
  readonly first: number;
  readonly connections: readonly string[] | null;
  readonly latencyMs: number;
  readonly runs: number;
  readonly posgraphMs: { p50: number; p95: number; samples: number[] };
  readonly criticalPathMs: { p50: number; p95: number; samples: number[] };
  /** Sequential vendor round trips of the critical path. */
  readonly rounds: number;
  readonly oneCallMs: number;
  readonly p50Ratio: number;
  readonly p95Ratio: number;
}

/** Sequential rounds of the minimum plan: round 1 (lists; iCash's calls one by one) then round 2. */
function roundsOf(clients: ReturnType<typeof createDirectClients>, uses: readonly ConnectionUse[], first: number): number {
  const plans = uses.map((use) => clients.plan(use, first));
  const roundLength = (steps: unknown[], sequential: boolean, extra = 0) => (steps.length === 0 ? 0 : sequential ? steps.length : 1) + extra;
  const round1 = Math.max(
    ...plans.map(({ plan, minimum }) => roundLength(plan.round1, plan.sequential, minimum.vendor === 'tactill' ? Math.max(0, (minimum.parts[0]?.calls ?? 1) - 1) : 0)),
  );
  const round2 = Math.max(0, ...plans.map(({ plan }) => roundLength(plan.round2, plan.sequential)));
  return round1 + round2;
}

export async function measureLatency(
  sims: Simulators,
  options: { first: number; runs: number; latencyMs: number; connections?: readonly string[]; longTimeouts?: boolean },
): Promise<LatencyResult> {
  const { first, runs, latencyMs } = options;
  await sims.reset();
  const bench = createBenchGateway(sims.config, { longTimeouts: options.longTimeouts });
  const server = createServer(bench.gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const client = new Agent({ keepAliveTimeout: 60_000 });
  const direct = createHttpAgent(options.longTimeouts ? LONG_TIMEOUTS : undefined);
  const clients = createDirectClients(sims.config, new HttpTransport({ dispatcher: direct.agent }));
  const body = JSON.stringify({ query: NESTED_SALES, variables: { first, connections: options.connections } });

  const ask = async (): Promise<{ ms: number; data: any }> => {
    const started = performance.now();
    const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body, dispatcher: client });
    const answer = (await response.body.json()) as { data?: any; errors?: unknown[] };
    const ms = performance.now() - started;
    if (answer.errors?.length || !answer.data) throw new Error(`nested query failed under latency: ${JSON.stringify(answer.errors).slice(0, 1000)}`);
    return { ms, data: answer.data };
  };

  try {
    // Warm up (before the latency is switched on): sessions, JIT, the adapters' reference
    // data; and learn the answer's shape.
    const { data } = await ask();
    await clients.warm();
    if (latencyMs > 0) await sims.addFault({ latencyMs });
    const uses = usesOf(data, sims.config, options.connections);

    const posgraph: number[] = [];
    const critical: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      if (run % 2 === 0) {
        posgraph.push((await ask()).ms);
        critical.push(await timeCriticalPath(clients, uses, first));
      } else {
        critical.push(await timeCriticalPath(clients, uses, first));
        posgraph.push((await ask()).ms);
      }
    }

    const icash = sims.config.connections.find((connection) => connection.vendor === 'icash')!;
    const settings = icash.settings as { baseUrl: string; api_key: string; secret_key: string; WareHouseID: string; UserID: string };
    const probe = new IcashClient({ connection: icash.id, baseUrl: settings.baseUrl, credentials: settings, transport: new HttpTransport({ dispatcher: direct.agent }) });
    await probe.getPayTypes();
    const single: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      const started = performance.now();
      await probe.getPayTypes();
      single.push(performance.now() - started);
    }

    const p = (samples: number[]) => ({ p50: percentile(samples, 50), p95: percentile(samples, 95), samples });
    const result = { posgraphMs: p(posgraph), criticalPathMs: p(critical) };
    return {
      first,
      connections: options.connections ?? null,
      latencyMs,
      runs,
      ...result,
      rounds: roundsOf(clients, uses, first),
      oneCallMs: percentile(single, 50),
      p50Ratio: result.posgraphMs.p50 / result.criticalPathMs.p50,
      p95Ratio: result.posgraphMs.p95 / result.criticalPathMs.p95,
    };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.close();
    await direct.agent.close();
    await bench.close();
    await sims.reset();
  }
}
