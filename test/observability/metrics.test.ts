/**
 * `GET /metrics` (issue 8): Prometheus text on the gateway's port, no API key needed.
 * Every vendor request is counted by vendor, connection and HTTP status (or the outcome
 * when no response came) and timed; retries and breaker states show; GraphQL requests
 * and their errors are counted. Metrics live in one process-wide registry, so each check
 * compares two scrapes.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey, TenantDirectory } from '../../src/core/tenants.ts';
import { metricsEnabled } from '../../src/plugins/use-metrics.ts';
import { createGateway } from '../../src/server.ts';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, connectionOf, expectAllOk, expectFailedAlone, sales } from '../faults/support.ts';
import { demoCredentials, metricsUrl, scrape, type Scrape } from './support.ts';

const UPSTREAM = 'posgraph_upstream_requests_total';
const LATENCY = 'posgraph_upstream_request_duration_seconds';

const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);

/** Kash retries fast and stays closed; Tactill's breaker opens after 3 failures. */
const FAST_RETRY = { maxAttempts: 3, budgetWindowMs: 600_000, baseDelayMs: 1, maxDelayMs: 10 };
const RESILIENCE = {
  kash: { retry: FAST_RETRY, breaker: { failureThreshold: 100 } },
  tactill: { retry: FAST_RETRY, breaker: { failureThreshold: 3, halfOpenAfterMs: 1_000 } },
};

