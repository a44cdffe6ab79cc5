import { builder } from './builder.ts';
import { VendorConnectionRef } from './connection.ts';
import { CustomerRef } from './customer.ts';
import { ItemRef } from './item.ts';
import { AFTER_DESCRIPTION, FIRST_DESCRIPTION, listConnectionType, resolveList, selectConnections } from './lists.ts';
import { LocationRef } from './location.ts';
import { MoneyRef } from './money.ts';
import { loadRelated, NodeRef, type Bound } from './node.ts';

export const BookingRef = builder.objectRef<Bound<'booking'>>('Booking').implement({
  description: 'A reservation of rooms, tables or services.',
  interfaces: [NodeRef],
  fields: (t) => ({
    startsAt: t.field({ type: 'DateTime', resolve: (b) => b.startsAt }),
    endsAt: t.field({ type: 'DateTime', resolve: (b) => b.endsAt }),
    status: t.exposeString('status', { nullable: true }),
    total: t.field({ type: MoneyRef, nullable: true, resolve: (b) => b.total }),
    customer: t.field({ type: CustomerRef, nullable: true, resolve: (b, _, context) => loadRelated(context, b.connectionId, 'customer', b.customerId) }),
    location: t.field({ type: LocationRef, nullable: true, resolve: (b, _, context) => loadRelated(context, b.connectionId, 'location', b.locationId) }),
    items: t.field({
      type: [ItemRef],
      nullable: { list: false, items: true },
      resolve: (b, _, context) => b.itemIds.map((id) => loadRelated(context, b.connectionId, 'item', id)),
    }),
    connection: t.field({ type: VendorConnectionRef, resolve: (b, _, context) => context.connections.get(b.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (b) => b.raw }),
  }),
});

const BookingFilterInput = builder.inputType('BookingFilter', {
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Starting at or after.' }),
    to: t.field({ type: 'DateTime', description: 'Starting at or before.' }),
  }),
});

const BookingConnectionRef = listConnectionType<'booking'>('Booking', BookingRef);

builder.queryFields((t) => ({
  bookings: t.field({
    type: BookingConnectionRef,
    description: 'Bookings of every connection, latest start first.',
    args: {
      connections: t.arg.idList(),
      filter: t.arg({ type: BookingFilterInput }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    resolve: (_, args, context, info) =>
      resolveList(context, info, {
        kind: 'booking',
        connections: selectConnections(context, args.connections, info),
        filterFor: () => ({ from: args.filter?.from?.toISOString(), to: args.filter?.to?.toISOString() }),
        first: args.first,
        after: args.after,
      }),
  }),
}));
