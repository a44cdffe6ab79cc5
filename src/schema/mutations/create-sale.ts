import { createSale, type CreateSaleInput, type CreateSaleOutcome } from '../../core/create-sale.ts';
import { invalidateAfterWrite } from '../../cache/gateway-cache.ts';
import type { ItemRecord } from '../../core/model.ts';
import { builder } from '../builder.ts';
import { checkIdempotencyKey, connectionFor, IDEMPOTENCY_KEY_DESCRIPTION, IdDecoder, MoneyInput, publishLive, UserErrorRef } from './common.ts';
import { bind } from '../node.ts';
import { SaleRef } from '../sale.ts';
import { saleEvent } from '../../live/events.ts';

const SaleLineInput = builder.inputType('SaleLineInput', {
  fields: (t) => ({
    item: t.id({ required: true }),
    quantity: t.field({ type: 'Decimal', required: true, description: 'Greater than 0; fractional for weighed goods.' }),
    unitPrice: t.field({ type: MoneyInput, description: "Defaults to the item's price." }),
    discount: t.field({ type: MoneyInput, description: 'Taken off this line.' }),
  }),
});

const SalePaymentInput = builder.inputType('SalePaymentInput', {
  fields: (t) => ({
    method: t.string({ required: true, description: "A payment method's name at the vendor, or a type: CASH, CARD, CHECK, OTHER." }),
    amount: t.field({ type: MoneyInput, required: true }),
  }),
});

const CreateSaleInputRef = builder.inputType('CreateSaleInput', {
  fields: (t) => ({
    connection: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    location: t.id(),
    customer: t.id(),
    lines: t.field({ type: [SaleLineInput], required: true }),
    payments: t.field({ type: [SalePaymentInput], description: 'When given, they must add up to the total.' }),
    note: t.string(),
  }),
});

const CreateSalePayloadRef = builder.objectRef<CreateSaleOutcome & { connectionId: string }>('CreateSalePayload').implement({
  fields: (t) => ({
    sale: t.field({ type: SaleRef, nullable: true, resolve: (payload) => payload.record && bind(payload.connectionId, payload.record) }),
    errors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.errors }),
  }),
});

builder.mutationField('createSale', (t) =>
  t.field({
    type: CreateSalePayloadRef,
    args: { input: t.arg({ type: CreateSaleInputRef, required: true }) },
    resolve: async (_, { input }, context) => {
      const connectionId = String(input.connection);
      const connection = connectionFor(context, connectionId);
      if (!('adapter' in connection)) return { connectionId, record: null, errors: [connection] };
      const badKey = checkIdempotencyKey(input.idempotencyKey);
      if (badKey) return { connectionId, record: null, errors: [badKey] };

      // IDs must be of the right type and of this connection; each failure names its field.
      const decoder = new IdDecoder(connectionId);
      const vendorId = decoder.vendorId.bind(decoder);
      const decoded: CreateSaleInput = {
        locationId: vendorId(input.location, 'Location', 'location'),
        customerId: vendorId(input.customer, 'Customer', 'customer'),
        lines: input.lines.map((line, index) => ({
          itemId: vendorId(line.item, 'Item', `lines[${index}].item`) ?? '',
          quantity: line.quantity,
          unitPrice: line.unitPrice ?? null,
          discount: line.discount ?? null,
        })),
        payments: input.payments?.map((payment) => ({ method: payment.method, amount: payment.amount })) ?? null,
        note: input.note ?? null,
      };
      if (decoder.errors.length > 0) return { connectionId, record: null, errors: decoder.errors };

      const outcome = await createSale(
        { tenant: context.tenant, idempotencyKey: input.idempotencyKey, connection, input: decoded },
        {
          store: context.idempotency,
          loadItems: (ids) => Promise.all(ids.map((id) => context.loaders.load(connectionId, 'item', id))) as Promise<Array<ItemRecord | null>>,
          options: { signal: context.signal },
        },
      );
      // The next request reads it too: cached sales lists and the sold items are dropped.
      await invalidateAfterWrite(context, connectionId, 'sale', outcome);
      // Read your write: this request's loaders see the sale as the vendor now has it.
      if (outcome.record) {
        context.loaders.clear(connectionId, 'sale', outcome.record.id);
        context.loaders.prime(connectionId, 'sale', outcome.record);
        // Subscribers hear of it at once; a replay of the same write is de-duplicated by the log.
        await publishLive(context, saleEvent(connectionId, outcome.record, 'GATEWAY'));
      }
      return { connectionId, ...outcome };
    },
  }),
);
