/**
 * Calls and latency as the dataset grows (issue 7 §6): the nested query (100 sales across
 * the four connections) over simulators of 1k to 100k sales per vendor, each size in a
 * fresh simulators process. No added latency here: what grows is the vendors' own work
 * (lists that come whole, bigger answers to parse), measured against the critical path of
 * the same size. Timeouts and the per-request deadline are lengthened for these runs
 * (lib/gateway.ts), so a slow list is timed rather than cut off.
 */
import { measureCalls, type CallsResult } from './calls.ts';
import { measureLatency } from './latency.ts';
import { startSimulators, type Simulators } from '../lib/simulators.ts';

export interface ScalingPoint {
  readonly sales: number;
  readonly posgraphCalls: number;
  readonly minimumCalls: number;
  readonly callsOverMinimum: number;
  readonly posgraphP50Ms: number;
  readonly criticalPathP50Ms: number;
  readonly latencyP50Ratio: number;
  readonly simulatorsStartMs: number;
  readonly error?: string;
}

export async function measureScaling(sizes: readonly number[], options: { runs: number; reuse?: Simulators; reuseCalls?: CallsResult; prestarted?: Map<number, Promise<Simulators>>; log: (line: string) => void }): Promise<ScalingPoint[]> {
  const points: ScalingPoint[] = [];
  for (const sales of sizes) {
    const started = performance.now();
    const reused = options.reuse?.sales === sales;
    const sims = reused ? options.reuse! : await (options.prestarted?.get(sales) ?? startSimulators(sales));
    const simulatorsStartMs = reused || options.prestarted?.has(sales) ? 0 : performance.now() - started;
    try {
      // The main dataset's calls were counted already (same query, same counting).
      const calls = reused && options.reuseCalls?.first === 100 ? options.reuseCalls : await measureCalls(sims, { first: 100, naive: false });
      const latency = await measureLatency(sims, { first: 100, runs: options.runs, latencyMs: 0, longTimeouts: true });
      const point: ScalingPoint = {
        sales,
        posgraphCalls: calls.posgraph.total,
        minimumCalls: calls.minimum.total,
        callsOverMinimum: calls.upstreamCallsOverMinimum,
        posgraphP50Ms: latency.posgraphMs.p50,
        criticalPathP50Ms: latency.criticalPathMs.p50,
        latencyP50Ratio: latency.p50Ratio,
        simulatorsStartMs,
      };
      points.push(point);
      options.log(`  ${sales} sales: ${point.posgraphCalls} calls (minimum ${point.minimumCalls}), p50 ${point.posgraphP50Ms.toFixed(0)} ms vs critical path ${point.criticalPathP50Ms.toFixed(0)} ms`);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!;
      points.push({ sales, posgraphCalls: Number.NaN, minimumCalls: Number.NaN, callsOverMinimum: Number.NaN, posgraphP50Ms: Number.NaN, criticalPathP50Ms: Number.NaN, latencyP50Ratio: Number.NaN, simulatorsStartMs, error: message });
      options.log(`  ${sales} sales: failed: ${message}`);
    } finally {
      if (!reused) await sims.stop();
    }
  }
  return points;
}
