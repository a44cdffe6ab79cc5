/**
 * posgraph as the benchmark runs it: the real gateway (createGateway) over fresh connections
 * to the simulators, with its own counting keep-alive agent.
 *
 * One setting differs from the defaults, for every posgraph figure: each connection's
 * limiter is opened (`ratePerSecond`/`burst` 100,000, `maxConcurrency` 64 = the agent's
 * sockets per origin). The defaults (20 calls/s, 8 in flight per vendor) protect real
 * vendors' quotas; the simulators have none (Tactill's is lifted), and a limiter would
 * measure itself — under load, one vendor at 20 calls/s caps the gateway at 20 requests/s.
 * The scaling runs and the call counts also lengthen timeouts and the per-request deadline
 * (`longTimeouts`), so that a slow 100k-sale list is timed instead of cut off.
 */
import type { ConnectionConfig, GatewayConfig } from '../../src/config.ts';
import { createConnections } from '../../src/config.ts';
import { createHttpAgent, HttpTransport, type AgentStats } from '../../src/core/http.ts';
import { GatewayCache } from '../../src/cache/gateway-cache.ts';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.ts';

export const BENCH_RESILIENCE = { ratePerSecond: 100_000, burst: 100_000, maxConcurrency: 64 } as const;
export const LONG_TIMEOUTS = { connectMs: 5_000, headersMs: 300_000, bodyMs: 300_000 } as const;
// Header and body timeouts only: a connect timeout here would give the connection an agent of its own.
export const SCALING_RESILIENCE = { ...BENCH_RESILIENCE, requestDeadlineMs: 600_000, timeouts: { headersMs: LONG_TIMEOUTS.headersMs, bodyMs: LONG_TIMEOUTS.bodyMs } } as const;

/** The configuration with a `resilience` block on every connection (ignored by a gateway without one). */
export function withResilience(config: GatewayConfig, resilience: object = BENCH_RESILIENCE): GatewayConfig {
  return { connections: config.connections.map((connection): ConnectionConfig => ({ ...connection, resilience }) as ConnectionConfig) };
}

export interface BenchGateway {
  readonly gateway: Gateway;
  readonly agent: AgentStats;
  /** Connections opened per vendor origin, and closed. */
  readonly sockets: { opened: Record<string, number>; closed: number; errors: number; reasons: Record<string, number> };
  close(): Promise<void>;
}

export function createBenchGateway(config: GatewayConfig, options: { batching?: boolean; longTimeouts?: boolean; cache?: boolean } = {}): BenchGateway {
  const { agent, stats } = createHttpAgent(options.longTimeouts ? LONG_TIMEOUTS : undefined);
  const sockets = { opened: {} as Record<string, number>, closed: 0, errors: 0, reasons: {} as Record<string, number> };
  agent.on('connect', (origin) => {
    sockets.opened[String(origin)] = (sockets.opened[String(origin)] ?? 0) + 1;
  });
  agent.on('disconnect', (_origin, _targets, error) => {
    sockets.closed += 1;
    const reason = `${(error as { code?: string } | undefined)?.code} ${(error as Error | undefined)?.message}`;
    sockets.reasons[reason] = (sockets.reasons[reason] ?? 0) + 1;
  });
  agent.on('connectionError', () => {
    sockets.errors += 1;
  });
  const connections = createConnections(withResilience(config, options.longTimeouts ? SCALING_RESILIENCE : BENCH_RESILIENCE), new HttpTransport({ dispatcher: agent }));
  // The in-memory caches of `npm start` (default TTLs), only where a figure says "cached".
  const gatewayOptions: GatewayOptions = { connections, batching: options.batching ?? true, graphiql: false, ...(options.cache ? { cache: new GatewayCache() } : {}) };
  return { gateway: createGateway(gatewayOptions), agent: stats, sockets, close: () => agent.close() };
}

export interface GraphQLAnswer {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** One operation in process (no socket): for counting calls, where time does not matter. */
export async function execute(gateway: Gateway, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer> {
  const response = await gateway.fetch('http://bench.local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLAnswer;
}

export function assertNoErrors(answer: GraphQLAnswer, what: string): asserts answer is { data: any } {
  if (answer.errors?.length || !answer.data) throw new Error(`${what} failed: ${JSON.stringify(answer.errors ?? answer).slice(0, 2000)}`);
}
