/**
 * createSale, whatever the vendor: check the input against the connection, compute exact
 * totals, then write once per idempotency key (core/write-once.ts).
 */
import type { CallOptions, SaleDraft, SaleDraftLine, SaleWriter } from './adapter.ts';
import type { Connection } from './connection.ts';
import type { ItemRecord, SaleRecord } from './model.ts';
import { currencyExponent, Decimal, sumDecimals, type Money } from './money.ts';
import { userError, writeOnce, type UserError, type WriteOutcome, type WriteStore } from './write-once.ts';

export type { UserError } from './write-once.ts';

export type CreateSaleOutcome = WriteOutcome<SaleRecord>;

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
  readonly store: WriteStore;
  /** Batched item lookups on the request's connection (one vendor round for all lines). */
  readonly loadItems: (ids: readonly string[]) => Promise<ReadonlyArray<ItemRecord | null>>;
  readonly options: CallOptions;
  /** How long an identical request waits for the first one to finish. */
  readonly waitMs?: number;
}

export function createSale(request: CreateSaleRequest, deps: CreateSaleDependencies): Promise<CreateSaleOutcome> {
  const writer = request.connection.adapter.writers?.sale;
  return writeOnce<SaleDraft, SaleRecord>(
    deps.store,
    { tenant: request.tenant, operation: 'createSale', idempotencyKey: request.idempotencyKey, input: [request.connection.id, request.input] },
    {
      prepare: async (reference) =>
        writer
          ? buildDraft(request, writer, deps, reference)
          : userError('UNSUPPORTED', `${request.connection.vendor} does not let posgraph create sales`).errors,
      write: (draft) => writer!.create(draft, deps.options),
      find: (draft, options) => writer!.findByReference(draft, options),
    },
    deps.waitMs,
  );
}

/** Checks the input against the connection and computes exact totals; no write happens before this passes. */
async function buildDraft(
  request: CreateSaleRequest,
  writer: SaleWriter,
  deps: CreateSaleDependencies,
  reference: string,
): Promise<SaleDraft | readonly UserError[]> {
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
  if (errors.length > 0) return errors;
  return { reference, locationId: input.locationId, customerId: input.customerId, lines, payments, total, note: input.note };
}
