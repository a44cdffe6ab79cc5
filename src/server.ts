/**
 * createGateway(connections) → a Yoga instance serving the schema over those connections.
 * It does not listen: main.ts (or a test) decides where it runs.
 *
 * The plugins run in this order on a request: answer probes (/ready) and scrapes (/metrics),
 * log it, answer vendors' webhooks, refuse it without a tenant's API key (401), refuse it
 * when overloaded, refuse cross-site forms (CSRF) and non-persisted operations, then parse
 * and validate under the query limits, execute (or answer from the response cache), add the
 * failed sources' errors, trace it, and number its SSE events. Every refusal happens before
 * the first resolver, so it costs no vendor call.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from './context.ts';
import type { Connection } from './core/connection.ts';
import type { WriteStore } from './core/write-once.ts';
import { InMemoryIdempotencyStore } from './core/idempotency.ts';
import { createLogger, yogaLogger, type Logger } from './logger.ts';
import { useOverloadGuard } from './plugins/use-overload-guard.ts';
import { PERSISTED_PARAM_NAMES, usePersistedOperationsOnly } from './plugins/use-persisted-operations-only.ts';
import { DEFAULT_QUERY_LIMITS, useQueryLimits, type QueryLimits } from './plugins/use-query-limits.ts';
import { useRequestLog } from './plugins/use-request-log.ts';
import { metricsEnabled, useMetrics } from './plugins/use-metrics.ts';
import { useOperationTracing } from './plugins/use-operation-tracing.ts';
import { useSourceErrors } from './plugins/use-source-errors.ts';
import { useSseEventIds } from './plugins/use-sse-event-ids.ts';
import { useTenantAuth } from './plugins/use-tenant-auth.ts';
import { useWebhooks } from './plugins/use-webhooks.ts';
import { OPEN_TENANT, type Tenant, type TenantDirectory } from './core/tenants.ts';
import { schema } from './schema/index.ts';
import { subgraphSchema } from './schema/subgraph.ts';
import { DEMO_QUERY } from './demo-query.ts';
import type { LiveEvents } from './live/events.ts';
import type { GatewayCache } from './cache/gateway-cache.ts';
import { useResponseCaching } from './cache/response-cache.ts';

export interface GatewayOptions {
  readonly connections: ReadonlyMap<string, Connection>;
  /** API keys and the connections of each tenant; without it no key is checked (demo mode, tests). */
  readonly tenants?: TenantDirectory;
  /** Where idempotency keys live; in memory (one process) unless given. */
  readonly idempotency?: WriteStore;
  readonly graphiql?: boolean;
  /** Ready-made GraphiQL tabs; the merged sales query alone by default. */
  readonly graphiqlTabs?: ReadonlyArray<{ query: string; variables?: string }>;
  /** false only to measure a naive gateway: no batching, no de-duplication. */
  readonly batching?: boolean;
  /** A GraphQL request's overall deadline: no vendor call starts after it, those in flight are aborted. */
  readonly requestDeadlineMs?: number;
  /** Each defaults to DEFAULT_GATEWAY_LIMITS; `false` switches a query limit off. */
  readonly limits?: Partial<GatewayLimits>;
  /** false refuses `__schema` / `__type` (INTROSPECTION_DISABLED). Default true. */
  readonly introspection?: boolean;
  /** When given, the only operations served (id → document); free text is refused. */
  readonly persistedOperations?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** false drops CSRF prevention (only for a gateway no browser can reach). Default true. */
  readonly csrfPrevention?: boolean;
  /** Structured logs; createLogger() (LOG_LEVEL) unless given. */
  readonly logger?: Logger;
  /** Prometheus metrics at `GET /metrics` (no API key). Default true unless `POSGRAPH_METRICS=off`. */
  readonly metrics?: boolean;
  /**
   * Whether `GET /ready` answers 200 (serving) or 503 (draining before a stop: a load balancer
   * sends new work elsewhere). Always ready unless given. `/health` (liveness) is always 200.
   */
  readonly ready?: () => boolean;
  /**
   * true serves the Apollo Federation v2 subgraph schema (`_entities`, `_service`, every Node
   * an entity keyed by its ID) for a router to compose. API keys apply as usual: the router
   * forwards the client's Authorization header. Default false.
   */
  readonly subgraph?: boolean;
  /**
   * The live-event log (src/live): enables the `saleCreated` / `cashbookChanged` subscriptions
   * and makes our own writes publish to it. Without it, subscribing answers LIVE_UPDATES_DISABLED.
   * Pollers that feed it are started by main.ts (src/live/poller.ts).
   */
  readonly live?: LiveEvents;
  /**
   * Entity and response caches (src/cache/, `new GatewayCache(settings, { redis })`). Off
   * unless given — main.ts turns it on — so tests count every vendor call; never used with
   * `batching: false`.
   */
  readonly cache?: GatewayCache;
}

