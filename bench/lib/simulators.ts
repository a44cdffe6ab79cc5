/** The simulators' process, driven through the control routes every simulator serves (design.md). */
import type { GatewayConfig } from '../../src/config.ts';
import type { FaultRule, SimulatorStats, VendorId } from '../../src/simulators/server.ts';
import { startChild, type Child } from './child.ts';

export interface Simulators {
  readonly sales: number;
  readonly urls: Record<VendorId, string>;
  readonly config: GatewayConfig;
  readonly child: Child<unknown>;
  /** Clears request counts and faults on all four. */
  reset(): Promise<void>;
  stats(): Promise<Record<VendorId, SimulatorStats>>;
  addFault(rule: FaultRule): Promise<void>;
  stop(): Promise<void>;
}

/** Routes that open a session rather than read data: paid once per connection, not per query. */
export const AUTH_ROUTES = /\/(access_token|login|getAuthToken\.php)$/;

export async function startSimulators(sales: number): Promise<Simulators> {
  const child = await startChild<{ sales: number; urls: Record<VendorId, string>; config: GatewayConfig }>('simulators.ts', { args: [String(sales)], timeoutMs: 300_000 });
  const { urls, config } = child.ready;
  const each = async <T>(path: string, init?: RequestInit): Promise<Record<VendorId, T>> => {
    const entries = await Promise.all(
      Object.entries(urls).map(async ([vendor, url]) => {
        const response = await fetch(`${url}${path}`, init);
        if (!response.ok) throw new Error(`${vendor} simulator ${path}: HTTP ${response.status}`);
        return [vendor, (await response.json()) as T] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<VendorId, T>;
  };
  return {
    sales,
    urls,
    config,
    child,
    reset: async () => {
      await each('/__sim/reset', { method: 'POST' });
    },
    stats: () => each<SimulatorStats>('/__sim/stats'),
    addFault: async (rule) => {
      await each('/__sim/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    },
    stop: () => child.stop(),
  };
}

/** Vendor calls of a stats snapshot, sessions (logins, tokens) left out and counted apart. */
export function dataCalls(stats: SimulatorStats): { calls: number; auth: number; byRoute: Record<string, number> } {
  let calls = 0;
  let auth = 0;
  const byRoute: Record<string, number> = {};
  for (const [route, count] of Object.entries(stats.byRoute)) {
    if (AUTH_ROUTES.test(route)) auth += count;
    else {
      calls += count;
      byRoute[route] = count;
    }
  }
  return { calls, auth, byRoute };
}
