/**
 * createSale at iCash (vendor-contracts.md §3 "Create sale"; docs/vendors/icash.md "Writes").
 *
 * A sale is built in steps on a TEMP operation and completed by printing it:
 *
 *   new-operation            Sell, register + store, ImportSource "gateway", ImportRefID = reference
 *   add-operation-sale-item  × lines: Qty, SaleItemSinglePrice, SaleItemDiscount (a percent)
 *   get-operation            the vendor's line totals checked against the draft's, before any payment
 *   add-operation-payment    × payments: PayTypeID, PaymentSum
 *   print-operation          TEMP → NORMAL
 *   get-operation            the sale as iCash now has it
 *
 * iCash can delete lines but neither operations nor payments (assumption 15), so payments
 * go in only once every line is in and checked: until then a failed step is undone whole by
 * removing the lines (`discardTempOperation`), and the empty TEMP operation that remains is
 * hidden from lists and can never be printed.
 */
import { WriteRefusedError, type CallOptions, type SaleDraft, type SaleDraftLine, type SaleWriter } from '../../core/adapter.ts';
import { VendorAuthError, VendorRateLimitedError, VendorRejectedError, VendorUnavailableError } from '../../core/errors.ts';
import type { PaymentMethodType, SaleRecord } from '../../core/model.ts';
import { Decimal, currencyExponent, money } from '../../core/money.ts';
import type { IcashClient } from './client.ts';
import { ICASH_SCALE, OPERATION_STATUSES, wrongValue, type IcashCashRegister, type IcashOperation, type IcashOperationDetail } from './wire.ts';

/** What the operations written here carry in ImportSource (vendor-contracts.md §3). */
export const ICASH_IMPORT_SOURCE = 'gateway';

/** A pay type with the payment type it stands for (the adapter's naming rules and settings). */
export interface IcashTypedPayType {
  readonly id: number;
  readonly name: string;
  readonly type: PaymentMethodType;
}

export interface IcashSaleWriterOptions {
  readonly client: IcashClient;
  /** The connection's currency: amounts are written and compared at its precision. */
  readonly currency: string;
  /** get-cash-registers (the adapter may reuse a recent answer). */
  registers(options: CallOptions): Promise<readonly IcashCashRegister[]>;
  /** get-pay-types, typed (the adapter may reuse a recent answer). */
  payTypes(options: CallOptions): Promise<readonly IcashTypedPayType[]>;
  /** An operation read by get-operation, mapped with the adapter's own sale mapping. */
  mapSale(operation: IcashOperationDetail, options: CallOptions): Promise<SaleRecord>;
  /**
   * How long undoing a failed write may take. It runs on its own deadline, not the caller's:
   * a write that timed out must still be undone before the error is reported.
   */
  readonly compensationTimeoutMs?: number;
}

const METHOD_TYPES: readonly PaymentMethodType[] = ['CASH', 'CARD', 'CHECK', 'OTHER'];
/** DECIMAL(10,5) for Qty and SaleItemSinglePrice, DECIMAL(10,2) for PaymentSum: the integer digits left. */
const MAX_QTY_OR_PRICE = Decimal.parse('99999.99999');
const MAX_PAYMENT = Decimal.parse('99999999.99');
/** Comment is text up to 255 characters; ImportRefID up to 30. */
const MAX_COMMENT = 255;
const MAX_REFERENCE = 30;
/** SaleItemDiscount is DECIMAL(4,2) below 100: a percent in hundredths, 0…9999. */
const MAX_DISCOUNT_HUNDREDTHS = 9_999n;
const TEN_THOUSAND = 10_000n;

/** One line as iCash will be asked to record it. */
interface PlannedLine {
  readonly saleItemId: number;
  readonly quantity: Decimal;
  readonly unitPrice: Decimal;
  /** Percent at scale 2. */
  readonly discountPercent: Decimal;
}

interface PlannedPayment {
  readonly payTypeId: number;
  readonly amount: Decimal;
}

interface Plan {
  readonly cashRegisterId: number;
  readonly storeId: number;
  readonly contragentId: number | undefined;
  readonly comment: string | undefined;
  readonly lines: readonly PlannedLine[];
  readonly payments: readonly PlannedPayment[];
  /** print-operation needs one; nothing is left unpaid, so it pays nothing. */
  readonly printPayTypeId: number;
}

