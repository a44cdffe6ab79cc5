/**
 * Prometheus metrics of the gateway, served at `GET /metrics` on the gateway's own port.
 *
 * GraphQL operations are measured by the Guild's plugin (@graphql-yoga/plugin-prometheus:
 * `graphql_envelop_request_total` and `graphql_envelop_request_duration` by operation type
 * and name, the parse / validate / context / execute phases, `graphql_envelop_error_result`
 * by phase, and `graphql_yoga_http_duration` by operation, method and HTTP status); this
 * plugin adds `posgraph_http_requests_total` (every GraphQL HTTP request, those refused before
 * parsing included) and `posgraph_graphql_errors_total` by error code. Vendor calls, caches,
 * breakers and retries record themselves (observability/metrics.ts).
 *
 * The route needs no API key: a scraper has none, and the numbers name no tenant. No label
 * holds a URL, a query text or a field path (list indices would make them unbounded).
 */
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { graphqlErrors, graphqlHttpRequests, metricsRegistry } from '../observability/metrics.ts';

export interface MetricsOptions {
  /** Default `/metrics`. */
  readonly path?: string;
  readonly graphqlEndpoint?: string;
}

/** `POSGRAPH_METRICS=off` (or `false`, `0`) turns `/metrics` and the GraphQL metrics off. */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['off', 'false', '0'].includes((env.POSGRAPH_METRICS ?? '').trim().toLowerCase());
}

export function useMetrics({ path = '/metrics', graphqlEndpoint = '/graphql' }: MetricsOptions = {}): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        usePrometheus({
          registry: metricsRegistry,
          // Served below, only for GET, so a POST to /metrics is not an answer.
          endpoint: false,
          metrics: {
            // The summary repeats the duration histogram; the deprecation counter walks
            // every document with type info. Neither is worth its cost here.
            graphql_envelop_request_time_summary: false,
            graphql_envelop_deprecated_field: false,
            graphql_envelop_phase_subscribe: false,
          },
          labels: { url: false, path: false },
        }),
      );
    },
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== path || request.method !== 'GET') return undefined;
      return metricsRegistry.metrics().then((text) => {
        endResponse(new fetchAPI.Response(text, { status: 200, headers: { 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' } }));
      });
    },
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        if (isAsyncIterable(single)) continue;
        for (const error of single.errors ?? []) {
          const code = error.extensions?.code;
          graphqlErrors.inc({ code: typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'UNKNOWN' });
        }
      }
    },
    onResponse({ request, response }) {
      if (new URL(request.url, 'http://localhost').pathname !== graphqlEndpoint) return;
      graphqlHttpRequests.inc({ method: request.method === 'GET' || request.method === 'POST' ? request.method : 'OTHER', status: String(response.status) });
    },
  };
}
