/** The Node interface, `node` / `nodes`, and how records are bound to their connection. */
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { NotFoundError } from '../core/errors.ts';
import { decodeGlobalId, encodeGlobalId, type NodeType } from '../core/ids.ts';
import type { EntityKind, EntityRecords } from '../core/model.ts';
import { builder } from './builder.ts';

/** A record as the schema sees it: the vendor's record plus the connection it came from. */
export type Bound<K extends EntityKind> = EntityRecords[K] & { readonly connectionId: string };

export function bind<R extends EntityRecords[EntityKind]>(connectionId: string, record: R): R & { readonly connectionId: string } {
  return { ...record, connectionId };
}

export const TYPE_OF_KIND: Record<EntityKind, NodeType> = {
  item: 'Item',
  sale: 'Sale',
  payment: 'Payment',
  customer: 'Customer',
  cashbook: 'Cashbook',
  booking: 'Booking',
  location: 'Location',
};
const KIND_OF_TYPE = Object.fromEntries(Object.entries(TYPE_OF_KIND).map(([kind, type]) => [type, kind])) as Record<NodeType, EntityKind>;

export function globalIdOf(node: Bound<EntityKind>): string {
  return encodeGlobalId({ type: TYPE_OF_KIND[node.kind], connection: node.connectionId, id: node.id });
}

export const NodeRef = builder.interfaceRef<Bound<EntityKind>>('Node').implement({
  description: 'An object with a global ID that `node(id:)` can fetch again.',
  resolveType: (node) => TYPE_OF_KIND[node.kind],
  fields: (t) => ({
    id: t.id({ description: 'Opaque; carries the connection and the vendor id.', resolve: globalIdOf }),
  }),
});

/** Loads the record behind a global ID, checking the connection is one this request may use. */
export async function loadNode<K extends EntityKind>(context: GatewayContext, id: string, kind?: K): Promise<Bound<K>> {
  const decoded = decodeGlobalId(id, kind ? TYPE_OF_KIND[kind] : undefined);
  // An ID of a connection the caller may not use looks exactly like one that does not exist.
  if (!context.connections.has(decoded.connection)) throw new NotFoundError(`No ${decoded.type} with ID ${JSON.stringify(id)}`);
  const entityKind = KIND_OF_TYPE[decoded.type] as K;
  const record = await context.loaders.load(decoded.connection, entityKind, decoded.id);
  if (!record) throw new NotFoundError(`No ${decoded.type} with ID ${JSON.stringify(id)}`);
  return bind(decoded.connection, record) as Bound<K>;
}

/** Loads a referenced record (a sale's customer, a line's item) on the same connection; null when absent. */
export async function loadRelated<K extends EntityKind>(context: GatewayContext, connectionId: string, kind: K, id: string | null): Promise<Bound<K> | null> {
  if (id === null) return null;
  const record = await context.loaders.load(connectionId, kind, id);
  return record ? (bind(connectionId, record) as Bound<K>) : null;
}

const MAX_NODES = 100;

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, context) => loadNode(context, String(id)),
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: `Up to ${MAX_NODES} nodes by ID, in the order asked; a missing one is null with its own error.`,
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_, { ids }, context) => {
      if (ids.length > MAX_NODES) {
        throw new GraphQLError(`nodes takes at most ${MAX_NODES} IDs, got ${ids.length}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      // An Error in a slot becomes that item's error; the others still resolve.
      return ids.map((id) => loadNode(context, String(id)).catch((error: unknown) => error as Error)) as never;
    },
  }),
}));
