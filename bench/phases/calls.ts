/**
 * Vendor calls of one nested query (issue 7 §1), counted by the simulators: posgraph, the
 * naive gateway (the same schema and adapters with batching off: every field fetches its
 * own record, nothing shared), and the contract minimum (lib/minimum.ts). Each gateway gets
 * fresh connections, so no reference data is left over from an earlier query; sessions
 * (logins, tokens) are counted apart. Counting is not timing, so these gateways get the long
 * timeouts and deadline of the scaling runs: a slow machine must not turn a count into a
 * failure. The same query again on the same posgraph connections
 * is reported too (`posgraphRepeat`): what the adapters' reuse of reference data saves.
 */
import type { VendorId } from '../../src/simulators/server.ts';
import { assertNoErrors, createBenchGateway, execute } from '../lib/gateway.ts';
import { minimumCalls, type MinimumPlan } from '../lib/minimum.ts';
import { NESTED_SALES } from '../lib/queries.ts';
import { dataCalls, type Simulators } from '../lib/simulators.ts';
import { sum } from '../lib/stats.ts';
import { usesOf } from '../lib/usage.ts';

export interface CallCount {
  readonly total: number;
  /** Session calls (logins, tokens), not in `total`. */
  readonly sessions: number;
  readonly perConnection: Record<string, { calls: number; byRoute: Record<string, number> }>;
}

export interface CallsResult {
  readonly first: number;
  readonly sales: Record<string, number>;
  readonly posgraph: CallCount;
  readonly posgraphRepeat: CallCount;
  readonly naive: CallCount;
  readonly minimum: { total: number; perConnection: MinimumPlan[] };
  readonly naiveAnswerMatches: boolean;
  readonly upstreamCallRatio: number;
  readonly upstreamCallsOverMinimum: number;
}

async function counted(sims: Simulators, run: () => Promise<void>): Promise<CallCount> {
  await sims.reset();
  await run();
  const stats = await sims.stats();
  const perConnection: CallCount['perConnection'] = {};
  let sessions = 0;
  for (const [vendor, snapshot] of Object.entries(stats) as Array<[VendorId, (typeof stats)[VendorId]]>) {
    const counts = dataCalls(snapshot);
    sessions += counts.auth;
    const connection = sims.config.connections.find((candidate) => candidate.vendor === vendor)!.id;
    perConnection[connection] = { calls: counts.calls, byRoute: counts.byRoute };
  }
  return { total: sum(Object.values(perConnection).map((entry) => entry.calls)), sessions, perConnection };
}

export async function measureCalls(sims: Simulators, options: { first: number; naive?: boolean } = { first: 100 }): Promise<CallsResult> {
  const { first } = options;
  const variables = { first };
  const batched = createBenchGateway(sims.config, { longTimeouts: true });
  let answer: any;
  const posgraph = await counted(sims, async () => {
    const result = await execute(batched.gateway, NESTED_SALES, variables);
    assertNoErrors(result, 'posgraph nested query');
    answer = result.data;
  });
  const posgraphRepeat = await counted(sims, async () => {
    assertNoErrors(await execute(batched.gateway, NESTED_SALES, variables), 'posgraph nested query (repeat)');
  });
  await batched.close();

  let naiveAnswer: any;
  const naive =
    options.naive === false
      ? { total: Number.NaN, sessions: 0, perConnection: {} }
      : await counted(sims, async () => {
          const gateway = createBenchGateway(sims.config, { batching: false, longTimeouts: true });
          const result = await execute(gateway.gateway, NESTED_SALES, variables);
          assertNoErrors(result, 'naive nested query');
          naiveAnswer = result.data;
          await gateway.close();
        });

  const uses = usesOf(answer, sims.config);
  const plans = uses.map((use) => minimumCalls(use, first));
  const minimum = sum(plans.map((plan) => plan.calls));
  return {
    first,
    sales: Object.fromEntries(uses.map((use) => [use.connection, use.sales.length])),
    posgraph,
    posgraphRepeat,
    naive,
    minimum: { total: minimum, perConnection: plans },
    naiveAnswerMatches: naiveAnswer === undefined || JSON.stringify(naiveAnswer) === JSON.stringify(answer),
    upstreamCallRatio: naive.total / posgraph.total,
    upstreamCallsOverMinimum: posgraph.total / minimum,
  };
}
