import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../core/errors.ts';
import { decodeGlobalId } from '../core/ids.ts';
import type { SaleLineRecord } from '../core/model.ts';
import { builder } from './builder.ts';
import { CashbookRef } from './cashbook.ts';
import { VendorConnectionRef } from './connection.ts';
import { CustomerRef } from './customer.ts';
import { ItemRef } from './item.ts';
import { AFTER_DESCRIPTION, FIRST_DESCRIPTION, listConnectionType, resolveList, selectConnections, vendorIdFor } from './lists.ts';
import { LocationRef } from './location.ts';
import { MoneyRef } from './money.ts';
import { bind, loadRelated, NodeRef, type Bound } from './node.ts';
import { PaymentRef } from './payment.ts';

/**
 * Lines and payments come with the list at some vendors and only with the sale's own
 * record at others; the loader fetches that record once per sale and request.
 */
async function fullSale(context: GatewayContext, sale: Bound<'sale'>): Promise<Bound<'sale'>> {
  if (sale.lines !== undefined && sale.payments !== undefined) return sale;
  const full = await context.loaders.load(sale.connectionId, 'sale', sale.id);
  if (!full || full.lines === undefined || full.payments === undefined) {
    throw new GatewayError('VENDOR_MALFORMED_RESPONSE', `The vendor returned no detail for sale ${sale.id}`, {
      extensions: { connection: sale.connectionId, vendor: context.connections.get(sale.connectionId)?.vendor, retryable: true },
    });
  }
  return bind(sale.connectionId, full);
}

const SaleLineRef = builder.objectRef<{ connectionId: string; line: SaleLineRecord }>('SaleLine').implement({
  fields: (t) => ({
    item: t.field({ type: ItemRef, nullable: true, description: 'null for free-text lines, or an item since deleted.', resolve: ({ connectionId, line }, _, context) => loadRelated(context, connectionId, 'item', line.itemId) }),
    name: t.string({ nullable: true, resolve: ({ line }) => line.name }),
    quantity: t.field({ type: 'Decimal', description: 'Negative on refunds; fractional for weighed goods.', resolve: ({ line }) => line.quantity }),
    unitPrice: t.field({ type: MoneyRef, resolve: ({ line }) => line.unitPrice }),
    discount: t.field({ type: MoneyRef, resolve: ({ line }) => line.discount }),
    total: t.field({ type: MoneyRef, resolve: ({ line }) => line.total }),
    taxRate: t.field({ type: 'Decimal', nullable: true, resolve: ({ line }) => line.taxRate }),
  }),
});

export const SaleRef = builder.objectRef<Bound<'sale'>>('Sale').implement({
  description: 'A receipt: lines, totals and the payments that settled it.',
  interfaces: [NodeRef],
  fields: (t) => ({
    number: t.exposeString('number', { nullable: true, description: "The vendor's receipt number." }),
    createdAt: t.field({ type: 'DateTime', resolve: (sale) => sale.createdAt }),
    total: t.field({ type: MoneyRef, resolve: (sale) => sale.total }),
    note: t.exposeString('note', { nullable: true }),
    lines: t.field({
      type: [SaleLineRef],
      resolve: async (sale, _, context) => (await fullSale(context, sale)).lines!.map((line) => ({ connectionId: sale.connectionId, line })),
    }),
    payments: t.field({
      type: [PaymentRef],
      resolve: async (sale, _, context) => (await fullSale(context, sale)).payments!.map((payment) => bind(sale.connectionId, payment)),
    }),
    customer: t.field({ type: CustomerRef, nullable: true, resolve: (sale, _, context) => loadRelated(context, sale.connectionId, 'customer', sale.customerId) }),
    cashbook: t.field({ type: CashbookRef, nullable: true, resolve: (sale, _, context) => loadRelated(context, sale.connectionId, 'cashbook', sale.cashbookId) }),
    location: t.field({ type: LocationRef, nullable: true, resolve: (sale, _, context) => loadRelated(context, sale.connectionId, 'location', sale.locationId) }),
    connection: t.field({ type: VendorConnectionRef, resolve: (sale, _, context) => context.connections.get(sale.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (sale) => sale.raw }),
  }),
});

export const SaleConnectionRef = listConnectionType<'sale'>('Sale', SaleRef);

const SaleFilterInput = builder.inputType('SaleFilter', {
  fields: (t) => ({
    from: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    to: t.field({ type: 'DateTime', description: 'Inclusive.' }),
    location: t.id(),
    customer: t.id(),
  }),
});

builder.queryFields((t) => ({
  sales: t.field({
    type: SaleConnectionRef,
    description: 'Sales of every connection, newest first.',
    args: {
      connections: t.arg.idList(),
      filter: t.arg({ type: SaleFilterInput }),
      first: t.arg.int({ description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    resolve: (_, args, context, info) => {
      const location = args.filter?.location ? decodeGlobalId(String(args.filter.location), 'Location') : undefined;
      const customer = args.filter?.customer ? decodeGlobalId(String(args.filter.customer), 'Customer') : undefined;
      return resolveList(context, info, {
        kind: 'sale',
        connections: selectConnections(context, args.connections, info),
        filterFor: (connection) => {
          const locationId = vendorIdFor(connection, location);
          const customerId = vendorIdFor(connection, customer);
          // A filter on another connection's record leaves this connection out.
          if (locationId === null || customerId === null) return null;
          return { from: args.filter?.from?.toISOString(), to: args.filter?.to?.toISOString(), locationId, customerId };
        },
        first: args.first,
        after: args.after,
      });
    },
  }),
}));

builder.objectFields(CustomerRef, (t) => ({
  sales: t.field({
    type: SaleConnectionRef,
    description: "This customer's sales, newest first.",
    args: { first: t.arg.int({ description: FIRST_DESCRIPTION }), after: t.arg.string({ description: AFTER_DESCRIPTION }) },
    resolve: (customer, args, context, info) =>
      resolveList(context, info, {
        kind: 'sale',
        connections: [context.connections.get(customer.connectionId)!],
        filterFor: () => ({ customerId: customer.id }),
        first: args.first,
        after: args.after,
      }),
  }),
}));

builder.objectFields(CashbookRef, (t) => ({
  sales: t.field({
    type: SaleConnectionRef,
    description: 'Sales rung up in this cashbook, newest first.',
    args: { first: t.arg.int({ description: FIRST_DESCRIPTION }), after: t.arg.string({ description: AFTER_DESCRIPTION }) },
    resolve: (cashbook, args, context, info) =>
      resolveList(context, info, {
        kind: 'sale',
        connections: [context.connections.get(cashbook.connectionId)!],
        filterFor: () => ({ cashbookId: cashbook.id }),
        first: args.first,
        after: args.after,
      }),
  }),
}));

builder.objectFields(PaymentRef, (t) => ({
  sale: t.field({ type: SaleRef, nullable: true, resolve: (payment, _, context) => loadRelated(context, payment.connectionId, 'sale', payment.saleId) }),
}));
