import { closeCashbook, openCashbook } from '../../core/customer-and-cashbook-writes.ts';
import { decodeGlobalId, type GlobalId } from '../../core/ids.ts';
import type { CashbookRecord } from '../../core/model.ts';
import type { WriteOutcome } from '../../core/write-once.ts';
import { builder } from '../builder.ts';
import { CashbookRef } from '../cashbook.ts';
import { bind } from '../node.ts';
import { checkIdempotencyKey, connectionFor, IDEMPOTENCY_KEY_DESCRIPTION, IdDecoder, MoneyInput, publishLive, UserErrorRef } from './common.ts';
import { cashbookEvent } from '../../live/events.ts';
import { invalidateAfterWrite } from '../../cache/gateway-cache.ts';

const CashbookPayloadRef = builder.objectRef<WriteOutcome<CashbookRecord> & { connectionId: string }>('CashbookPayload').implement({
  fields: (t) => ({
    cashbook: t.field({ type: CashbookRef, nullable: true, resolve: (payload) => payload.record && bind(payload.connectionId, payload.record) }),
    errors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.errors }),
  }),
});

const OpenCashbookInputRef = builder.inputType('OpenCashbookInput', {
  fields: (t) => ({
    connection: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    location: t.id({ description: "Where the till stands; the connection's default when absent." }),
    openingAmount: t.field({ type: MoneyInput, required: true, description: 'Cash in the drawer at opening.' }),
  }),
});

const CloseCashbookInputRef = builder.inputType('CloseCashbookInput', {
  fields: (t) => ({
    cashbook: t.id({ required: true }),
    idempotencyKey: t.string({ required: true, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    closingAmount: t.field({ type: MoneyInput, required: true, description: 'Cash counted at closing.' }),
  }),
});

builder.mutationFields((t) => ({
  openCashbook: t.field({
    type: CashbookPayloadRef,
    description: 'Opens a till session where the vendor has them (`capabilities { cashbook { create } }`).',
    args: { input: t.arg({ type: OpenCashbookInputRef, required: true }) },
    resolve: async (_, { input }, context) => {
      const connectionId = String(input.connection);
      const connection = connectionFor(context, connectionId);
      if (!('adapter' in connection)) return { connectionId, record: null, errors: [connection] };
      const decoder = new IdDecoder(connectionId);
      const locationId = decoder.vendorId(input.location, 'Location', 'location');
      const problems = [checkIdempotencyKey(input.idempotencyKey), ...decoder.errors].filter((error) => error !== null);
      if (problems.length > 0) return { connectionId, record: null, errors: problems };
      const outcome = await openCashbook({ tenant: context.tenant, store: context.idempotency, options: { signal: context.signal } }, connection, input.idempotencyKey, {
        locationId,
        openingAmount: input.openingAmount,
      });
      await invalidateAfterWrite(context, connectionId, 'cashbook', outcome);
      if (outcome.record) {
        context.loaders.prime(connectionId, 'cashbook', outcome.record);
        await publishLive(context, cashbookEvent(connectionId, outcome.record, 'GATEWAY'));
      }
      return { connectionId, ...outcome };
    },
  }),
  closeCashbook: t.field({
    type: CashbookPayloadRef,
    description: 'Closes an open till session with the cash counted.',
    args: { input: t.arg({ type: CloseCashbookInputRef, required: true }) },
    resolve: async (_, { input }, context) => {
      // The cashbook's ID names its connection; one the caller may not use is "not found".
      let cashbook: GlobalId;
      try {
        cashbook = decodeGlobalId(String(input.cashbook), 'Cashbook');
      } catch (error) {
        return { connectionId: '', record: null, errors: [{ code: 'VALIDATION' as const, field: 'cashbook', message: (error as Error).message }] };
      }
      const { connection: connectionId, id: cashbookId } = cashbook;
      const connection = context.connections.get(connectionId);
      if (!connection) return { connectionId, record: null, errors: [{ code: 'NOT_FOUND' as const, field: 'cashbook', message: `No cashbook with ID ${JSON.stringify(input.cashbook)}` }] };
      const badKey = checkIdempotencyKey(input.idempotencyKey);
      if (badKey) return { connectionId, record: null, errors: [badKey] };
      const outcome = await closeCashbook({ tenant: context.tenant, store: context.idempotency, options: { signal: context.signal } }, connection, input.idempotencyKey, {
        cashbookId,
        closingAmount: input.closingAmount,
      });
      await invalidateAfterWrite(context, connectionId, 'cashbook', outcome, [cashbookId]);
      if (outcome.record) {
        context.loaders.clear(connectionId, 'cashbook', cashbookId);
        context.loaders.prime(connectionId, 'cashbook', outcome.record);
        await publishLive(context, cashbookEvent(connectionId, outcome.record, 'GATEWAY'));
      }
      return { connectionId, ...outcome };
    },
  }),
}));