/** The query limits plus the HTTP ones Yoga enforces itself. */
export interface GatewayLimits extends QueryLimits {
  /** Request body bytes; larger is 413 REQUEST_ENTITY_TOO_LARGE. */
  readonly bodyBytes: number;
  /** Operations in one batched request (a JSON array); more is 413. */
  readonly batch: number;
  /** GraphQL requests handled at once; past it 503 OVERLOADED with Retry-After. */
  readonly inFlight: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = { ...DEFAULT_QUERY_LIMITS, bodyBytes: 100_000, batch: 10, inFlight: 256 };

export type Gateway = YogaServerInstance<Record<string, never>, GatewayContext>;

export function createGateway(options: GatewayOptions): Gateway {
  const services = {
    connections: options.connections,
    idempotency: options.idempotency ?? new InMemoryIdempotencyStore(),
    batching: options.batching,
    requestDeadlineMs: options.requestDeadlineMs,
    live: options.live,
    cache: options.batching === false ? undefined : options.cache,
  };
  const limits: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, value]) => value !== undefined)) };
  const logger = options.logger ?? createLogger();
  // null: the gateway checks keys and this request has no valid one (useTenantAuth answers it 401).
  const tenantOf = (request: Request): Tenant | null => (options.tenants ? (options.tenants.ofRequest(request) ?? null) : OPEN_TENANT);
  const plugins: Array<Plugin | Plugin<GatewayContext> | false> = [
    // Probes are answered first, like /health: no log line, no API key.
    useReadinessCheck({ endpoint: '/ready', check: () => options.ready?.() ?? true }),
    // Scrapes are answered before the log: one line per GraphQL request, not per scrape.
    (options.metrics ?? metricsEnabled()) && useMetrics(),
    useRequestLog({ logger, tenantOf: (request) => tenantOf(request)?.id }),
    // Vendors' notifications (/webhooks/…) carry a secret in their URL, not an API key, and are answered here.
    options.live !== undefined && useWebhooks({ connections: options.connections, live: options.live, logger }),
    options.tenants !== undefined && useTenantAuth({ directory: options.tenants }),
    useOverloadGuard({ maxInFlight: limits.inFlight }),
    // Browsers send cross-site forms and plain GETs without a preflight; such a request must
    // carry a header a form cannot set. JSON POSTs (GraphiQL, every GraphQL client) pass.
    options.csrfPrevention !== false && useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
    options.persistedOperations !== undefined && usePersistedOperationsOnly({ operations: options.persistedOperations }),
    useQueryLimits({ ...limits, introspection: options.introspection }),
    useSourceErrors(),
    // After useSourceErrors, so the operation's span sees the failed sources' errors too.
    useOperationTracing(),
    useSseEventIds(),
    // After useSourceErrors: an answer with a failed source carries its error and is not cached.
    ...(services.cache ? useResponseCaching({ store: services.cache.responses, ttlSeconds: services.cache.ttlSeconds, tenantOf: (request) => tenantOf(request)?.id ?? null }) : []),
  ];
  return createYoga<Record<string, never>, GatewayContext>({
    schema: options.subgraph === true ? subgraphSchema : schema,
    // useTenantAuth already answered 401 to a request without a valid key.
    context: ({ request }) => createContext(services, request.signal, tenantOf(request)),
    plugins: plugins.filter((plugin) => plugin !== false),
    maxRequestBodySize: limits.bodyBytes,
    batching: { limit: limits.batch },
    extraParamNames: options.persistedOperations !== undefined ? [...PERSISTED_PARAM_NAMES] : undefined,
    // Never send stacks or internal messages, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    graphiql: options.graphiql === false ? false : { title: 'posgraph', defaultQuery: DEMO_QUERY, defaultTabs: options.graphiqlTabs ? [...options.graphiqlTabs] : undefined },
    // The GraphiQL bundle is inlined in the page, so it works with no CDN and no network.
    renderGraphiQL,
    landingPage: false,
    // Yoga reports masked (unexpected) errors here; the client sees only "Unexpected error.".
    logging: yogaLogger(logger),
  });
}
