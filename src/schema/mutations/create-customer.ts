import { createCustomer } from '../../core/customer-and-cashbook-writes.ts';
import { invalidateAfterWrite } from '../../cache/gateway-cache.ts';
import type { CustomerRecord } from '../../core/model.ts';
import type { WriteOutcome } from '../../core/write-once.ts';
import { builder } from '../builder.ts';
import { CustomerRef } from '../customer.ts';
import { bind } from '../node.ts';
import { checkIdempotencyKey, connectionFor, IDEMPOTENCY_KEY_DESCRIPTION, UserErrorRef } from './common.ts';

const CreateCustomerInputRef = builder.inputType('CreateCustomerInput', {
  fields: (t) => ({
    connection: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    firstName: t.string(),
    lastName: t.string({ description: 'A last name or a company is required.' }),
    company: t.string(),
    email: t.string(),
    phone: t.string(),
    vatNumber: t.string(),
  }),
});

const CreateCustomerPayloadRef = builder.objectRef<WriteOutcome<CustomerRecord> & { connectionId: string }>('CreateCustomerPayload').implement({
  fields: (t) => ({
    customer: t.field({ type: CustomerRef, nullable: true, resolve: (payload) => payload.record && bind(payload.connectionId, payload.record) }),
    errors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.errors }),
  }),
});

builder.mutationField('createCustomer', (t) =>
  t.field({
    type: CreateCustomerPayloadRef,
    description: 'Creates a customer where the vendor allows it (`capabilities { customer { create } }`).',
    args: { input: t.arg({ type: CreateCustomerInputRef, required: true }) },
    resolve: async (_, { input }, context) => {
      const connectionId = String(input.connection);
      const connection = connectionFor(context, connectionId);
      if (!('adapter' in connection)) return { connectionId, record: null, errors: [connection] };
      const badKey = checkIdempotencyKey(input.idempotencyKey);
      if (badKey) return { connectionId, record: null, errors: [badKey] };
      const text = (value: string | null | undefined) => (value?.trim() ? value.trim() : null);
      const outcome = await createCustomer({ tenant: context.tenant, store: context.idempotency, options: { signal: context.signal } }, connection, input.idempotencyKey, {
        firstName: text(input.firstName),
        lastName: text(input.lastName),
        company: text(input.company),
        email: text(input.email),
        phone: text(input.phone),
        vatNumber: text(input.vatNumber),
      });
      await invalidateAfterWrite(context, connectionId, 'customer', outcome);
      if (outcome.record) context.loaders.prime(connectionId, 'customer', outcome.record);
      return { connectionId, ...outcome };
    },
  }),
);
