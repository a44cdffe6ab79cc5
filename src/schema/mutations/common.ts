/** What every mutation shares: typed user errors, money input, and IDs checked against the connection. */
import type { GatewayContext } from '../../context.ts';
import type { Connection } from '../../core/connection.ts';
import { GatewayError } from '../../core/errors.ts';
import { decodeGlobalId, type NodeType } from '../../core/ids.ts';
import type { UserError } from '../../core/write-once.ts';
import type { LiveEventInput } from '../../live/events.ts';
import { builder } from '../builder.ts';

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

export const MoneyInput = builder.inputType('MoneyInput', {
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true }),
    currency: t.string({ required: true }),
  }),
});

export const IDEMPOTENCY_KEY_DESCRIPTION = 'Same key and same input: the same result, and the write made once.';
const MAX_KEY_LENGTH = 255;

/** Checks the idempotency key; a user error when it is empty or too long. */
export function checkIdempotencyKey(key: string): UserError | null {
  return key.length === 0 || key.length > MAX_KEY_LENGTH
    ? { code: 'VALIDATION', field: 'idempotencyKey', message: `idempotencyKey must have 1 to ${MAX_KEY_LENGTH} characters` }
    : null;
}

export function connectionFor(context: GatewayContext, id: string): Connection | UserError {
  return context.connections.get(id) ?? { code: 'NOT_FOUND', field: 'connection', message: `No connection ${JSON.stringify(id)}` };
}

/**
 * Decodes IDs of one connection for a mutation, collecting a user error per bad field
 * instead of throwing, so the client learns every problem at once.
 */
export class IdDecoder {
  readonly errors: UserError[] = [];
  constructor(private readonly connectionId: string) {}

  vendorId(value: string | number | null | undefined, type: NodeType, field: string): string | null {
    if (value === null || value === undefined) return null;
    try {
      const decoded = decodeGlobalId(String(value), type);
      if (decoded.connection === this.connectionId) return decoded.id;
      this.errors.push({ code: 'VALIDATION', field, message: `${field} belongs to another connection` });
    } catch (error) {
      this.errors.push({ code: 'VALIDATION', field, message: error instanceof GatewayError ? error.message : `${field} is not a ${type} ID` });
    }
    return null;
  }
}

/**
 * Tells subscribers of a write made through the gateway, at once. The write is made whatever
 * happens here: if the log cannot take the event, the connection's poller or webhook still
 * reports the change, and the log de-duplicates whichever comes twice.
 */
export async function publishLive(context: GatewayContext, event: LiveEventInput): Promise<void> {
  try {
    await context.live?.publish(event);
  } catch {
    // The mutation's answer must not turn into a failure for a write that succeeded.
  }
}
