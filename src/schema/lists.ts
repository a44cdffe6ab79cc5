/**
 * Relay connection types for every list, and the one resolver path they share: check the
 * arguments, pick the connections, run the merged pagination, prime the loaders with what
 * the lists brought, and report failed sources without failing the field.
 */
import type { ObjectRef } from '@pothos/core';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.ts';
import type { Connection } from '../core/connection.ts';
import { BadUserInputError, NotFoundError } from '../core/errors.ts';
import type { EntityFilters, EntityKind } from '../core/model.ts';
import { listMerged, type MergedEdge, type MergedPage } from '../core/pagination.ts';
import { builder } from './builder.ts';
import { SourceRef } from './connection.ts';
import { bind, type Bound } from './node.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const PageInfoRef = builder.objectRef<MergedPage<EntityKind>['pageInfo']>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export function listConnectionType<K extends EntityKind>(typeName: string, nodeRef: ObjectRef<Types, Bound<K>>) {
  const edgeRef = builder.objectRef<MergedEdge<K>>(`${typeName}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      // Pothos cannot see through the generic K; the shape is Bound<K> by construction.
      node: t.field({ type: nodeRef, resolve: (edge) => bind(edge.connectionId, edge.record) as never }),
    }),
  });
  return builder.objectRef<MergedPage<K>>(`${typeName}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [edgeRef], resolve: (page) => page.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (page) => page.pageInfo }),
      totalCount: t.int({ nullable: true, description: 'Matching records across the sources that answered; null when a vendor does not say.', resolve: (page) => page.totalCount }),
      sources: t.field({ type: [SourceRef], resolve: (page) => page.sources }),
    }),
  });
}

export const FIRST_DESCRIPTION = `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`;
export const AFTER_DESCRIPTION = 'The `endCursor` of the previous page of this same query.';

export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`, { argumentName: 'first' });
  }
  return size;
}

/**
 * The connections a list covers: all the caller may use, or those it named. A named one the
 * caller may not use (another tenant's, or none at all) is left out with a NOT_FOUND error
 * beside the data; the others are still listed.
 */
export function selectConnections(context: GatewayContext, ids: readonly (string | number)[] | null | undefined, info: GraphQLResolveInfo): Connection[] {
  if (ids === null || ids === undefined) return [...context.connections.values()];
  return [...new Set(ids.map(String))].flatMap((id) => {
    const connection = context.connections.get(id);
    if (connection) return [connection];
    const error = new NotFoundError(`No connection ${JSON.stringify(id)}`, { argumentName: 'connections' });
    context.sourceErrors.push(new GraphQLError(error.message, { path: pathOf(info), extensions: error.extensions, originalError: error }));
    return [];
  });
}

export interface ListArgs<K extends EntityKind> {
  readonly kind: K;
  readonly connections: readonly Connection[];
  /** The filter for one connection in its vendor's ids, or null to leave that connection out. */
  readonly filterFor: (connection: Connection) => EntityFilters[K] | null;
  readonly first: number | null | undefined;
  readonly after: string | null | undefined;
}

export async function resolveList<K extends EntityKind>(context: GatewayContext, info: GraphQLResolveInfo, args: ListArgs<K>): Promise<MergedPage<K>> {
  const first = pageSize(args.first);
  const sources = args.connections.flatMap((connection) => {
    const filter = args.filterFor(connection);
    return filter === null ? [] : [{ connection, filter }];
  });
  const page = await listMerged({ kind: args.kind, sources, first, after: args.after ?? null, signal: context.signal });
  for (const edge of page.edges) {
    const record = edge.record;
    // A sale from a list that omitted its lines must still be fetched in full later.
    if (record.kind !== 'sale' || (record.lines !== undefined && record.payments !== undefined)) {
      context.loaders.prime(edge.connectionId, args.kind, record);
    }
  }
  for (const source of page.sources) {
    if (source.error) {
      context.sourceErrors.push(
        new GraphQLError(source.error.message, { path: pathOf(info), extensions: source.error.extensions, originalError: source.error }),
      );
    }
  }
  return page;
}

function pathOf(info: GraphQLResolveInfo): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: GraphQLResolveInfo['path'] | undefined = info.path; at; at = at.prev) path.unshift(at.key);
  return path;
}

/** Decodes the global ID of a filter; a list filtered by another connection's record skips this one. */
export function vendorIdFor(connection: Connection, decoded: { connection: string; id: string } | undefined): string | null | undefined {
  if (decoded === undefined) return undefined;
  return decoded.connection === connection.id ? decoded.id : null;
}
