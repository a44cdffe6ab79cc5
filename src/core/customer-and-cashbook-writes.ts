/**
 * createCustomer, openCashbook and closeCashbook: checked before any write, and written once
 * per idempotency key with the same reconciliation as sales (core/write-once.ts).
 */
import type { CallOptions, CashbookClosing, CashbookOpening, CustomerDraft } from './adapter.ts';
import type { Connection } from './connection.ts';
import type { CashbookRecord, CustomerRecord } from './model.ts';
import { currencyExponent, Decimal, type Money } from './money.ts';
import { userError, writeOnce, type UserError, type WriteOutcome, type WriteStore } from './write-once.ts';

export interface WriteContext {
  readonly tenant: string;
  readonly store: WriteStore;
  readonly options: CallOptions;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type CustomerInput = Omit<CustomerDraft, 'reference'>;

export function createCustomer(context: WriteContext, connection: Connection, idempotencyKey: string, input: CustomerInput): Promise<WriteOutcome<CustomerRecord>> {
  const writer = connection.adapter.writers?.customer;
  return writeOnce<CustomerDraft, CustomerRecord>(
    context.store,
    { tenant: context.tenant, operation: 'createCustomer', idempotencyKey, input: [connection.id, input] },
    {
      prepare: async (reference) => {
        if (!writer) return userError('UNSUPPORTED', `${connection.vendor} does not let posgraph create customers`).errors;
        const errors: UserError[] = [];
        if (!input.lastName?.trim() && !input.company?.trim()) errors.push({ code: 'VALIDATION', field: 'lastName', message: 'A customer needs a last name or a company' });
        if (input.email !== null && !EMAIL.test(input.email)) errors.push({ code: 'VALIDATION', field: 'email', message: `${JSON.stringify(input.email)} is not an e-mail address` });
        return errors.length > 0 ? errors : { reference, ...input };
      },
      write: (draft) => writer!.create(draft, context.options),
      find: (draft, options) => writer!.findByReference(draft, options),
    },
  );
}

/** An amount of cash in the connection's currency, at its precision, not negative. */
function cashAmount(connection: Connection, value: Money, field: string): Decimal | UserError {
  const currency = connection.adapter.currency;
  if (value.currency !== currency) return { code: 'VALIDATION', field, message: `${field} is in ${value.currency}; this connection counts in ${currency}` };
  let amount: Decimal;
  try {
    amount = Decimal.parse(value.amount);
  } catch {
    return { code: 'VALIDATION', field, message: `${field} must be a decimal string such as "150.00"` };
  }
  if (amount.isNegative()) return { code: 'VALIDATION', field, message: `${field} must not be negative` };
  if (amount.normalize().scale > currencyExponent(currency)) return { code: 'VALIDATION', field, message: `${field} has more than ${currencyExponent(currency)} decimal places` };
  return amount;
}

export function openCashbook(
  context: WriteContext,
  connection: Connection,
  idempotencyKey: string,
  input: { locationId: string | null; openingAmount: Money },
): Promise<WriteOutcome<CashbookRecord>> {
  const writer = connection.adapter.writers?.cashbook;
  return writeOnce<CashbookOpening, CashbookRecord>(
    context.store,
    { tenant: context.tenant, operation: 'openCashbook', idempotencyKey, input: [connection.id, input] },
    {
      prepare: async (reference) => {
        if (!writer) return userError('UNSUPPORTED', `${connection.vendor} has no till sessions to open`).errors;
        const amount = cashAmount(connection, input.openingAmount, 'openingAmount');
        return amount instanceof Decimal ? { reference, locationId: input.locationId, openingAmount: amount } : [amount];
      },
      write: (opening) => writer!.open(opening, context.options),
      find: (opening, options) => writer!.findOpened(opening, options),
    },
  );
}

export function closeCashbook(
  context: WriteContext,
  connection: Connection,
  idempotencyKey: string,
  input: { cashbookId: string; closingAmount: Money },
): Promise<WriteOutcome<CashbookRecord>> {
  const writer = connection.adapter.writers?.cashbook;
  return writeOnce<CashbookClosing, CashbookRecord>(
    context.store,
    { tenant: context.tenant, operation: 'closeCashbook', idempotencyKey, input: [connection.id, input] },
    {
      prepare: async (reference) => {
        if (!writer) return userError('UNSUPPORTED', `${connection.vendor} has no till sessions to close`).errors;
        const amount = cashAmount(connection, input.closingAmount, 'closingAmount');
        return amount instanceof Decimal ? { reference, cashbookId: input.cashbookId, closingAmount: amount } : [amount];
      },
      write: (closing) => writer!.close(closing, context.options),
      find: (closing, options) => writer!.findClosed(closing, options),
    },
  );
}
