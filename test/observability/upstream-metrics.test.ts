/**
 * How HttpTransport labels a vendor request in `posgraph_upstream_requests_total` when no
 * response came: a timeout, a cut connection, a caller that gave up, a call not sent because
 * its deadline had passed, a call refused by an open breaker. Against a real node:http server on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionBreaker } from '../../src/core/breaker.ts';
import { withDeadline } from '../../src/core/deadline.ts';
import { createHttpAgent, HttpTransport, routeTemplate } from '../../src/core/http.ts';
import { retryRead, RetryBudget } from '../../src/core/resilience.ts';
import { VendorUnavailableError } from '../../src/core/errors.ts';
import { upstreamDuration, upstreamRequests, upstreamRetries } from '../../src/observability/metrics.ts';

async function counted(connection: string): Promise<Record<string, number>> {
  const { values } = await upstreamRequests.get();
  return Object.fromEntries(values.filter((sample) => sample.labels.connection === connection).map((sample) => [String(sample.labels.status), sample.value]));
}

describe('upstream request outcomes', () => {
  let server: Server;
  let base: string;
  const agent = createHttpAgent().agent;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/hang')) return; // never answers
      if (req.url?.startsWith('/cut')) return void req.socket.destroy();
      res.writeHead(req.url?.startsWith('/down') ? 502 : 200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await agent.close();
  });

  it('counts a response by its status, and a failure by what happened', async () => {
    const site = { vendor: 'kash', connection: 'outcomes-1' };
    const transport = new HttpTransport({ dispatcher: agent, timeouts: { headersMs: 50, bodyMs: 50 } });
    const send = (path: string, signal?: AbortSignal) => transport.send(site, { method: 'GET', url: new URL(path, base), signal });
    await send('/ok?token=t');
    await send('/down');
    await expect(send('/hang')).rejects.toMatchObject({ code: 'VENDOR_TIMEOUT' });
    await expect(send('/cut')).rejects.toMatchObject({ code: 'VENDOR_CONNECTION_FAILED' });
    await expect(send('/ok', AbortSignal.abort())).rejects.toMatchObject({ code: 'VENDOR_TIMEOUT' });
    const expired = withDeadline(undefined, 1);
    await new Promise((resolve) => expired.addEventListener('abort', resolve, { once: true }));
    await expect(send('/ok', expired)).rejects.toMatchObject({ code: 'VENDOR_TIMEOUT' });
    expect(await counted('outcomes-1')).toEqual({ '200': 1, '502': 1, timeout: 1, network: 1, aborted: 1, deadline: 1 });
    const durations = (await upstreamDuration.get()).values.filter((sample) => sample.labels.connection === 'outcomes-1' && sample.metricName?.endsWith('_count'));
    expect(durations.reduce((sum, sample) => sum + sample.value, 0)).toBe(6);
  });

  it('labels calls an open breaker refused as circuit_open', async () => {
    const site = { vendor: 'tactill', connection: 'outcomes-2' };
    const transport = new HttpTransport({ dispatcher: agent, breaker: new ConnectionBreaker({ failureThreshold: 1, halfOpenAfterMs: 60_000 }) });
    await transport.send(site, { method: 'GET', url: new URL('/down', base) });
    await expect(transport.send(site, { method: 'GET', url: new URL('/ok', base) })).rejects.toMatchObject({ code: 'VENDOR_CIRCUIT_OPEN' });
    expect(await counted('outcomes-2')).toEqual({ '502': 1, circuit_open: 1 });
  });

  it('counts the retries of a read under its connection', async () => {
    const site = { vendor: 'icash', connection: 'outcomes-3' };
    const settings = { maxAttempts: 3, budgetPercent: 100, budgetFloor: 10, budgetWindowMs: 60_000, baseDelayMs: 0, maxDelayMs: 0 };
    let attempts = 0;
    await retryRead({ settings, budget: new RetryBudget(100, 10, 60_000), site }, undefined, async () => {
      attempts += 1;
      if (attempts < 3) throw new VendorUnavailableError({ ...site, status: 503, vendorMessage: 'busy' });
      return 'ok';
    });
    const retries = (await upstreamRetries.get()).values.find((sample) => sample.labels.connection === 'outcomes-3');
    expect(retries?.value).toBe(2);
  });

  it('names a vendor route without its query string and with ids as {id}', () => {
    expect(routeTemplate(new URL('http://v.example/api/sale?token=abc'))).toBe('/api/sale');
    expect(routeTemplate(new URL('http://v.example/v0/sales/12345/lines'))).toBe('/v0/sales/{id}/lines');
    expect(routeTemplate(new URL('http://v.example/v0/items/5f1b2c3d4e5f6a7b8c9d0e1f'))).toBe('/v0/items/{id}');
    expect(routeTemplate(new URL('http://v.example/customers/3fa85f64-5717-4562-b3fc-2c963f66afa6'))).toBe('/customers/{id}');
    expect(routeTemplate(new URL('http://v.example/workers/getOrders.php'))).toBe('/workers/getOrders.php');
  });
});
