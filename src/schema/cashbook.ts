import { builder } from './builder.ts';
import { VendorConnectionRef } from './connection.ts';
import { AFTER_DESCRIPTION, FIRST_DESCRIPTION, listConnectionType, resolveList, selectConnections } from './lists.ts';
import { LocationRef } from './location.ts';
import { MoneyRef } from './money.ts';
import { loadRelated, NodeRef, type Bound } from './node.ts';

export const CashbookStateEnum = builder.enumType('CashbookState', { values: ['OPEN', 'CLOSED'] as const });

export const CashbookRef = builder.objectRef<Bound<'cashbook'>>('Cashbook').implement({
  description: 'A till session from opening to closing; where a vendor only has registers, the register.',
  interfaces: [NodeRef],
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true }),
    state: t.field({ type: CashbookStateEnum, nullable: true, description: 'null where the vendor has registers but no sessions.', resolve: (c) => c.state }),
    openedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.openedAt }),
    closedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.closedAt }),
    openingAmount: t.field({ type: MoneyRef, nullable: true, resolve: (c) => c.openingAmount }),
    closingAmount: t.field({ type: MoneyRef, nullable: true, resolve: (c) => c.closingAmount }),
    location: t.field({ type: LocationRef, nullable: true, resolve: (c, _, context) => loadRelated(context, c.connectionId, 'location', c.locationId) }),
    connection: t.field({ type: VendorConnectionRef, resolve: (c, _, context) => context.connections.get(c.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (c) => c.raw }),
  }),
});

const CashbookFilterInput = builder.inputType('CashbookFilter', {
  fields: (t) => ({
    state: t.field({ type: CashbookStateEnum }),
    from: t.field({ type: 'DateTime', description: 'Opened at or after.' }),
    to: t.field({ type: 'DateTime', description: 'Opened at or before.' }),
  }),
});

const CashbookConnectionRef = listConnectionType<'cashbook'>('Cashbook', CashbookRef);

builder.queryFields((t) => ({
  cashbooks: t.field({
    type: CashbookConnectionRef,
    description: 'Cashbooks of every connection, newest opening first.',
    args: {
      connections: t.arg.idList(),
      filter: t.arg({ type: CashbookFilterInput }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    resolve: (_, args, context, info) =>
      resolveList(context, info, {
        kind: 'cashbook',
        connections: selectConnections(context, args.connections, info),
        filterFor: () => ({ state: args.filter?.state ?? undefined, from: args.filter?.from?.toISOString(), to: args.filter?.to?.toISOString() }),
        first: args.first,
        after: args.after,
      }),
  }),
}));
