import { createSale, type CreateSaleInput, type CreateSaleOutcome, type UserError } from '../../core/create-sale.ts';
import { GatewayError } from '../../core/errors.ts';
import { decodeGlobalId, type NodeType } from '../../core/ids.ts';
import type { ItemRecord } from '../../core/model.ts';
import { builder } from '../builder.ts';
import { bind } from '../node.ts';
import { SaleRef } from '../sale.ts';

const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  values: ['VALIDATION', 'NOT_FOUND', 'UNSUPPORTED', 'VENDOR_REJECTED', 'IDEMPOTENCY_CONFLICT', 'OUTCOME_UNKNOWN'] as const,
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'Why a mutation did not do what was asked. Nothing was written unless the code is OUTCOME_UNKNOWN.',
  fields: (t) => ({
    code: t.field({ type: UserErrorCodeEnum, resolve: (error) => error.code }),
    field: t.exposeString('field', { nullable: true, description: 'The input field at fault, e.g. "lines[1].quantity".' }),
    message: t.exposeString('message'),
  }),
});

const MoneyInput = builder.inputType('MoneyInput', {
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true }),
    currency: t.string({ required: true }),
  }),
});

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
    idempotencyKey: t.string({ required: true, description: 'Same key and same input: the same result, and the sale written once.' }),
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

const MAX_KEY_LENGTH = 255;

builder.mutationType({});

builder.mutationField('createSale', (t) =>
  t.field({
    type: CreateSalePayloadRef,
    args: { input: t.arg({ type: CreateSaleInputRef, required: true }) },
    resolve: async (_, { input }, context) => {
      const connectionId = String(input.connection);
      const connection = context.connections.get(connectionId);
      const refuse = (code: UserError['code'], field: string, message: string) => ({ connectionId, record: null, errors: [{ code, field, message }] });
      if (!connection) return refuse('NOT_FOUND', 'connection', `No connection ${JSON.stringify(connectionId)}`);
      if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > MAX_KEY_LENGTH) {
        return refuse('VALIDATION', 'idempotencyKey', `idempotencyKey must have 1 to ${MAX_KEY_LENGTH} characters`);
      }

      // IDs must be of the right type and of this connection; each failure names its field.
      const errors: UserError[] = [];
      const vendorId = (value: string | number | null | undefined, type: NodeType, field: string): string | null => {
        if (value === null || value === undefined) return null;
        try {
          const decoded = decodeGlobalId(String(value), type);
          if (decoded.connection === connectionId) return decoded.id;
          errors.push({ code: 'VALIDATION', field, message: `${field} belongs to another connection` });
        } catch (error) {
          errors.push({ code: 'VALIDATION', field, message: error instanceof GatewayError ? error.message : `${field} is not a ${type} ID` });
        }
        return null;
      };
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
      if (errors.length > 0) return { connectionId, record: null, errors };

      const outcome = await createSale(
        { tenant: context.tenant, idempotencyKey: input.idempotencyKey, connection, input: decoded },
        {
          store: context.idempotency,
          loadItems: (ids) => Promise.all(ids.map((id) => context.loaders.load(connectionId, 'item', id))) as Promise<Array<ItemRecord | null>>,
          options: { signal: context.signal },
        },
      );
      // Read your write: this request's loaders see the sale as the vendor now has it.
      if (outcome.record) {
        context.loaders.clear(connectionId, 'sale', outcome.record.id);
        context.loaders.prime(connectionId, 'sale', outcome.record);
      }
      return { connectionId, ...outcome };
    },
  }),
);
