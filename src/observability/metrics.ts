/**
 * The gateway's Prometheus metrics, in prom-client's default registry so every part (the
 * HTTP transport, caches, breakers, retries) records into one place that `/metrics` serves.
 * Labels carry vendor and connection ids only: never a tenant's key, a URL or a query.
 */
import { Counter, Gauge, Histogram, register } from 'prom-client';
import type { BreakerState } from '../core/breaker.ts';

export const metricsRegistry = register;

export const upstreamRequests = new Counter({
  name: 'posgraph_upstream_requests_total',
  help: 'HTTP requests to vendors, by vendor, connection and outcome (HTTP status, or timeout, network, circuit_open, deadline, aborted when none came back).',
  labelNames: ['vendor', 'connection', 'status'] as const,
});

export const upstreamDuration = new Histogram({
  name: 'posgraph_upstream_request_duration_seconds',
  help: 'Time from sending a vendor request to its full response, by vendor, connection and outcome.',
  labelNames: ['vendor', 'connection', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const upstreamRetries = new Counter({
  name: 'posgraph_upstream_retries_total',
  help: 'Vendor reads tried again after a retryable failure, by vendor and connection.',
  labelNames: ['vendor', 'connection'] as const,
});

export const cacheLookups = new Counter({
  name: 'posgraph_cache_lookups_total',
  help: 'Cache lookups by cache (entity, response, token), entity kind and result (hit or miss).',
  labelNames: ['cache', 'kind', 'result'] as const,
});

/** The breakers `posgraph_breaker_state` reports, by vendor and connection id (the latest registered wins). */
const watchedBreakers = new Map<string, { readonly vendor: string; readonly connection: string; readonly breaker: { readonly state: BreakerState } }>();

const BREAKER_VALUES: Record<BreakerState, number> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };

export const breakerState = new Gauge({
  name: 'posgraph_breaker_state',
  help: "A connection's circuit breaker: 0 closed, 1 half-open, 2 open.",
  labelNames: ['vendor', 'connection'] as const,
  // Read at scrape time rather than kept in step with each transition: the breaker moves
  // from open to half-open lazily (on time, not on an event), and this way the gauge is exact.
  collect() {
    this.reset();
    for (const { vendor, connection, breaker } of watchedBreakers.values()) this.set({ vendor, connection }, BREAKER_VALUES[breaker.state]);
  },
});

/** Reports this connection's breaker in `posgraph_breaker_state`; a connection built again replaces it. */
export function watchBreaker(site: UpstreamSite, breaker: { readonly state: BreakerState }): void {
  watchedBreakers.set(`${site.vendor}\u0000${site.connection}`, { ...site, breaker });
}

export const graphqlErrors = new Counter({
  name: 'posgraph_graphql_errors_total',
  help: 'Errors sent to clients in GraphQL responses, by extensions.code (UNKNOWN when none).',
  labelNames: ['code'] as const,
});

export const graphqlHttpRequests = new Counter({
  name: 'posgraph_http_requests_total',
  help: 'HTTP requests to the GraphQL endpoint, by method and response status (refusals before parsing included: 401, 413, 503).',
  labelNames: ['method', 'status'] as const,
});

/** Who was called: a vendor id and a connection id, both from the configuration. */
export interface UpstreamSite {
  readonly vendor: string;
  readonly connection: string;
}

/**
 * One vendor request, sent or not: `status` is the HTTP status, or when no response came
 * an outcome — `timeout`, `network`, `circuit_open`, `deadline` (not sent: the deadline
 * passed before or while it queued behind the connection's limiter), `aborted` (the
 * client went away).
 */
export function recordUpstreamRequest(site: UpstreamSite, status: string, seconds: number): void {
  const labels = { vendor: site.vendor, connection: site.connection, status };
  upstreamRequests.inc(labels);
  upstreamDuration.observe(labels, seconds);
}
