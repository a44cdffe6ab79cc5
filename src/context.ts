/**
 * What every resolver sees: the connections this request may use and its loaders, both
 * created per request. Failures of one source that do not fail a field (a connection down
 * in a merged list) are collected here and added to the response's `errors`.
 *
 * The request's signal fires when the client goes away or the request's deadline passes;
 * every vendor call of the request listens on it, so none starts after the deadline and
 * those in flight are aborted.
 */
import type { GraphQLError } from 'graphql';
import type { Connection } from './core/connection.ts';
import { DEFAULT_REQUEST_DEADLINE_MS, withDeadline } from './core/deadline.ts';
import type { WriteStore } from './core/write-once.ts';
import { RequestLoaders } from './core/loaders.ts';

/** What lives as long as the gateway: connections and shared stores. */
export interface GatewayServices {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly idempotency: WriteStore;
  /** false only to measure a naive gateway (see RequestLoaders). */
  readonly batching?: boolean;
  /** How long one GraphQL request may take (default DEFAULT_REQUEST_DEADLINE_MS, 10 s). */
  readonly requestDeadlineMs?: number;
}

export interface GatewayContext {
  /** Idempotency keys and (later) data are scoped to the caller's tenant. */
  readonly tenant: string;
  readonly connections: ReadonlyMap<string, Connection>;
  readonly idempotency: WriteStore;
  readonly loaders: RequestLoaders;
  /** Fires at the request's deadline or when the client gives up. */
  readonly signal: AbortSignal;
  /** Errors of sources that failed while the field itself succeeded. */
  readonly sourceErrors: GraphQLError[];
}

export function createContext(services: GatewayServices, signal?: AbortSignal, tenant = 'default'): GatewayContext {
  const { connections, idempotency, batching = true } = services;
  const deadline = withDeadline(signal, services.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS);
  return { tenant, connections, idempotency, loaders: new RequestLoaders(connections, { signal: deadline }, batching), signal: deadline, sourceErrors: [] };
}
