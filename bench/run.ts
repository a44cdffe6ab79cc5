/**
 * `npm run bench` — posgraph measured side by side, on loopback, against the vendor
 * simulators: vendor calls against a naive gateway and against the contract minimum,
 * latency against the critical path, requests per second against a bare graphql-yoga server
 * and GraphQL Hive Gateway, keep-alive and memory under load, and how calls and latency
 * grow with the dataset. Ratios, not absolute times: each is measured within one run.
 *
 *   npm run bench                      full (minutes)
 *   npm run bench -- --quick           the same figures, shorter runs (under a minute)
 *   npm run bench -- --only=latency    one section (calls, latency, throughput, load, scaling);
 *                                      its figures are merged into bench/results.json
 *
 * Prints a table (each figure with the command that reproduces it) and writes
 * bench/results.json. What each figure means and how the minimum and the critical path are
 * worked out: bench/README.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureCalls, type CallsResult } from './phases/calls.ts';
import { measureLatency, type LatencyResult } from './phases/latency.ts';
import { measureLoad, startLoadServer, type LoadResult, type LoadServer } from './phases/load.ts';
import { measureScaling, type ScalingPoint } from './phases/scaling.ts';
import { measureThroughput, startThroughputServers, type ThroughputResult, type ThroughputServers } from './phases/throughput.ts';
import { startSimulators, type Simulators } from './lib/simulators.ts';
import { round } from './lib/stats.ts';

// The gateways' request logs would measure the terminal; the servers under test log warnings only.
process.env.LOG_LEVEL ??= 'warn';

const SECTIONS = ['calls', 'latency', 'throughput', 'load', 'scaling'] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((arg) => arg.startsWith('--only='));
const only = onlyArg ? (onlyArg.slice('--only='.length).split(',') as Section[]) : [...SECTIONS];
for (const section of only) if (!SECTIONS.includes(section)) throw new Error(`--only takes ${SECTIONS.join(', ')}; got "${section}"`);
const unknown = args.filter((arg) => arg !== '--quick' && !arg.startsWith('--only='));
if (unknown.length) throw new Error(`unknown argument(s) ${unknown.join(' ')}; use --quick and/or --only=${SECTIONS.join(',')}`);

const PROFILE = quick
  ? {
      sales: 5_000,
      first: 100,
      latency: { runs: 3, latencyMs: 40, perConnection: false },
      throughput: { connections: 100, seconds: 1.5, rounds: 1, warmupSeconds: 1, queries: ['sales'] as const },
      load: { clients: 100, seconds: 4, warmupSeconds: 1, first: 10, overloaded: false },
      scaling: { sizes: [1_000, 5_000], runs: 2, prestart: true },
    }
  : {
      sales: 5_000,
      first: 100,
      latency: { runs: 30, latencyMs: 40, perConnection: true },
      throughput: { connections: 100, seconds: 10, rounds: 2, warmupSeconds: 5, queries: ['sales', 'items'] as const },
      load: { clients: 100, seconds: 30, warmupSeconds: 5, first: 10, overloaded: true },
      scaling: { sizes: [1_000, 10_000, 100_000], runs: 5, prestart: false },
    };

const command = (section: Section) => `npm run bench -- ${quick ? '--quick ' : ''}--only=${section}`;
const log = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = (() => {
  const started = performance.now();
  return () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
})();

interface Results {
  calls?: CallsResult;
  latency?: LatencyResult;
  latencyPerConnection?: LatencyResult[];
  throughput?: ThroughputResult;
  load?: LoadResult;
  loadThreeVendors?: LoadResult;
  scaling?: ScalingPoint[];
}

const results: Results = {};
let sims: Simulators | undefined;
let servers: Promise<ThroughputServers> | undefined;
let loadServer: Promise<LoadServer> | undefined;
// --quick starts its small scaling simulators early too (1,000 sales load in a second or two).
const prestarted = new Map<number, Promise<Simulators>>();
try {
  log(`posgraph benchmark (${quick ? 'quick' : 'full'}): ${only.join(', ')}`);
  sims = await startSimulators(PROFILE.sales);
  log(`[${elapsed()}] simulators up: ${PROFILE.sales} sales per vendor`);
  // Servers under test take seconds to load (Hive Gateway about eight). The full run starts
  // them while calls are counted (counts do not depend on time), so they are up and idle
  // before anything is timed; --quick starts them during the latency runs, which mostly wait
  // on the simulators' 40 ms delays — cheaper, at the price of some noise in those runs.
  const startEarly = (simulators: Simulators) => {
    if (only.includes('throughput')) servers = startThroughputServers(simulators);
    if (only.includes('load')) loadServer = startLoadServer(simulators);
    if (only.includes('scaling') && PROFILE.scaling.prestart) {
      for (const size of PROFILE.scaling.sizes) if (size !== PROFILE.sales) prestarted.set(size, startSimulators(size));
    }
  };
  if (!quick || !only.includes('latency')) startEarly(sims);

  if (only.includes('calls')) {
    results.calls = await measureCalls(sims, { first: PROFILE.first });
    log(`[${elapsed()}] calls: posgraph ${results.calls.posgraph.total}, naive ${results.calls.naive.total}, minimum ${results.calls.minimum.total}`);
  }
  if (quick && only.includes('latency')) startEarly(sims);
  else if (servers || loadServer) {
    await Promise.all([servers?.catch(() => undefined), loadServer?.catch(() => undefined)]);
    log(`[${elapsed()}] servers under test up`);
  }
  if (only.includes('latency')) {
    results.latency = await measureLatency(sims, { first: PROFILE.first, runs: PROFILE.latency.runs, latencyMs: PROFILE.latency.latencyMs });
    log(`[${elapsed()}] latency: posgraph p50 ${results.latency.posgraphMs.p50.toFixed(0)} ms, critical path p50 ${results.latency.criticalPathMs.p50.toFixed(0)} ms`);
    if (PROFILE.latency.perConnection) {
      results.latencyPerConnection = [];
      for (const connection of sims.config.connections) {
        const one = await measureLatency(sims, { first: 20, runs: 10, latencyMs: PROFILE.latency.latencyMs, connections: [connection.id] });
        results.latencyPerConnection.push(one);
        log(`[${elapsed()}]   ${connection.id} alone (20 sales): p50 ${one.posgraphMs.p50.toFixed(0)} ms vs ${one.criticalPathMs.p50.toFixed(0)} ms`);
      }
    }
  }
  if (only.includes('throughput')) {
    const started = await servers!;
    try {
      results.throughput = await measureThroughput(sims, started, PROFILE.throughput);
    } finally {
      await started.stop();
    }
    const { sales, items } = results.throughput;
    log(`[${elapsed()}] throughput (sales): bare ${sales.rps.bareYoga?.toFixed(0)}, posgraph ${sales.rps.posgraph?.toFixed(0)}, hive ${sales.rps.hiveGateway?.toFixed(0) ?? '—'} req/s`);
    if (items) log(`[${elapsed()}] throughput (items): bare ${items.rps.bareYoga?.toFixed(0)}, posgraph ${items.rps.posgraph?.toFixed(0)}, hive ${items.rps.hiveGateway?.toFixed(0) ?? '—'} req/s`);
  }
  if (only.includes('load')) {
    const { clients, seconds, warmupSeconds, first } = PROFILE.load;
    results.load = await measureLoad(sims, { clients, seconds, warmupSeconds, first, vendors: ['tactill'] }, loadServer);
    loadServer = undefined;
    log(`[${elapsed()}] load (Tactill): ${results.load.run.rps.toFixed(0)} req/s, ${results.load.vendorRequests} vendor requests, ${results.load.agentConnectionsOpened} connections opened, peak RSS ${results.load.rssMb.peak.toFixed(0)} MB`);
    if (PROFILE.load.overloaded) {
      results.loadThreeVendors = await measureLoad(sims, { clients, seconds, warmupSeconds, first, vendors: ['incocloud', 'kash', 'tactill'] });
      const l = results.loadThreeVendors;
      log(`[${elapsed()}] load (IncoCloud, Kash, Tactill): ${l.run.rps.toFixed(0)} req/s, ${l.vendorRequests} vendor requests, ${l.agentConnectionsOpened} connections opened, peak RSS ${l.rssMb.peak.toFixed(0)} MB`);
    }
  }
  if (only.includes('scaling')) {
    log(`[${elapsed()}] scaling: ${PROFILE.scaling.sizes.join(', ')} sales`);
    results.scaling = await measureScaling(PROFILE.scaling.sizes, { runs: PROFILE.scaling.runs, reuse: sims, reuseCalls: results.calls, prestarted, log });
    prestarted.clear();
  }
} finally {
  if (servers) await servers.then((started) => started.stop()).catch(() => undefined);
  if (loadServer) await loadServer.then((child) => child.stop()).catch(() => undefined);
  for (const pending of prestarted.values()) await pending.then((started) => started.stop()).catch(() => undefined);
  await sims?.stop();
}

// ------------------------------------------------------------------------------- report

interface Figure {
  readonly key: string;
  readonly value: number | null;
  readonly goal: string;
  readonly met: boolean | null;
  readonly section: Section;
  readonly what: string;
}

const figures: Figure[] = [];
const figure = (key: string, value: number | null, goal: string, test: ((value: number) => boolean) | null, section: Section, what: string) =>
  figures.push({ key, value: value === null || !Number.isFinite(value) ? null : round(value, 2), goal, met: value === null || !test || !Number.isFinite(value) ? null : test(value), section, what });

if (results.calls) {
  const c = results.calls;
  figure('upstreamCallRatio', c.upstreamCallRatio, '≥ 10', (v) => v >= 10, 'calls', `naive ${c.naive.total} / posgraph ${c.posgraph.total} vendor calls, nested query, ${c.first} sales over 4 connections`);
  figure('upstreamCallsOverMinimum', c.upstreamCallsOverMinimum, '≤ 1.1', (v) => v <= 1.1, 'calls', `posgraph ${c.posgraph.total} / contract minimum ${c.minimum.total}`);
}
if (results.latency) {
  const l = results.latency;
  const what = (p: 'p50' | 'p95') => `${l.posgraphMs[p].toFixed(0)} / ${l.criticalPathMs[p].toFixed(0)} ms, ${l.latencyMs} ms per vendor call, ${l.runs} runs`;
  figure('latencyP50Ratio', l.p50Ratio, '≤ 1.05', (v) => v <= 1.05, 'latency', what('p50'));
  figure('latencyP95Ratio', l.p95Ratio, '≤ 1.15', (v) => v <= 1.15, 'latency', what('p95'));
}
if (results.throughput) {
  const t = results.throughput;
  figure('rpsVsBareYoga', t.sales.rpsVsBareYoga, '≥ 0.85', (v) => v >= 0.85, 'throughput', `${t.sales.rps.posgraph?.toFixed(0)} / ${t.sales.rps.bareYoga?.toFixed(0)} req/s, 10 Tactill sales, ${t.connections} clients`);
  figure('rpsVsHiveGateway', t.sales.rpsVsHiveGateway, '≥ 3', (v) => v >= 3, 'throughput', t.sales.rps.hiveGateway ? `${t.sales.rps.posgraph?.toFixed(0)} / ${t.sales.rps.hiveGateway.toFixed(0)} req/s, same question` : `null: ${t.hiveGatewayError}`);
  // With the caches npm start has; the goals above compare gateways that both ask the vendor every time.
  figure('cachedRpsVsBareYoga', t.sales.cachedRpsVsBareYoga, 'reported', null, 'throughput', `${t.sales.rps.posgraphCached?.toFixed(0)} / ${t.sales.rps.bareYoga?.toFixed(0)} req/s, posgraph with its response cache`);
  figure('cachedRpsVsHiveGateway', t.sales.cachedRpsVsHiveGateway, 'reported', null, 'throughput', t.sales.rps.hiveGateway ? `${t.sales.rps.posgraphCached?.toFixed(0)} / ${t.sales.rps.hiveGateway.toFixed(0)} req/s, Hive Gateway uncached` : `null: ${t.hiveGatewayError}`);
}
if (results.load) {
  const l = results.load;
  figure('newConnectionsPer1000', l.newConnectionsPer1000, '≤ 2', (v) => v <= 2, 'load', `${l.agentConnectionsOpened} opened / ${l.vendorRequests} vendor requests, ${l.clients} clients × ${l.seconds} s, Tactill nested query`);
  figure('rssMb', l.rssMb.peak, 'reported', null, 'load', `peak RSS, ${l.clients} clients × ${l.seconds} s, Tactill nested query (idle ${l.rssMb.idle.toFixed(0)} MB)`);
}

const cell = (value: unknown) => (value === null || value === undefined ? '—' : String(value));
function table(rows: unknown[][]): string {
  const text = rows.map((row) => row.map(cell));
  const widths = text[0]!.map((_, column) => Math.max(...text.map((row) => row[column]!.length)));
  return text.map((row) => row.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

log('');
log(table([['figure', 'value', 'goal', 'met', 'measured', 'reproduce'], ...figures.map((f) => [f.key, f.value ?? 'null', f.goal, f.met === null ? '' : f.met ? 'yes' : 'NO', f.what, command(f.section)])]));

if (results.calls) {
  const c = results.calls;
  log('');
  log(`vendor calls per connection (${command('calls')})`);
  log(
    table([
      ['connection', 'sales', 'posgraph', 'repeat', 'naive', 'minimum', 'minimum is'],
      ...c.minimum.perConnection.map((plan) => [
        plan.connection,
        c.sales[plan.connection],
        c.posgraph.perConnection[plan.connection]?.calls,
        c.posgraphRepeat.perConnection[plan.connection]?.calls,
        c.naive.perConnection[plan.connection]?.calls,
        plan.calls,
        plan.parts.filter((part) => part.calls > 0).map((part) => `${part.calls} ${part.what}`).join(' + '),
      ]),
      ['all four', Object.values(c.sales).reduce((a, b) => a + b, 0), c.posgraph.total, c.posgraphRepeat.total, c.naive.total, c.minimum.total, ''],
    ]),
  );
}
if (results.latency) {
  const rows = [results.latency, ...(results.latencyPerConnection ?? [])];
  log('');
  log(`latency with ${results.latency.latencyMs} ms per vendor call (${command('latency')})`);
  log(
    table([
      ['query', 'posgraph p50', 'p95', 'critical path p50', 'p95', 'rounds × one call', 'p50 ratio', 'p95 ratio'],
      ...rows.map((l) => [
        `${l.first} sales, ${l.connections ? l.connections.join(',') : 'all four'}`,
        `${l.posgraphMs.p50.toFixed(0)} ms`,
        `${l.posgraphMs.p95.toFixed(0)} ms`,
        `${l.criticalPathMs.p50.toFixed(0)} ms`,
        `${l.criticalPathMs.p95.toFixed(0)} ms`,
        `${l.rounds} × ${l.oneCallMs.toFixed(1)} = ${(l.rounds * l.oneCallMs).toFixed(0)} ms`,
        round(l.p50Ratio),
        round(l.p95Ratio),
      ]),
    ]),
  );
}
if (results.throughput) {
  const t = results.throughput;
  log('');
  log(`requests per second, ${t.connections} clients, ${t.rounds} × ${t.seconds} s per server (${command('throughput')})`);
  const row = (name: string, q: ThroughputResult['sales'] | null) => q && [
    name,
    q.rps.bareYoga?.toFixed(0),
    q.rps.posgraph?.toFixed(0),
    q.rps.posgraphCached?.toFixed(0),
    q.rps.hiveGateway?.toFixed(0) ?? 'null',
    round(q.posgraphVendorCallsPerRequest, 3),
    round(q.rpsVsBareYoga),
    q.rpsVsHiveGateway === null ? 'null' : round(q.rpsVsHiveGateway),
    round(q.cachedRpsVsBareYoga),
    q.cachedRpsVsHiveGateway === null ? 'null' : round(q.cachedRpsVsHiveGateway),
  ];
  log(
    table([
      ['query', 'bare yoga', 'posgraph', 'posgraph cached', 'Hive Gateway', 'posgraph vendor calls/request', 'vs bare', 'vs Hive', 'cached vs bare', 'cached vs Hive'],
      row('10 Tactill sales', t.sales)!,
      ...(t.items ? [row('10 Tactill items (snapshot)', t.items)!] : []),
    ]),
  );
  if (t.hiveGatewayError) log(`Hive Gateway: ${t.hiveGatewayError}`);
  const failures = [...Object.entries(t.sales.runs), ...Object.entries(t.items?.runs ?? {})].flatMap(([server, runs]) => runs.filter((run) => run.failures || run.errorAnswers).map(() => server));
  if (failures.length) log(`runs with failed or partial answers: ${failures.join(', ')}`);
}
if (results.load) {
  log('');
  log(`under load, nested query (today's ${results.load.first} newest sales), ${results.load.clients} clients × ${results.load.seconds} s (${command('load')})`);
  log(
    table([
      ['connections', 'req/s', 'p50', 'p99', 'failed', 'partial', 'vendor requests', 'opened (warm-up)', 'closed', 'sims accepted', 'per 1,000', 'RSS idle', 'peak', 'end'],
      ...[results.load, results.loadThreeVendors].filter((l): l is LoadResult => l !== undefined).map((l) => [
        l.connections.join(', '),
        l.run.rps.toFixed(0),
        `${l.run.latencyP50Ms} ms`,
        `${l.run.latencyP99Ms} ms`,
        l.run.failures,
        l.run.errorAnswers,
        l.vendorRequests,
        `${l.agentConnectionsOpened} (${l.warmupConnectionsOpened})`,
        l.socketsClosed,
        l.simulatorConnectionsAccepted,
        round(l.newConnectionsPer1000),
        `${l.rssMb.idle.toFixed(0)} MB`,
        `${l.rssMb.peak.toFixed(0)} MB`,
        `${l.rssMb.end.toFixed(0)} MB`,
      ]),
    ]),
  );
  for (const l of [results.load, results.loadThreeVendors]) {
    if (l && l.socketsClosed > 0) log(`sockets closed in the window (${l.connections.join(', ')}): ${Object.entries(l.closeReasons).map(([reason, count]) => `${count} × ${reason}`).join(', ')}`);
  }
}
if (results.scaling) {
  log('');
  log(`scaling, nested query (100 sales), no added latency (${command('scaling')})`);
  log(
    table([
      ['sales per vendor', 'posgraph calls', 'minimum', 'calls / minimum', 'posgraph p50', 'critical path p50', 'p50 ratio', ''],
      ...results.scaling.map((p) =>
        p.error
          ? [p.sales, '', '', '', '', '', '', `failed: ${p.error.slice(0, 120)}`]
          : [p.sales, p.posgraphCalls, p.minimumCalls, round(p.callsOverMinimum), `${p.posgraphP50Ms.toFixed(0)} ms`, `${p.criticalPathP50Ms.toFixed(0)} ms`, round(p.latencyP50Ratio), ''],
      ),
    ]),
  );
}

// ------------------------------------------------------------------------------- results.json

const path = fileURLToPath(new URL('./results.json', import.meta.url));
const previous = onlyArg && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>) : {};
const keys = Object.fromEntries(figures.map((f) => [f.key, f.value]));
const output = {
  ...previous,
  ...keys,
  ...(results.scaling ? { scaling: results.scaling } : {}),
  ...(results.throughput && results.throughput.sales.rpsVsHiveGateway === null ? { rpsVsHiveGatewayReason: results.throughput.hiveGatewayError } : {}),
  goals: { ...previous.goals, ...Object.fromEntries(figures.map((f) => [f.key, { goal: f.goal, met: f.met, measured: f.what, command: command(f.section) }])) },
  run: {
    ...previous.run,
    ...Object.fromEntries(only.map((section) => [section, { at: new Date().toISOString(), mode: quick ? 'quick' : 'full', command: command(section) }])),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version },
    note: 'Absolute numbers depend on the machine; the ratios, measured side by side in one run, are what matter.',
  },
  details: { ...previous.details, ...results },
};
writeFileSync(path, `${JSON.stringify(output, null, 2)}\n`);
log('');
log(`[${elapsed()}] wrote bench/results.json`);
process.exit(0);
