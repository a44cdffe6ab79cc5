import { builder } from './builder.ts';
import { CashbookRef } from './cashbook.ts';
import { VendorConnectionRef } from './connection.ts';
import { AFTER_DESCRIPTION, FIRST_DESCRIPTION, listConnectionType, resolveList, selectConnections } from './lists.ts';
import { MoneyRef } from './money.ts';
import { NodeRef, type Bound } from './node.ts';

const PaymentMethodTypeEnum = builder.enumType('PaymentMethodType', { values: ['CASH', 'CARD', 'CHECK', 'OTHER'] as const });

export const PaymentRef = builder.objectRef<Bound<'payment'>>('Payment').implement({
  description: 'Money taken (or given back, when negative) for a sale.',
  interfaces: [NodeRef],
  fields: (t) => ({
    method: t.exposeString('method', { description: "The vendor's name for the tender." }),
    methodType: t.field({ type: PaymentMethodTypeEnum, resolve: (payment) => payment.methodType }),
    amount: t.field({ type: MoneyRef, resolve: (payment) => payment.amount }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (payment) => payment.createdAt }),
    connection: t.field({ type: VendorConnectionRef, resolve: (payment, _, context) => context.connections.get(payment.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (payment) => payment.raw }),
  }),
});

export const PaymentConnectionRef = listConnectionType<'payment'>('Payment', PaymentRef);

const PaymentFilterInput = builder.inputType('PaymentFilter', {
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    method: t.string({ description: 'Method name (case-insensitive) or type: CASH, CARD, CHECK, OTHER.' }),
  }),
});

builder.queryFields((t) => ({
  payments: t.field({
    type: PaymentConnectionRef,
    description: 'Payments of every connection, newest first.',
    args: {
      connections: t.arg.idList(),
      filter: t.arg({ type: PaymentFilterInput }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    resolve: (_, args, context, info) =>
      resolveList(context, info, {
        kind: 'payment',
        connections: selectConnections(context, args.connections, info),
        filterFor: () => ({ from: args.filter?.from?.toISOString(), to: args.filter?.to?.toISOString(), method: args.filter?.method ?? undefined }),
        first: args.first,
        after: args.after,
      }),
  }),
}));

builder.objectFields(CashbookRef, (t) => ({
  payments: t.field({
    type: PaymentConnectionRef,
    description: 'Payments taken in this cashbook, newest first.',
    args: { first: t.arg.int({ description: FIRST_DESCRIPTION }), after: t.arg.string({ description: AFTER_DESCRIPTION }) },
    resolve: (cashbook, args, context, info) =>
      resolveList(context, info, {
        kind: 'payment',
        connections: [context.connections.get(cashbook.connectionId)!],
        filterFor: () => ({ cashbookId: cashbook.id }),
        first: args.first,
        after: args.after,
      }),
  }),
}));
