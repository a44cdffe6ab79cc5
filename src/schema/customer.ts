import { builder } from './builder.ts';
import { VendorConnectionRef } from './connection.ts';
import { AFTER_DESCRIPTION, FIRST_DESCRIPTION, listConnectionType, resolveList, selectConnections } from './lists.ts';
import { NodeRef, type Bound } from './node.ts';

export const CustomerRef = builder.objectRef<Bound<'customer'>>('Customer').implement({
  description: 'A shop customer (a person or a company).',
  interfaces: [NodeRef],
  fields: (t) => ({
    name: t.exposeString('name'),
    firstName: t.exposeString('firstName', { nullable: true }),
    lastName: t.exposeString('lastName', { nullable: true }),
    company: t.exposeString('company', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    vatNumber: t.exposeString('vatNumber', { nullable: true }),
    connection: t.field({ type: VendorConnectionRef, resolve: (customer, _, context) => context.connections.get(customer.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (customer) => customer.raw }),
  }),
});

const CustomerFilterInput = builder.inputType('CustomerFilter', {
  fields: (t) => ({ text: t.string({ description: 'Case-insensitive part of the name or e-mail.' }) }),
});

const CustomerConnectionRef = listConnectionType<'customer'>('Customer', CustomerRef);

builder.queryFields((t) => ({
  customers: t.field({
    type: CustomerConnectionRef,
    description: 'Customers of every connection, by name then id.',
    args: {
      connections: t.arg.idList(),
      filter: t.arg({ type: CustomerFilterInput }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    resolve: (_, args, context, info) =>
      resolveList(context, info, {
        kind: 'customer',
        connections: selectConnections(context, args.connections, info),
        filterFor: () => ({ text: args.filter?.text ?? undefined }),
        first: args.first,
        after: args.after,
      }),
  }),
}));
