/**
 * Apollo Federation: every Node type is an entity keyed by its global ID, so another subgraph
 * can extend `Sale` (say) and a router can ask posgraph for sales by ID through `_entities`.
 *
 * A reference is loaded exactly as `node(id:)` loads an ID: through the request's loaders, so
 * the references of one `_entities` call are batched the way each vendor allows, and only on
 * the connections of the caller's tenant.
 */
import type { GatewayContext } from '../context.ts';
import { NotFoundError } from '../core/errors.ts';
import type { EntityKind } from '../core/model.ts';
import { BookingRef } from './booking.ts';
import { builder } from './builder.ts';
import { CashbookRef } from './cashbook.ts';
import { CustomerRef } from './customer.ts';
import { ItemRef } from './item.ts';
import { LocationRef } from './location.ts';
import { loadNode, type Bound } from './node.ts';
import { PaymentRef } from './payment.ts';
import { SaleRef } from './sale.ts';

/**
 * The record behind a reference, or null when there is none the caller may see: an unknown
 * ID and another tenant's ID both answer null, the federation way of saying "no such entity",
 * so a router shows the field as null and learns nothing about other tenants. A malformed ID
 * or an ID of another type is still an error (BAD_USER_INPUT), as is a vendor failure.
 */
export async function resolveEntity<K extends EntityKind>(context: GatewayContext, id: string, kind: K): Promise<Bound<K> | null> {
  try {
    return await loadNode(context, id, kind);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** The entity options of a Node type: keyed by its global ID, loaded like `node(id:)`. */
function keyedByGlobalId<K extends EntityKind>(kind: K) {
  return {
    key: builder.selection<{ id: string }>('id'),
    resolveReference: ({ id }: { id: string }, context: GatewayContext) => resolveEntity(context, String(id), kind),
  };
}

builder.asEntity(ItemRef, keyedByGlobalId('item'));
builder.asEntity(SaleRef, keyedByGlobalId('sale'));
builder.asEntity(PaymentRef, keyedByGlobalId('payment'));
builder.asEntity(CustomerRef, keyedByGlobalId('customer'));
builder.asEntity(CashbookRef, keyedByGlobalId('cashbook'));
builder.asEntity(BookingRef, keyedByGlobalId('booking'));
builder.asEntity(LocationRef, keyedByGlobalId('location'));
