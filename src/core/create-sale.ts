/**
 * createSale, whatever the vendor: validate before any write, compute exact totals, write
 * once per idempotency key, and never guess the outcome of a write that timed out — ask the
 * vendor for the sale by the reference sent with it, and say OUTCOME_UNKNOWN only when the
 * vendor cannot be asked.
 */
import { createHash } from 'node:crypto';
import { WriteRefusedError, type CallOptions, type SaleDraft, type SaleDraftLine, type SaleWriter, type WriteRefusalCode } from './adapter.ts';
import type { Connection } from './connection.ts';
import { VendorAuthError, VendorRateLimitedError, VendorRejectedError } from './errors.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { ItemRecord, SaleRecord } from './model.ts';
import { currencyExponent, Decimal, sumDecimals, type Money } from './money.ts';

export type UserErrorCode = WriteRefusalCode | 'IDEMPOTENCY_CONFLICT' | 'OUTCOME_UNKNOWN';

export interface UserError {
  readonly code: UserErrorCode;
  readonly field: string | null;
  readonly message: string;
}

export interface CreateSaleOutcome {
  readonly sale: SaleRecord | null;
  readonly errors: readonly UserError[];
}

/** The client's input with global IDs already decoded to this connection's vendor ids. */
export interface CreateSaleInput {
  readonly locationId: string | null;
  readonly customerId: string | null;
  readonly lines: ReadonlyArray<{ readonly itemId: string; readonly quantity: string; readonly unitPrice: Money | null; readonly discount: Money | null }>;
  readonly payments: ReadonlyArray<{ readonly method: string; readonly amount: Money }> | null;
  readonly note: string | null;
}

export interface CreateSaleRequest {
  readonly tenant: string;
  readonly idempotencyKey: string;
  readonly connection: Connection;
  readonly input: CreateSaleInput;
}

export interface CreateSaleDependencies {
  readonly store: IdempotencyStore<CreateSaleOutcome>;
  /** Batched item lookups on the request's connection (one vendor round for all lines). */
  readonly loadItems: (ids: readonly string[]) => Promise<ReadonlyArray<ItemRecord | null>>;
  readonly options: CallOptions;
  /** How long an identical request waits for the first one to finish. */
  readonly waitMs?: number;
}

const failure = (code: UserErrorCode, message: string, field: string | null = null): CreateSaleOutcome => ({ sale: null, errors: [{ code, field, message }] });

