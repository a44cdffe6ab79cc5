import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type VendorSimulator } from '../../src/simulators/server.ts';

/** A vendor of one route, enough to watch what the kit does around a handler. */
function echoVendor(): VendorSimulator & { expired: number } {
  return {
    vendor: 'tactill',
    expired: 0,
    credentials: () => ({ apiKey: 'k' }),
    counts: () => ({ items: 1, customers: 2, sales: 3, payments: 4, cashbooks: 5, bookings: 0 }),
    handle: (req) => {
      if (req.path === '/boom') throw new Error('handler bug');
      return { status: 200, body: { path: req.path, method: req.method, query: req.query.get('q'), body: req.body } };
    },
    errorResponse: (status, message) => ({ status, body: { status_code: status, error: 'Error', message } }),
    rateLimitResponse: (resetAt) => ({ status: 429, headers: { 'x-ratelimit-retry-after': resetAt.toISOString() }, body: { status_code: 429, message: 'Too Many Requests' } }),
    expireTokens() {
      this.expired += 1;
    },
  };
}

describe('simulator kit', () => {
  const vendor = echoVendor();
  let sim: RunningSimulator;
  const agent = new Agent({ keepAliveTimeout: 10_000 });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await request(`${sim.url}${path}`, {
      method: method as 'GET',
      dispatcher: agent,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sim = await startSimulator(vendor, { port: 0 });
  });
  afterAll(async () => {
    await sim.close();
    await agent.close();
  });
  beforeEach(() => sim.reset());

  it('serves /__sim/info with vendor, base URL, credentials and counts', async () => {
    const info = (await call('GET', '/__sim/info')).json();
    expect(info).toEqual({ vendor: 'tactill', baseUrl: sim.url, credentials: { apiKey: 'k' }, counts: { items: 1, customers: 2, sales: 3, payments: 4, cashbooks: 5, bookings: 0 } });
  });

  it('counts vendor requests per route, not control requests', async () => {
    await call('GET', '/a?q=1');
    await call('GET', '/a?q=2');
    await call('POST', '/b', { x: 1 });
    await call('GET', '/__sim/info');
    const stats = (await call('GET', '/__sim/stats')).json();
    expect(stats.total).toBe(3);
    expect(stats.byRoute).toEqual({ 'GET /a': 2, 'POST /b': 1 });
  });

  it('reuses kept-alive connections', async () => {
    for (let i = 0; i < 20; i += 1) await call('GET', '/a');
    expect(sim.stats().connections).toBeLessThanOrEqual(1);
  });

  it('answers injected errors in the vendor envelope, only on the matching route prefix', async () => {
    await call('POST', '/__sim/faults', { route: '/fail', errorRate: 1, errorStatus: 503 });
    const failed = await call('GET', '/fail/x');
    expect(failed.status).toBe(503);
    expect(failed.json()).toEqual({ status_code: 503, error: 'Error', message: 'Injected failure' });
    expect((await call('GET', '/ok')).status).toBe(200);
  });

  it('limits a fault to a method and to a number of requests', async () => {
    await call('POST', '/__sim/faults', { method: 'POST', errorRate: 1, times: 2 });
    expect((await call('GET', '/x')).status).toBe(200);
    expect((await call('POST', '/x')).status).toBe(500);
    expect((await call('POST', '/x')).status).toBe(500);
    expect((await call('POST', '/x')).status).toBe(200);
  });

  it('answers a burst of 429s with the vendor retry header, then recovers', async () => {
    await call('POST', '/__sim/faults', { rateLimitBurst: 2, rateLimitResetSeconds: 30 });
    const first = await call('GET', '/x');
    expect(first.status).toBe(429);
    const resetAt = Date.parse(String(first.headers['x-ratelimit-retry-after']));
    expect(resetAt).toBeGreaterThan(Date.now() + 20_000);
    expect((await call('GET', '/x')).status).toBe(429);
    expect((await call('GET', '/x')).status).toBe(200);
  });

  it('still answers under injected latency', async () => {
    await call('POST', '/__sim/faults', { latencyMs: 20, jitterMs: 5 });
    expect((await call('GET', '/slow')).json().path).toBe('/slow');
  });

  it('corrupts bodies: invalid JSON, or a body cut short with the connection dropped', async () => {
    await call('POST', '/__sim/faults', { route: '/bad', malformed: 'invalid' });
    const invalid = await call('GET', '/bad');
    expect(() => invalid.json()).toThrow(SyntaxError);
    sim.reset();
    await call('POST', '/__sim/faults', { route: '/cut', malformed: 'truncated' });
    await expect(call('GET', '/cut')).rejects.toThrow();
  });

  it('drops connections without answering', async () => {
    await call('POST', '/__sim/faults', { resetConnection: true, times: 1 });
    await expect(call('GET', '/x')).rejects.toMatchObject({ code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/) });
    expect((await call('GET', '/x')).status).toBe(200);
  });

  it('expires tokens as a one-off action', async () => {
    const before = vendor.expired;
    const answer = (await call('POST', '/__sim/faults', { expireTokens: true })).json();
    expect(vendor.expired).toBe(before + 1);
    expect(answer.faults).toEqual([]);
  });

  it('rejects an unknown fault field and keeps serving', async () => {
    const answer = await call('POST', '/__sim/faults', { errorRatio: 1 });
    expect(answer.status).toBe(400);
    expect((await call('GET', '/x')).status).toBe(200);
  });

  it('turns a handler bug into the vendor 500 and stays up', async () => {
    const original = console.error;
    console.error = () => {};
    try {
      const answer = await call('GET', '/boom');
      expect(answer.status).toBe(500);
      expect(answer.json().message).toBe('Internal error');
    } finally {
      console.error = original;
    }
    expect((await call('GET', '/x')).status).toBe(200);
  });

  it('clears stats and faults on reset', async () => {
    await call('POST', '/__sim/faults', { errorRate: 1 });
    await call('GET', '/x');
    await call('POST', '/__sim/reset');
    expect((await call('GET', '/__sim/stats')).json()).toMatchObject({ total: 0, byRoute: {} });
    expect((await call('GET', '/x')).status).toBe(200);
  });
});