describe('/metrics over the four simulators', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());

  it('serves Prometheus text format 0.0.4 to a GET', async () => {
    const metrics = await scrape(stack);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.text).toContain('# TYPE posgraph_upstream_requests_total counter');
    expect(metrics.text).toContain('# TYPE posgraph_breaker_state gauge');
  });

  it('counts each vendor request of a merged query by vendor, connection and status 200, and times it', async () => {
    stack.resetSimulators();
    const before = await scrape(stack);
    expectAllOk(await sales(stack));
    const after = await scrape(stack);
    const calls = stack.upstreamCalls();
    for (const vendor of VENDOR_IDS) {
      const labels = { vendor, connection: connectionOf(vendor), status: '200' };
      // Exactly the requests the vendor's simulator received.
      expect(calls[vendor], vendor).toBeGreaterThan(0);
      expect(delta(before, after, UPSTREAM, labels), vendor).toBe(calls[vendor]);
      expect(delta(before, after, `${LATENCY}_count`, labels), vendor).toBe(calls[vendor]);
      expect(delta(before, after, `${LATENCY}_bucket`, { ...labels, le: '+Inf' }), vendor).toBe(calls[vendor]);
      expect(after.value(`${LATENCY}_bucket`, { ...labels, le: '10' })).toBe(after.value(`${LATENCY}_bucket`, { ...labels, le: '+Inf' }));
      expect(delta(before, after, `${LATENCY}_sum`, labels), vendor).toBeGreaterThan(0);
    }
    // The GraphQL request itself: one POST answered 200, one query named Sales executed.
    expect(delta(before, after, 'posgraph_http_requests_total', { method: 'POST', status: '200' })).toBe(1);
    expect(delta(before, after, 'graphql_yoga_http_duration_count', { operationName: 'Sales', operationType: 'query', statusCode: '200' })).toBe(1);
    expect(delta(before, after, 'graphql_envelop_phase_execute_count', { operationName: 'Sales', operationType: 'query' })).toBe(1);
  });

  it('labels a vendor 5xx with its status, counts the retries, and counts the GraphQL error by code', async () => {
    stack.resetSimulators();
    stack.demo.simulators.kash.addFault({ route: SALES_ROUTE.kash, errorRate: 1, errorStatus: 503 });
    const before = await scrape(stack);
    expectFailedAlone(await sales(stack), 'kash', 'VENDOR_UNAVAILABLE');
    const after = await scrape(stack);
    const kash = { vendor: 'kash', connection: connectionOf('kash') };
    // Three tries, all refused: three 503s, two of them retries.
    expect(callsTo(stack, 'kash', SALES_ROUTE.kash)).toBe(3);
    expect(delta(before, after, UPSTREAM, { ...kash, status: '503' })).toBe(3);
    expect(delta(before, after, 'posgraph_upstream_retries_total', kash)).toBe(2);
    expect(delta(before, after, 'posgraph_upstream_retries_total', { vendor: 'tactill' })).toBe(0);
    expect(delta(before, after, 'posgraph_graphql_errors_total', { code: 'VENDOR_UNAVAILABLE' })).toBe(1);
    stack.resetSimulators();
  });

  it('shows the breaker state: 0 closed, 2 open, 1 half-open, and calls refused while open as circuit_open', async () => {
    const tactill = { vendor: 'tactill', connection: connectionOf('tactill') };
    expect((await scrape(stack)).value('posgraph_breaker_state', tactill)).toBe(0);
    stack.demo.simulators.tactill.addFault({ errorRate: 1, errorStatus: 500 });
    expectFailedAlone(await sales(stack), 'tactill', 'VENDOR_UNAVAILABLE');
    const open = await scrape(stack);
    expect(open.value('posgraph_breaker_state', tactill)).toBe(2);
    for (const vendor of ['incocloud', 'kash', 'icash'] as const) expect(open.value('posgraph_breaker_state', { vendor, connection: connectionOf(vendor) }), vendor).toBe(0);

    expectFailedAlone(await sales(stack), 'tactill', 'VENDOR_CIRCUIT_OPEN');
    const refused = await scrape(stack);
    expect(delta(open, refused, UPSTREAM, { ...tactill, status: 'circuit_open' })).toBe(1);
    expect(delta(open, refused, UPSTREAM, { ...tactill, status: '500' })).toBe(0);

    // The open period passes: the next call would be the probe.
    await vi.waitFor(async () => expect((await scrape(stack)).value('posgraph_breaker_state', tactill)).toBe(1), { timeout: 5_000, interval: 100 });
    stack.resetSimulators();
    expectAllOk(await sales(stack));
    expect((await scrape(stack)).value('posgraph_breaker_state', tactill)).toBe(0);
  });

  it('puts no credential, URL or query text in any label', async () => {
    const metrics = await scrape(stack);
    const labelValues = [...metrics.text.matchAll(/="((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
    expect(labelValues.length).toBeGreaterThan(0);
    for (const value of labelValues) expect(value, value).not.toMatch(/[?{}]|https?:|\/\//);
    const credentials = demoCredentials(stack);
    expect(credentials.length).toBeGreaterThanOrEqual(4);
    for (const secret of credentials) expect(metrics.text).not.toContain(secret);
    expect(metrics.text).not.toContain('edges');
  });
});

describe('/metrics and API keys', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ gateway: { tenants: new TenantDirectory([{ id: 'acme', name: 'Acme', apiKeys: [hashApiKey('k-acme-0123456789')] }]) } });
  });
  afterAll(() => stack.close());

  it('answers a scraper without a key, while GraphQL requests without one are refused and counted', async () => {
    const before = await scrape(stack);
    expect(before.status).toBe(200);
    expect((await stack.query('{ __typename }')).status).toBe(401);
    const after = await scrape(stack);
    expect(delta(before, after, 'posgraph_http_requests_total', { method: 'POST', status: '401' })).toBe(1);
  });
});

describe('switching metrics off', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ gateway: { metrics: false } });
  });
  afterAll(() => stack.close());

  it('answers 404 at /metrics with `metrics: false`', async () => {
    const response = await request(metricsUrl(stack));
    await response.body.dump();
    expect(response.statusCode).toBe(404);
    expect((await stack.query('{ __typename }')).status).toBe(200);
  });

  it('answers 404 at /metrics with POSGRAPH_METRICS=off, and only a GET is served', async () => {
    expect(metricsEnabled({})).toBe(true);
    expect(metricsEnabled({ POSGRAPH_METRICS: 'on' })).toBe(true);
    for (const off of ['off', 'OFF', 'false', '0']) expect(metricsEnabled({ POSGRAPH_METRICS: off }), off).toBe(false);

    vi.stubEnv('POSGRAPH_METRICS', 'off');
    try {
      const gateway = createGateway({ connections: new Map(), graphiql: false });
      expect((await gateway.fetch('http://localhost/metrics')).status).toBe(404);
    } finally {
      vi.unstubAllEnvs();
    }
    const on = createGateway({ connections: new Map(), graphiql: false });
    expect((await on.fetch('http://localhost/metrics')).status).toBe(200);
    expect((await on.fetch('http://localhost/metrics', { method: 'POST' })).status).toBe(404);
  });
});
