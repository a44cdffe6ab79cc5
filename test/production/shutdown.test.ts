/**
 * Graceful shutdown of the real process — what `npm start` runs, in demo mode — stopped by a
 * signal while a query is in flight. The query is held in flight by latency injected on the
 * Kash simulator (its faults API), on the first call to its catalogue: the route the items
 * query needs and nothing else calls (the live pollers read orders).
 */
import { connect } from 'node:net';
import { Client, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { postJson, startProcess, startedGateway, stopAll, type RunningProcess } from './process.ts';

const ITEMS = '{ items(first: 2, filter: { text: "espresso" }) { totalCount sources { connection { vendor } status } edges { node { name } } } }';

function startGateway(env: Record<string, string> = {}): RunningProcess {
  return startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], { PORT: '0', ...env });
}

const KASH_CATALOGUE = '/workers/getPlus.php';

/** Sends the items query and resolves once the Kash simulator holds its catalogue call. */
async function queryHeldAtKash(origin: string, kash: string, latencyMs: number): Promise<{ answer: Promise<{ status: number; json: unknown }> }> {
  await postJson(`${kash}/__sim/faults`, { route: KASH_CATALOGUE, latencyMs, times: 1 });
  const answer = postJson(`${origin}/graphql`, { query: ITEMS });
  answer.catch(() => {});
  for (;;) {
    const stats = (await (await request(`${kash}/__sim/stats`)).body.json()) as { byRoute: Record<string, number> };
    if (Object.keys(stats.byRoute).some((route) => route.endsWith(` ${KASH_CATALOGUE}`))) return { answer };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function connectTo(origin: string): Promise<string> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

afterAll(stopAll);

describe('the gateway process on SIGTERM', () => {
  it('finishes the query in flight, says 503 on /ready, refuses new connections, and exits 0', async () => {
    const gateway = startGateway();
    const { origin, simulators } = await startedGateway(gateway);
    expect(origin, 'PORT=0 picks a free port, and the printed address is the bound one').not.toMatch(/:0$/);
    // A load balancer's probe on a kept-alive connection.
    const probe = new Client(origin, { keepAliveTimeout: 60_000 });
    try {
      expect((await probe.request({ method: 'GET', path: '/ready' })).statusCode).toBe(200);
      const { answer } = await queryHeldAtKash(origin, simulators.kash!, 5_000);

      gateway.child.kill('SIGTERM');
      await gateway.waitForLine(/"msg":"draining"/);
      const ready = await probe.request({ method: 'GET', path: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers.connection).toBe('close');
      expect(await connectTo(origin)).toBe('ECONNREFUSED');

      const { status, json } = await answer;
      expect(status).toBe(200);
      expect(json).toMatchObject({ data: { items: { totalCount: expect.any(Number), edges: [expect.anything(), expect.anything()] } } });
      expect((json as { errors?: unknown }).errors).toBeUndefined();
      expect((json as { data: { items: { sources: Array<{ status: string }> } } }).data.items.sources.map((source) => source.status)).toEqual(['OK', 'OK', 'OK', 'OK']);

      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      expect(gateway.logs('draining')).toEqual([expect.objectContaining({ signal: 'SIGTERM', graceMs: 10_000, inFlight: 1 })]);
      expect(gateway.logs('drained')).toEqual([expect.objectContaining({ finished: 2, cut: 0 })]);
      expect(gateway.logs('stopped')).toEqual([expect.objectContaining({ code: 0 })]);
      expect(gateway.logs('close failed')).toEqual([]);
    } finally {
      await probe.close();
    }
  });

  it('cuts a query still running when SHUTDOWN_GRACE_MS has passed, closes the rest, and exits 0', async () => {
    const gateway = startGateway({ SHUTDOWN_GRACE_MS: '300' });
    const { origin, simulators } = await startedGateway(gateway);
    const { answer } = await queryHeldAtKash(origin, simulators.kash!, 60_000);

    gateway.child.kill('SIGTERM');
    await expect(answer).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(gateway.logs('drained')).toEqual([expect.objectContaining({ finished: 0, cut: 1 })]);
    expect(gateway.logs('close failed')).toEqual([]);
  });

  it('exits at once on a second signal', async () => {
    const gateway = startGateway();
    const { origin, simulators } = await startedGateway(gateway);
    const { answer } = await queryHeldAtKash(origin, simulators.kash!, 60_000);

    gateway.child.kill('SIGTERM');
    await gateway.waitForLine(/"msg":"draining"/);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 143, signal: null });
    await expect(answer).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(gateway.logs('stopped')).toEqual([]);
  });
});
