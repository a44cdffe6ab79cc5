import type { Connection } from '../core/connection.ts';
import { builder } from './builder.ts';
import { VendorConnectionRef } from './connection.ts';
import { AFTER_DESCRIPTION, FIRST_DESCRIPTION, listConnectionType, resolveList, selectConnections } from './lists.ts';
import { MoneyRef } from './money.ts';
import { NodeRef, type Bound } from './node.ts';

export const ItemRef = builder.objectRef<Bound<'item'>>('Item').implement({
  description: 'Something a shop sells: a product, a weighed good or a service.',
  interfaces: [NodeRef],
  fields: (t) => ({
    name: t.exposeString('name'),
    code: t.exposeString('code', { nullable: true }),
    barcode: t.exposeString('barcode', { nullable: true }),
    price: t.field({ type: MoneyRef, description: 'Unit price (per kg for weighed goods), tax included.', resolve: (item) => item.price }),
    taxRate: t.field({ type: 'Decimal', nullable: true, description: 'Percent, e.g. "5.5".', resolve: (item) => item.taxRate }),
    category: t.exposeString('category', { nullable: true }),
    stock: t.field({ type: 'Decimal', nullable: true, resolve: (item) => item.stock }),
    connection: t.field({ type: VendorConnectionRef, resolve: (item, _, context) => context.connections.get(item.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (item) => item.raw }),
  }),
});

const ItemFilterInput = builder.inputType('ItemFilter', {
  fields: (t) => ({
    text: t.string({ description: 'Case-insensitive part of the name.' }),
    code: t.string(),
    barcode: t.string(),
    category: t.string({ description: 'Category name, case-insensitive.' }),
  }),
});

const ItemConnectionRef = listConnectionType<'item'>('Item', ItemRef);

builder.queryFields((t) => ({
  items: t.field({
    type: ItemConnectionRef,
    description: 'Items of every connection, by name then id.',
    args: {
      connections: t.arg.idList(),
      filter: t.arg({ type: ItemFilterInput }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    resolve: (_, args, context, info) =>
      resolveList(context, info, {
        kind: 'item',
        connections: selectConnections(context, args.connections, info),
        filterFor: (_connection: Connection) => ({
          text: args.filter?.text ?? undefined,
          code: args.filter?.code ?? undefined,
          barcode: args.filter?.barcode ?? undefined,
          category: args.filter?.category ?? undefined,
        }),
        first: args.first,
        after: args.after,
      }),
  }),
}));
