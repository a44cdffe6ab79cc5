/**
 * What every resolver sees: the connections this request may use and its loaders, both
 * created per request. Failures of one source that do not fail a field (a connection down
 * in a merged list) are collected here and added to the response's `errors`.
 */
import type { GraphQLError } from 'graphql';
import type { Connection } from './core/connection.ts';
import { RequestLoaders } from './core/loaders.ts';

export interface GatewayContext {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly loaders: RequestLoaders;
  readonly signal: AbortSignal | undefined;
  /** Errors of sources that failed while the field itself succeeded. */
  readonly sourceErrors: GraphQLError[];
}

export function createContext(connections: ReadonlyMap<string, Connection>, signal?: AbortSignal): GatewayContext {
  return { connections, loaders: new RequestLoaders(connections, { signal }), signal, sourceErrors: [] };
}
