/**
 * What every resolver sees: the connections this request may use and its loaders, both
 * created per request. Failures of one source that do not fail a field (a connection down
 * in a merged list) are collected here and added to the response's `errors`.
 *
 * The request's signal fires when the client goes away or the request's deadline passes;
 * every vendor call of the request listens on it, so none starts after the deadline and
 * those in flight are aborted.
 */
import { GraphQLError } from 'graphql';
import type { Connection } from './core/connection.ts';
import { DEFAULT_REQUEST_DEADLINE_MS, withDeadline } from './core/deadline.ts';
import type { WriteStore } from './core/write-once.ts';
import { RequestLoaders } from './core/loaders.ts';
import { OPEN_TENANT, type Tenant } from './core/tenants.ts';
import type { LiveEvents } from './live/events.ts';
import type { GatewayCache } from './cache/gateway-cache.ts';

/** What lives as long as the gateway: connections and shared stores. */
export interface GatewayServices {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly idempotency: WriteStore;
  /** false only to measure a naive gateway (see RequestLoaders). */
  readonly batching?: boolean;
  /** How long one GraphQL request may take (default DEFAULT_REQUEST_DEADLINE_MS, 10 s). */
  readonly requestDeadlineMs?: number;
  /** The live-event log: subscriptions read it, our own writes publish to it. */
  readonly live?: LiveEvents;
  /** Entity and response caches shared across requests (src/cache/); none when absent. */
  readonly cache?: GatewayCache;
}

export interface GatewayContext {
  /** The caller's tenant id: idempotency keys and cached responses are scoped to it. */
  readonly tenant: string;
  /** The connections the caller's tenant may use; any other looks as if it did not exist. */
  readonly connections: ReadonlyMap<string, Connection>;
  readonly idempotency: WriteStore;
  readonly loaders: RequestLoaders;
  /** Fires at the request's deadline or when the client gives up. */
  readonly signal: AbortSignal;
  /** Errors of sources that failed while the field itself succeeded. */
  readonly sourceErrors: GraphQLError[];
  /** Absent when the gateway serves no live updates. */
  readonly live?: LiveEvents;
  /** Our own writes invalidate it (afterWrite); absent when nothing is cached. */
  readonly cache?: GatewayCache;
  /** The deadline of a request, and of each event a subscription delivers, in ms. */
  readonly requestDeadlineMs: number;
}

/**
 * `tenant` null: the gateway checks keys and this request carries no valid one. useTenantAuth
 * answers such requests 401 first; should one ever get here, it is refused rather than
 * served as the open tenant, which sees every connection.
 */
export function createContext(services: GatewayServices, signal?: AbortSignal, tenant: Tenant | null = OPEN_TENANT): GatewayContext {
  if (tenant === null) throw new GraphQLError('An API key is required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  const { idempotency, batching = true } = services;
  const connections = connectionsOf(services.connections, tenant);
  const requestDeadlineMs = services.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
  const deadline = withDeadline(signal, requestDeadlineMs);
  // The naive gateway (batching false) stays uncached, so benchmarks measure what batching saves.
  const cache = batching ? services.cache : undefined;
  return { tenant: tenant.id, connections, idempotency, loaders: new RequestLoaders(connections, { signal: deadline }, batching, cache?.entities), signal: deadline, sourceErrors: [], live: services.live, cache, requestDeadlineMs };
}

const scoped = new WeakMap<ReadonlyMap<string, Connection>, Map<Tenant, ReadonlyMap<string, Connection>>>();

/** A tenant's view of the connections, built once per tenant rather than per request. */
function connectionsOf(all: ReadonlyMap<string, Connection>, tenant: Tenant): ReadonlyMap<string, Connection> {
  if (!tenant.connections) return all;
  let perTenant = scoped.get(all);
  if (!perTenant) scoped.set(all, (perTenant = new Map()));
  let view = perTenant.get(tenant);
  if (!view) {
    view = new Map(tenant.connections.flatMap((id) => (all.has(id) ? [[id, all.get(id)!] as const] : [])));
    perTenant.set(tenant, view);
  }
  return view;
}