export async function createSale(request: CreateSaleRequest, deps: CreateSaleDependencies): Promise<CreateSaleOutcome> {
  const key = JSON.stringify([request.tenant, request.idempotencyKey]);
  const fingerprint = createHash('sha256').update(JSON.stringify([request.connection.id, request.input])).digest('hex');
  // The reference the vendor stores: stable per key, short, and free of the client's text.
  const reference = `pg-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;

  for (let attempt = 0; attempt < 3; attempt += 1) {
    const claim = await deps.store.claim(key, fingerprint, reference);
    if (claim.claimed) return write(request, deps, key, claim.reference, claim.reconcile);
    if (claim.record.fingerprint !== fingerprint) {
      return failure('IDEMPOTENCY_CONFLICT', 'This idempotency key was already used with a different input', 'idempotencyKey');
    }
    if (claim.record.state === 'done') return claim.record.payload;
    const settled = await deps.store.waitForSettled(key, deps.waitMs ?? 30_000);
    if (settled?.state === 'done') return settled.fingerprint === fingerprint ? settled.payload : failure('IDEMPOTENCY_CONFLICT', 'This idempotency key was already used with a different input', 'idempotencyKey');
    if (settled?.state === 'pending') return failure('OUTCOME_UNKNOWN', 'An identical request is still being written; retry with the same key to learn its outcome');
    // Released (nothing written) or unknown: claim again, which reconciles an unknown outcome.
  }
  return failure('OUTCOME_UNKNOWN', 'The sale could not be settled; retry with the same key');
}

async function write(request: CreateSaleRequest, deps: CreateSaleDependencies, key: string, reference: string, reconcile: boolean): Promise<CreateSaleOutcome> {
  const { store } = deps;
  const writer = request.connection.adapter.writers?.sale;
  const finish = async (outcome: CreateSaleOutcome): Promise<CreateSaleOutcome> => {
    await store.complete(key, outcome);
    return outcome;
  };
  try {
    if (!writer) return await finish(failure('UNSUPPORTED', `${request.connection.vendor} does not let posgraph create sales`));
    const draft = await buildDraft(request, writer, deps, reference);
    if ('errors' in draft) return await finish(draft);

    if (reconcile) {
      const earlier = await lookUp(writer, draft, deps.options);
      if (earlier === 'unreachable') {
        await store.markUnknown(key);
        return failure('OUTCOME_UNKNOWN', 'The vendor cannot be asked whether the earlier attempt was recorded; retry with the same key');
      }
      if (earlier) return await finish({ sale: earlier, errors: [] });
    }

    try {
      return await finish({ sale: await writer.create(draft, deps.options), errors: [] });
    } catch (error) {
      if (error instanceof WriteRefusedError) return await finish(failure(error.code, error.message, error.field));
      if (error instanceof VendorRejectedError) return await finish(failure('VENDOR_REJECTED', error.vendorMessage ?? error.message));
      // Refused before the vendor did anything: nothing written, the client may retry.
      if (error instanceof VendorAuthError || error instanceof VendorRateLimitedError) {
        await store.release(key);
        throw error;
      }
      // Anything else may have happened after the vendor recorded the sale: ask it.
      const found = await lookUp(writer, draft, deps.options);
      if (found === 'unreachable') {
        await store.markUnknown(key);
        return failure('OUTCOME_UNKNOWN', 'The vendor did not confirm the sale and cannot be asked now; retry with the same key to reconcile');
      }
      if (found) return await finish({ sale: found, errors: [] });
      await store.release(key);
      throw error;
    }
  } catch (error) {
    // Failures before the write (validation reads) leave nothing behind.
    const record = await store.waitForSettled(key, 0);
    if (record?.state === 'pending') await store.release(key);
    throw error;
  }
}

async function lookUp(writer: SaleWriter, draft: SaleDraft, options: CallOptions): Promise<SaleRecord | null | 'unreachable'> {
  try {
    return await writer.findByReference(draft, options);
  } catch {
    return 'unreachable';
  }
}

/** Checks the input against the connection and computes exact totals; no write happens before this passes. */
async function buildDraft(
  request: CreateSaleRequest,
  writer: SaleWriter,
  deps: CreateSaleDependencies,
  reference: string,
): Promise<SaleDraft | CreateSaleOutcome> {
  const { input } = request;
  const currency = request.connection.adapter.currency;
  const places = currencyExponent(currency);
  const errors: UserError[] = [];
  const invalid = (field: string, message: string) => errors.push({ code: 'VALIDATION', field, message });

  const amount = (value: Money, field: string, maxPlaces: number): Decimal | null => {
    if (value.currency !== currency) {
      invalid(field, `${field} is in ${value.currency}; this connection counts in ${currency}`);
      return null;
    }
    let parsed: Decimal;
    try {
      parsed = Decimal.parse(value.amount);
    } catch {
      invalid(field, `${field} must be a decimal string such as "12.30"`);
      return null;
    }
    if (parsed.normalize().scale > maxPlaces) {
      invalid(field, `${field} has more than ${maxPlaces} decimal places`);
      return null;
    }
    if (parsed.isNegative()) {
      invalid(field, `${field} must not be negative`);
      return null;
    }
    return parsed;
  };

  if (input.lines.length === 0) invalid('lines', 'A sale needs at least one line');
  const items = await deps.loadItems(input.lines.map((line) => line.itemId));
  const lines: SaleDraftLine[] = [];
  input.lines.forEach((line, index) => {
    const field = `lines[${index}]`;
    const item = items[index];
    if (!item) {
      errors.push({ code: 'NOT_FOUND', field: `${field}.item`, message: `No item ${line.itemId} on this connection` });
      return;
    }
    let quantity: Decimal;
    try {
      quantity = Decimal.parse(line.quantity);
    } catch {
      invalid(`${field}.quantity`, 'quantity must be a decimal string');
      return;
    }
    if (quantity.compare(Decimal.zero) <= 0) return void invalid(`${field}.quantity`, 'quantity must be greater than 0');
    if (quantity.normalize().scale > writer.quantityPlaces) return void invalid(`${field}.quantity`, `quantity has more than ${writer.quantityPlaces} decimal places`);
    const unitPrice = line.unitPrice ? amount(line.unitPrice, `${field}.unitPrice`, writer.unitPricePlaces) : Decimal.parse(item.price.amount);
    const discount = line.discount ? amount(line.discount, `${field}.discount`, places) : Decimal.zero.round(places);
    if (!unitPrice || !discount) return;
    if (unitPrice.normalize().scale > writer.unitPricePlaces) return void invalid(`${field}.unitPrice`, `the item's price has more than ${writer.unitPricePlaces} decimal places`);
    const gross = quantity.mul(unitPrice).round(places);
    if (discount.compare(gross) > 0) return void invalid(`${field}.discount`, 'discount exceeds the line amount');
    lines.push({ itemId: line.itemId, item, quantity, unitPrice, discount, total: gross.sub(discount) });
  });

  const total = sumDecimals(lines.map((line) => line.total)).round(places);
  const payments = (input.payments ?? []).flatMap((payment, index) => {
    const field = `payments[${index}]`;
    if (payment.method.trim() === '') invalid(`${field}.method`, 'method must name a payment method');
    const value = amount(payment.amount, `${field}.amount`, places);
    return value ? [{ method: payment.method.trim(), amount: value }] : [];
  });
  if (errors.length === 0 && input.payments && input.payments.length > 0) {
    const paid = sumDecimals(payments.map((payment) => payment.amount));
    if (!paid.equals(total)) invalid('payments', `payments add up to ${paid.toFixedAtLeast(places)}, the sale totals ${total.toFixedAtLeast(places)}`);
  }
  if (errors.length > 0) return { sale: null, errors };
  return { reference, locationId: input.locationId, customerId: input.customerId, lines, payments, total, note: input.note };
}
