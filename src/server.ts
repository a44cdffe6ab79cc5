/**
 * createGateway(connections) → a Yoga instance serving the schema over those connections.
 * It does not listen: main.ts (or a test) decides where it runs.
 *
 * The plugins run in this order on a request: log it, refuse it when overloaded, refuse
 * cross-site forms (CSRF) and non-persisted operations, then parse and validate under the
 * query limits, execute, and add the failed sources' errors. Every refusal happens before
 * the first resolver, so it costs no vendor call.
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from './context.ts';
import type { Connection } from './core/connection.ts';
import type { WriteStore } from './core/write-once.ts';
import { InMemoryIdempotencyStore } from './core/idempotency.ts';
import { createLogger, yogaLogger, type Logger } from './logger.ts';
import { useOverloadGuard } from './plugins/use-overload-guard.ts';
import { PERSISTED_PARAM_NAMES, usePersistedOperationsOnly } from './plugins/use-persisted-operations-only.ts';
import { DEFAULT_QUERY_LIMITS, useQueryLimits, type QueryLimits } from './plugins/use-query-limits.ts';
import { useRequestLog } from './plugins/use-request-log.ts';
import { useSourceErrors } from './plugins/use-source-errors.ts';
import { useTenantAuth } from './plugins/use-tenant-auth.ts';
import { OPEN_TENANT, type TenantDirectory } from './core/tenants.ts';
import { schema } from './schema/index.ts';
import { DEMO_QUERY } from './demo-query.ts';

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
  };
  const limits: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...Object.fromEntries(Object.entries(options.limits ?? {}).filter(([, value]) => value !== undefined)) };
  const logger = options.logger ?? createLogger();
  const plugins: Array<Plugin | Plugin<GatewayContext> | false> = [
    useRequestLog({ logger }),
    options.tenants !== undefined && useTenantAuth({ directory: options.tenants }),
    useOverloadGuard({ maxInFlight: limits.inFlight }),
    // Browsers send cross-site forms and plain GETs without a preflight; such a request must
    // carry a header a form cannot set. JSON POSTs (GraphiQL, every GraphQL client) pass.
    options.csrfPrevention !== false && useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
    options.persistedOperations !== undefined && usePersistedOperationsOnly({ operations: options.persistedOperations }),
    useQueryLimits({ ...limits, introspection: options.introspection }),
    useSourceErrors(),
  ];
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    // useTenantAuth already answered 401 to a request without a valid key.
    context: ({ request }) => createContext(services, request.signal, options.tenants ? options.tenants.authenticate(request.headers.get('authorization')) : OPEN_TENANT),
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