/** Where a step's refusal points in the client's input. */
type Step = { readonly kind: 'line'; readonly index: number } | { readonly kind: 'check' } | { readonly kind: 'payment'; readonly index: number } | { readonly kind: 'print' };

const positiveInt = (id: string): number | null => (/^[1-9]\d{0,14}$/.test(id) ? Number(id) : null);

/**
 * The SaleItemDiscount percent (hundredths, 0…9999) under which iCash's arithmetic
 * [assumption 9] — discount = round2(gross × % / 100), half away from zero — gives exactly
 * `discountCents` on a line of `grossCents`; the one nearest the exact ratio, or null when
 * no percent of two decimals does. With g = gross and d = discount in cents, k hundredths of
 * a percent give g·k / 10 000 cents, which rounds to d iff (2d − 1)·10⁴ ≤ 2gk < (2d + 1)·10⁴.
 */
export function icashDiscountPercent(grossCents: bigint, discountCents: bigint): Decimal | null {
  if (discountCents === 0n) return Decimal.zero.round(ICASH_SCALE.discountPercent);
  if (grossCents <= 0n || discountCents < 0n || discountCents > grossCents) return null;
  const twoG = 2n * grossCents;
  const low = ((2n * discountCents - 1n) * TEN_THOUSAND + twoG - 1n) / twoG;
  const high = ((2n * discountCents + 1n) * TEN_THOUSAND - 1n) / twoG;
  const nearest = (2n * discountCents * TEN_THOUSAND + grossCents) / twoG;
  const top = high < MAX_DISCOUNT_HUNDREDTHS ? high : MAX_DISCOUNT_HUNDREDTHS;
  if (low > top) return null;
  const hundredths = nearest < low ? low : nearest > top ? top : nearest;
  return Decimal.of(hundredths, ICASH_SCALE.discountPercent);
}

/** A line's amounts as iCash computes them [assumption 9]: gross, discount and total in cents. */
export function icashLineTotal(quantity: Decimal, unitPrice: Decimal, discountPercent: Decimal): { gross: Decimal; discount: Decimal; total: Decimal } {
  const gross = quantity.mul(unitPrice).round(2);
  const product = gross.mul(discountPercent);
  const discount = Decimal.of(product.units, product.scale + 2).round(2);
  return { gross, discount, total: gross.sub(discount) };
}

