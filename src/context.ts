/**
 * What every resolver sees: the connections this request may use and its loaders, both
 * created per request. Failures of one source that do not fail a field (a connection down
 * in a merged list) are collected here and added to the response's `errors`.
 */
import { setMaxListeners } from 'node:events';
import type { GraphQLError } from 'graphql';
import type { Connection } from './core/connection.ts';
import type { WriteStore } from './core/write-once.ts';
import { RequestLoaders } from './core/loaders.ts';

/** What lives as long as the gateway: connections and shared stores. */
export interface GatewayServices {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly idempotency: WriteStore;
  /** false only to measure a naive gateway (see RequestLoaders). */
  readonly batching?: boolean;
}

export interface GatewayContext {
  /** Idempotency keys and (later) data are scoped to the caller's tenant. */
  readonly tenant: string;
  readonly connections: ReadonlyMap<string, Connection>;
  readonly idempotency: WriteStore;
  readonly loaders: RequestLoaders;
  readonly signal: AbortSignal | undefined;
  /** Errors of sources that failed while the field itself succeeded. */
  readonly sourceErrors: GraphQLError[];
}

export function createContext(services: GatewayServices, signal?: AbortSignal, tenant = 'default'): GatewayContext {
  const { connections, idempotency, batching = true } = services;
  // Every vendor call of the request listens on its signal; there are legitimately many.
  if (signal) setMaxListeners(0, signal);
  return { tenant, connections, idempotency, loaders: new RequestLoaders(connections, { signal }, batching), signal, sourceErrors: [] };
}