export function createIcashSaleWriter(options: IcashSaleWriterOptions): SaleWriter {
  const { client, currency } = options;
  const places = currencyExponent(currency);
  const compensationTimeoutMs = options.compensationTimeoutMs ?? 15_000;
  const site = { vendor: client.vendor, connection: client.connection };

  /** Checks and translates the draft; no write happens before this passes. */
  const plan = async (draft: SaleDraft, call: CallOptions): Promise<Plan> => {
    if (draft.reference.length === 0 || draft.reference.length > MAX_REFERENCE) {
      throw new WriteRefusedError('UNSUPPORTED', `iCash keeps a reference of at most ${MAX_REFERENCE} characters (ImportRefID); got ${draft.reference.length}`);
    }
    const comment = draft.note ?? undefined;
    if (comment !== undefined && [...comment].length > MAX_COMMENT) {
      throw new WriteRefusedError('VALIDATION', `iCash keeps a note of at most ${MAX_COMMENT} characters`, 'note');
    }
    let contragentId: number | undefined;
    if (draft.customerId !== null) {
      const id = positiveInt(draft.customerId);
      if (id === null) throw new WriteRefusedError('NOT_FOUND', `No customer ${draft.customerId} on this connection`, 'customer');
      contragentId = id;
    }
    const lines = draft.lines.map((line, index) => planLine(line, index));

    // 3.02: the draft's store and its first register, or the first register of all.
    const registers = await options.registers(call);
    let register: IcashCashRegister | undefined;
    if (draft.locationId !== null) {
      const storeId = positiveInt(draft.locationId);
      register = storeId === null ? undefined : registers.find((candidate) => candidate.storeID === storeId);
      if (!register) throw new WriteRefusedError('NOT_FOUND', `No location ${draft.locationId} with a cash register on this connection`, 'location');
    } else {
      register = registers[0];
      if (!register) throw new WriteRefusedError('UNSUPPORTED', 'This iCash account has no cash register to record a sale on');
    }

    // 3.06: payments by the pay type's name, or by the type it stands for.
    const payTypes = await options.payTypes(call);
    const payments = draft.payments.map((payment, index): PlannedPayment => {
      const field = `payments[${index}]`;
      const wanted = payment.method.trim().toLocaleLowerCase();
      const byName = payTypes.find((payType) => payType.name.trim().toLocaleLowerCase() === wanted);
      const byType = METHOD_TYPES.includes(payment.method.trim().toUpperCase() as PaymentMethodType)
        ? payTypes.find((payType) => payType.type === payment.method.trim().toUpperCase())
        : undefined;
      const payType = byName ?? byType;
      if (!payType) {
        const known = payTypes.map((candidate) => candidate.name).join(', ');
        throw new WriteRefusedError('VALIDATION', `No iCash pay type named or of type ${JSON.stringify(payment.method)} (pay types: ${known || 'none'})`, `${field}.method`);
      }
      if (payment.amount.compare(Decimal.zero) <= 0) {
        throw new WriteRefusedError('VALIDATION', 'iCash records only payments greater than 0', `${field}.amount`);
      }
      if (payment.amount.normalize().scale > ICASH_SCALE.payment || payment.amount.compare(MAX_PAYMENT) > 0) {
        throw new WriteRefusedError('VALIDATION', `iCash takes a payment of at most ${MAX_PAYMENT.toString()} with ${ICASH_SCALE.payment} decimals`, `${field}.amount`);
      }
      return { payTypeId: payType.id, amount: payment.amount };
    });
    // print-operation pays whatever is still unpaid with its PayTypeID: an unpaid sale cannot be kept.
    if (payments.length === 0 && !draft.total.isZero()) {
      throw new WriteRefusedError('UNSUPPORTED', 'iCash completes a sale only once it is paid (print-operation pays the rest); give the payments', 'payments');
    }
    const printPayType = payments.at(-1)?.payTypeId ?? (payTypes.find((payType) => payType.type === 'CASH') ?? payTypes[0])?.id;
    if (printPayType === undefined) throw new WriteRefusedError('UNSUPPORTED', 'This iCash account has no pay type to complete a sale with');
    return { cashRegisterId: register.id, storeId: register.storeID, contragentId, comment, lines, payments, printPayTypeId: printPayType };
  };

  const planLine = (line: SaleDraftLine, index: number): PlannedLine => {
    const field = `lines[${index}]`;
    const saleItemId = positiveInt(line.itemId);
    if (saleItemId === null) throw new WriteRefusedError('NOT_FOUND', `No item ${line.itemId} on this connection`, `${field}.item`);
    // The item as read just before the write: iCash refuses deleted items and those it forbids to sell.
    const raw = line.item.raw as { SaleItemStatus?: unknown; SaleItemForbidSales?: unknown } | null;
    if (raw?.SaleItemStatus === 'Deleted') throw new WriteRefusedError('VENDOR_REJECTED', `iCash item ${line.itemId} is deleted`, `${field}.item`);
    if (raw?.SaleItemForbidSales === 1) throw new WriteRefusedError('VENDOR_REJECTED', `iCash forbids selling item ${line.itemId} (SaleItemForbidSales)`, `${field}.item`);
    if (line.quantity.compare(Decimal.zero) <= 0 || line.quantity.normalize().scale > ICASH_SCALE.quantity || line.quantity.compare(MAX_QTY_OR_PRICE) > 0) {
      throw new WriteRefusedError('VALIDATION', `iCash takes a quantity above 0 and up to ${MAX_QTY_OR_PRICE.toString()}, with at most ${ICASH_SCALE.quantity} decimals`, `${field}.quantity`);
    }
    if (line.unitPrice.isNegative() || line.unitPrice.normalize().scale > ICASH_SCALE.singlePrice || line.unitPrice.compare(MAX_QTY_OR_PRICE) > 0) {
      throw new WriteRefusedError('VALIDATION', `iCash takes a unit price up to ${MAX_QTY_OR_PRICE.toString()}, with at most ${ICASH_SCALE.singlePrice} decimals`, `${field}.unitPrice`);
    }
    // iCash rounds the line to cents and takes the discount as a percent of it [assumption 9]:
    // the percent must give back the draft's discount to the cent, and the line its exact total.
    const gross = line.quantity.mul(line.unitPrice).round(2);
    let discountPercent: Decimal | null = null;
    if (line.discount.normalize().scale <= 2) {
      discountPercent = icashDiscountPercent(gross.toMinorUnits(2), line.discount.toMinorUnits(2));
    }
    if (discountPercent === null) {
      throw new WriteRefusedError(
        'VALIDATION',
        `iCash takes a discount as a percent with 2 decimals of the line's ${gross.toString()}; no such percent gives exactly ${line.discount.toFixedAtLeast(places)}`,
        `${field}.discount`,
      );
    }
    const computed = icashLineTotal(line.quantity, line.unitPrice, discountPercent);
    if (!computed.total.equals(line.total)) {
      const at = line.discount.isZero() ? `${field}.quantity` : `${field}.discount`;
      throw new WriteRefusedError('VALIDATION', `iCash would total this line ${computed.total.toString()}, not ${line.total.toFixedAtLeast(places)}`, at);
    }
    return { saleItemId, quantity: line.quantity, unitPrice: line.unitPrice, discountPercent };
  };

  /** get-operation, mapped with the adapter's mapping. */
  const readSale = async (operationId: number, call: CallOptions): Promise<SaleRecord> => options.mapSale(await client.getOperation(operationId, call), call);

  /**
   * Undoes an unfinished operation after a failed step, on its own deadline. Answers the
   * sale when the operation turns out printed after all (print-operation's answer was lost).
   */
  const undo = async (operationId: number): Promise<SaleRecord | null> => {
    const call = { signal: AbortSignal.timeout(compensationTimeoutMs) };
    const operation = await client.getOperation(operationId, call);
    if (operation.OperationStatus !== 'TEMP') return options.mapSale(operation, call);
    await client.discardTempOperation(operationId, call);
    return null;
  };

  /** The client-facing refusal for a step iCash refused (the operation already undone). */
  const refusalOf = (error: unknown, step: Step): unknown => {
    if (!(error instanceof VendorRejectedError) || error.status !== 200) return error;
    const message = error.vendorMessage ?? error.message;
    const lineFields: Record<string, string> = {
      [wrongValue('SaleItemID')]: 'item',
      [wrongValue('SaleItemInventoryID')]: 'item',
      [wrongValue('Qty')]: 'quantity',
      [wrongValue('SaleItemSinglePrice')]: 'unitPrice',
      [wrongValue('SaleItemDiscount')]: 'discount',
    };
    const paymentFields: Record<string, string> = { [wrongValue('PayTypeID')]: 'method', [wrongValue('PaymentSum')]: 'amount' };
    const at = step.kind === 'line' ? lineFields[message] : step.kind === 'payment' ? paymentFields[message] : undefined;
    const field = at === undefined ? null : `${step.kind === 'line' ? 'lines' : 'payments'}[${(step as { index: number }).index}].${at}`;
    return new WriteRefusedError('VENDOR_REJECTED', message, field);
  };

  const create = async (draft: SaleDraft, call: CallOptions): Promise<SaleRecord> => {
    const planned = await plan(draft, call);

    // 3.13 new-operation: validated whole by iCash before it records anything.
    let operationId: number;
    try {
      operationId = (
        await client.newOperation(
          {
            ImportSource: ICASH_IMPORT_SOURCE,
            ImportRefID: draft.reference,
            OperationType: 'Sell',
            CashRegisterID: planned.cashRegisterId,
            StoreID: planned.storeId,
            ContragentID: planned.contragentId,
            Comment: planned.comment,
          },
          call,
        )
      ).OperationID;
    } catch (error) {
      if (error instanceof VendorRejectedError && error.status === 200) {
        const message = error.vendorMessage ?? error.message;
        if (message === wrongValue('ContragentID')) throw new WriteRefusedError('NOT_FOUND', `No customer ${draft.customerId} at iCash (${message})`, 'customer');
        if (message === wrongValue('StoreID') || message === wrongValue('CashRegisterID')) throw new WriteRefusedError('VENDOR_REJECTED', message, 'location');
        throw new WriteRefusedError('VENDOR_REJECTED', message);
      }
      throw error;
    }

    let step: Step = { kind: 'line', index: 0 };
    try {
      // 3.15 lines, all of them before any payment: lines can be removed again, payments cannot.
      for (const [index, line] of planned.lines.entries()) {
        step = { kind: 'line', index };
        await client.addOperationSaleItem(
          { OperationID: operationId, SaleItemID: line.saleItemId, Qty: line.quantity, SaleItemSinglePrice: line.unitPrice, SaleItemDiscount: line.discountPercent },
          call,
        );
      }
      // The vendor's own totals, before money is attached: they must be the draft's exactly.
      step = { kind: 'check' };
      const built = await readSale(operationId, call);
      const mismatch = draft.lines.findIndex((line, index) => built.lines?.[index]?.total.amount !== money(line.total, currency).amount);
      if (mismatch >= 0 || built.lines?.length !== draft.lines.length || built.total.amount !== money(draft.total, currency).amount) {
        throw new WriteRefusedError(
          'VENDOR_REJECTED',
          `iCash totals the sale ${built.total.amount}, the draft ${money(draft.total, currency).amount}`,
          mismatch >= 0 ? `lines[${mismatch}]` : null,
        );
      }
      // 3.19 payments, then 3.18 print: TEMP → NORMAL.
      for (const [index, payment] of planned.payments.entries()) {
        step = { kind: 'payment', index };
        await client.addOperationPayment({ OperationID: operationId, PayTypeID: payment.payTypeId, PaymentSum: payment.amount }, call);
      }
      step = { kind: 'print' };
      await client.printOperation({ OperationID: operationId, PayTypeID: planned.printPayTypeId }, call);
    } catch (error) {
      let completed: SaleRecord | null;
      try {
        completed = await undo(operationId);
      } catch (undoError) {
        // Not undone: the core must not settle on a refusal, so that it asks iCash by the
        // reference (findByReference undoes the operation again) instead of giving up.
        const final = error instanceof WriteRefusedError || error instanceof VendorRejectedError || error instanceof VendorAuthError || error instanceof VendorRateLimitedError;
        if (!final) throw error;
        throw new VendorUnavailableError({
          ...site,
          vendorMessage: `operation ${operationId} could not be undone after "${(error as Error).message}": ${undoError instanceof Error ? undoError.message : String(undoError)}`,
          cause: error,
        });
      }
      if (completed) return completed;
      throw refusalOf(error, step);
    }
    // Printed: the sale as iCash now has it. A failure here leaves a complete sale, which
    // the core finds again by its reference.
    return readSale(operationId, call);
  };

  /**
   * 3.20 operations-list by ImportSource + ImportRefID, in every status. A printed (non-TEMP)
   * operation is the sale: read whole with get-operation. A TEMP one is a write that was
   * cut short: it is undone (its lines removed) and does not count, so the core may write
   * again — completing it instead would need proof that every line and payment made it.
   */
  const findByReference = async (draft: SaleDraft, call: CallOptions): Promise<SaleRecord | null> => {
    if (draft.reference.length === 0 || draft.reference.length > MAX_REFERENCE) return null;
    const found: IcashOperation[] = [];
    for await (const row of client.allOperations(
      { ImportSource: ICASH_IMPORT_SOURCE, ImportRefID: draft.reference, OperationType: ['Sell'], OperationStatus: OPERATION_STATUSES, sort: 'OperationID', order: 'ASC' },
      call,
    )) {
      found.push(row);
    }
    const written = found.find((row) => row.OperationStatus === 'NORMAL') ?? found.find((row) => row.OperationStatus !== 'TEMP');
    for (const row of found) {
      if (row.OperationStatus !== 'TEMP') continue;
      // The empty leftovers of earlier attempts cost one read each; lines, if any, are removed.
      await client.discardTempOperation(row.OperationID, call);
    }
    return written ? readSale(written.OperationID, call) : null;
  };

  return {
    unitPricePlaces: ICASH_SCALE.singlePrice,
    quantityPlaces: ICASH_SCALE.quantity,
    create: (draft, call) => create(draft, call),
    findByReference: (draft, call) => findByReference(draft, call),
  };
}
