/**
 * createSale at Tactill: one `POST /sales` (seed §Sale "Create a sale"; docs/vendors/tactill.md
 * "Writes" and "Writes through posgraph").
 *
 * - The body carries every amount in integer minor units, computed exactly from the draft:
 *   per line `total_tax = round(total × rate / (100 + rate))` (tax is included in prices, the
 *   rule of src/simulators/dataset.ts and of the simulator's default), the sale's
 *   `total_tax = Σ line taxes` and `total_tax_free = total − total_tax`, so the vendor's
 *   `total = total_tax_free + total_tax` always holds.
 * - `original_id` is the draft's reference: the vendor stores it and filters on it, which is
 *   how `findByReference` finds a sale whose answer was lost (`POST /sales` is not idempotent).
 * - A sale belongs to a shop, a source (till) and an OPEN cashbook of that shop. v0 has no
 *   shop or till endpoint, so they come from the open cashbooks the vendor lists: of the
 *   draft's location (a shop id), else of `settings.shopId`, else the first open cashbook
 *   listed (newest first). That lookup is a POST and eats the non-GET quota, so it is kept for
 *   `listCacheTtlMs`; a write refused while using a kept cashbook (closed meanwhile) is tried
 *   once more with a fresh one, which is safe: a refused write stored nothing.
 * - Tactill has no payment-method endpoint either: a method is resolved by type or by a known
 *   name to `payment_method_type`, keeps the client's text as `payment_method_name`, and gets
 *   an id derived from both (see `resolveTactillPaymentMethod`).
 */
import { createHash } from 'node:crypto';
import { WriteRefusedError, type CallOptions, type SaleDraft, type SaleWriter } from '../../core/adapter.ts';
import { VendorRejectedError } from '../../core/errors.ts';
import type { SaleRecord } from '../../core/model.ts';
import { currencyExponent, Decimal, DecimalError, sumDecimals } from '../../core/money.ts';
import type { TactillClient } from './client.ts';
import {
  PAYMENT_METHOD_TYPES,
  type TactillCashbook,
  type TactillSale,
  type TactillSaleCreateInput,
  type TactillSaleLineInput,
  type TactillSalePaymentInput,
} from './wire.ts';

// ---------------------------------------------------------------------------------------
// Payment methods

export type TactillPaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

export interface TactillPaymentMethod {
  readonly id: string;
  readonly name: string;
  readonly type: TactillPaymentMethodType;
}

/** Lower case, accents dropped, blanks collapsed: "Carte  Bancaire" and "carte bancaire" are one name. */
function canonicalName(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

/**
 * The names a Tactill till gives its tenders (the types themselves, the simulator's Cash, Card,
 * Cheque, Voucher, and their usual French and English names), as canonical names.
 */
const METHOD_NAMES: Readonly<Record<TactillPaymentMethodType, readonly string[]>> = {
  CASH: ['cash', 'especes', 'espece', 'liquide', 'liquidites', 'bargeld'],
  CARD: ['card', 'credit card', 'debit card', 'bank card', 'payment card', 'carte', 'carte bancaire', 'carte bleue', 'cb', 'tpe', 'contactless', 'sans contact'],
  CHECK: ['check', 'cheque', 'cheques', 'checks'],
  OTHER: ['other', 'autre', 'voucher', 'vouchers', 'gift card', 'carte cadeau', 'bon', 'bon d achat', 'avoir', 'store credit', 'meal voucher', 'ticket restaurant', 'titre restaurant'],
};

const TYPE_BY_NAME = new Map<string, TactillPaymentMethodType>(
  (Object.entries(METHOD_NAMES) as Array<[TactillPaymentMethodType, readonly string[]]>).flatMap(([type, names]) => names.map((name) => [name, type] as const)),
);

/**
 * A client's method as Tactill's tender: by type (CASH, CARD, CHECK, OTHER, any case) or by a
 * known name (see METHOD_NAMES), else null. `name` is the client's text as written;
 * `id` = a UUID-shaped digest (version 8) of `type` and the canonical name, so the same method
 * always gets the same id and "Cash", "cash" and "CASH" are one method at the vendor.
 */
export function resolveTactillPaymentMethod(method: string): TactillPaymentMethod | null {
  const name = method.trim();
  const canonical = canonicalName(name);
  const type = TYPE_BY_NAME.get(canonical);
  if (type === undefined) return null;
  const hex = createHash('sha256').update(`posgraph:tactill:payment-method:${type}:${canonical}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { id, name, type };
}

// ---------------------------------------------------------------------------------------
// The sale body (pure)

/** Where a sale is rung up: the shop, the till that records it, and the till's open session. */
export interface TactillTill {
  readonly shopId: string;
  readonly sourceId: string;
  readonly sourceName: string;
  readonly cashbookId: string;
}

/** Integer minor units of an exact amount, as the JSON number the vendor wants. */
export function minorUnits(amount: Decimal, exponent: number, field: string): number {
  let units: bigint;
  try {
    units = amount.toMinorUnits(exponent);
  } catch (error) {
    throw new WriteRefusedError('VALIDATION', `${field}: ${error instanceof Error ? error.message : String(error)}`, field);
  }
  const value = Number(units);
  if (!Number.isSafeInteger(value)) throw new WriteRefusedError('VALIDATION', `${field} is too large for Tactill`, field);
  return value;
}

/** Tax included in a gross amount of minor units at a rate in basis points, rounded half away from zero. */
export function includedTax(gross: number, basisPoints: number): number {
  const numerator = BigInt(gross) * BigInt(basisPoints);
  const denominator = BigInt(10_000 + basisPoints);
  const magnitude = numerator < 0n ? -numerator : numerator;
  let quotient = magnitude / denominator;
  if ((magnitude % denominator) * 2n >= denominator) quotient += 1n;
  return Number(numerator < 0n ? -quotient : quotient);
}

/**
 * The `POST /sales` body for a draft. Amounts are exact minor units of `currencyCode`; the
 * sale is CLOSED and FULL when payments cover the total, else OPEN and NONE with the whole
 * total as `total_rest`. Payment methods must already resolve (see `resolveTactillPaymentMethod`).
 */
export function tactillSaleBody(draft: SaleDraft, till: TactillTill, currencyCode: string, at: Date): TactillSaleCreateInput {
  const exponent = currencyExponent(currencyCode);
  const lines: TactillSaleLineInput[] = draft.lines.map((line, index) => {
    const field = `lines[${index}]`;
    if (line.item.taxRate === null) throw new WriteRefusedError('VALIDATION', `Item ${line.itemId} has no tax rate at Tactill`, `${field}.item`);
    let taxRate: number;
    try {
      taxRate = Number(Decimal.parse(line.item.taxRate).toMinorUnits(2));
    } catch (error) {
      if (!(error instanceof DecimalError)) throw error;
      throw new WriteRefusedError('VALIDATION', `Item ${line.itemId} has a tax rate Tactill cannot take: ${line.item.taxRate}`, `${field}.item`);
    }
    const total = minorUnits(line.total, exponent, `${field}.total`);
    let quantity: number;
    try {
      quantity = line.quantity.toJsonNumber();
    } catch {
      throw new WriteRefusedError('VALIDATION', `${field}.quantity cannot be sent as a JSON number`, `${field}.quantity`);
    }
    return {
      product_id: line.itemId,
      name: line.item.name,
      quantity,
      unit_price: minorUnits(line.unitPrice, exponent, `${field}.unitPrice`),
      discount: minorUnits(line.discount, exponent, `${field}.discount`),
      total,
      tax_rate: taxRate,
      total_tax: includedTax(total, taxRate),
    };
  });
  const payments: TactillSalePaymentInput[] = draft.payments.map((payment, index) => {
    const method = resolveTactillPaymentMethod(payment.method);
    if (!method) throw unknownMethod(payment.method, index);
    return {
      payment_method_id: method.id,
      payment_method_name: method.name,
      payment_method_type: method.type,
      amount: minorUnits(payment.amount, exponent, `payments[${index}].amount`),
    };
  });

  const total = minorUnits(draft.total, exponent, 'total');
  const totalTax = lines.reduce((sum, line) => sum + line.total_tax!, 0);
  const totalDiscount = minorUnits(sumDecimals(draft.lines.map((line) => line.discount)), exponent, 'discount');
  const paid = payments.reduce((sum, payment) => sum + payment.amount, 0);
  const settled = paid === total;
  const instant = at.toISOString();
  return {
    original_id: draft.reference,
    shop_id: till.shopId,
    source_id: till.sourceId,
    source_name: till.sourceName,
    cashbook_id: till.cashbookId,
    state: settled ? 'CLOSED' : 'OPEN',
    refund_status: 'NONE',
    refunded_status: 'NONE',
    payment_status: settled ? 'FULL' : paid === 0 ? 'NONE' : 'PARTIAL',
    opened_at: instant,
    ...(settled ? { closed_at: instant } : {}),
    ...(draft.customerId === null ? {} : { customer_id: draft.customerId }),
    ...(draft.note === null ? {} : { note: draft.note }),
    lines,
    payments,
    total,
    total_discount: totalDiscount,
    total_tax_free: total - totalTax,
    total_tax: totalTax,
    total_rest: total - paid,
  };
}

function unknownMethod(method: string, index: number): WriteRefusedError {
  return new WriteRefusedError(
    'VALIDATION',
    `Unknown Tactill payment method ${JSON.stringify(method)}: use a type (CASH, CARD, CHECK, OTHER) or a name such as Cash, Card, Cheque or Voucher`,
    `payments[${index}].method`,
  );
}

// ---------------------------------------------------------------------------------------
// The writer

export interface TactillSaleWriterSettings {
  readonly currency: string;
  /** The shop a sale without a location is rung up in. */
  readonly shopId?: string | undefined;
  /** The till (source) posgraph writes as; default: the source of the cashbook used. */
  readonly sourceId?: string | undefined;
  /** That till's name; default: `sourceId` when given, else the cashbook's `source_name`. */
  readonly sourceName?: string | undefined;
  /** How long an open cashbook found for a shop is reused (ms); 0 looks it up for every sale. */
  readonly listCacheTtlMs: number;
}

interface KeptTill {
  readonly till: TactillTill;
  readonly at: number;
}

export function createTactillSaleWriter(
  client: TactillClient,
  settings: TactillSaleWriterSettings,
  /** The adapter's own sale mapping (a record it cannot map is the vendor's fault). */
  mapSale: (sale: TactillSale) => SaleRecord,
  now: () => Date = () => new Date(),
): SaleWriter {
  const places = currencyExponent(settings.currency);
  const kept = new Map<string, KeptTill>();

  /** The open cashbook a sale in `shopId` (or anywhere, when undefined) goes to, fetched afresh. */
  const lookUpTill = async (shopId: string | undefined, field: string | null, options: CallOptions): Promise<TactillTill> => {
    // seed §Cashbook "Request cashbooks with filtering": open sessions, newest first. One page:
    // an organization has one open session per till.
    const page = await client.listCashbooks(
      { state: { eq: 'OPEN' }, ...(shopId === undefined ? {} : { shop_id: { eq: shopId } }), sort: { field: 'opened_at', direction: 'desc' }, limit: 100 },
      { signal: options.signal },
    );
    const open = page.items.filter((cashbook) => cashbook.state === 'OPEN' && (shopId === undefined || cashbook.shop_id === shopId));
    const cashbook: TactillCashbook | undefined = open.find((candidate) => candidate.source_id === settings.sourceId) ?? open[0];
    if (!cashbook) {
      throw new WriteRefusedError(
        'VALIDATION',
        shopId === undefined
          ? 'Tactill has no open cashbook to ring the sale up in: open a till session first'
          : `Tactill shop ${shopId} has no open cashbook (or no such shop): open a till session there first`,
        field,
      );
    }
    return {
      shopId: cashbook.shop_id,
      cashbookId: cashbook.id,
      sourceId: settings.sourceId ?? cashbook.source_id,
      sourceName: settings.sourceName ?? settings.sourceId ?? cashbook.source_name,
    };
  };

  const tillFor = async (draft: SaleDraft, fresh: boolean, options: CallOptions): Promise<{ till: TactillTill; reused: boolean }> => {
    const shopId = draft.locationId ?? settings.shopId;
    const key = shopId ?? '';
    const entry = kept.get(key);
    if (!fresh && entry && Date.now() - entry.at < settings.listCacheTtlMs) return { till: entry.till, reused: true };
    kept.delete(key);
    const till = await lookUpTill(shopId, draft.locationId === null ? null : 'location', options);
    if (settings.listCacheTtlMs > 0) kept.set(key, { till, at: Date.now() });
    return { till, reused: false };
  };

  const forget = (draft: SaleDraft): void => {
    kept.delete(draft.locationId ?? settings.shopId ?? '');
  };

  return {
    unitPricePlaces: places,
    // A quantity is a JSON number; thousandths cover weighed goods (the dataset sells by the gram).
    quantityPlaces: 3,

    async create(draft, options) {
      // Refuse an unknown method before any vendor call.
      draft.payments.forEach((payment, index) => {
        if (!resolveTactillPaymentMethod(payment.method)) throw unknownMethod(payment.method, index);
      });
      const { till, reused } = await tillFor(draft, false, options);
      try {
        // seed §Sale "Create a sale": the answer is the full sale (lines, payments, cashbook).
        return mapSale(await client.createSale(tactillSaleBody(draft, till, settings.currency, now()), { signal: options.signal }));
      } catch (error) {
        if (!(error instanceof VendorRejectedError)) throw error;
        forget(draft);
        if (!reused) throw error;
        // The kept session may have been closed since: with a different open one, try once more.
        const current = await tillFor(draft, true, options).catch((lookup: unknown) => {
          if (lookup instanceof WriteRefusedError) throw lookup;
          throw error;
        });
        if (current.till.cashbookId === till.cashbookId && current.till.shopId === till.shopId) throw error;
        return mapSale(await client.createSale(tactillSaleBody(draft, current.till, settings.currency, now()), { signal: options.signal }));
      }
    },

    async findByReference(draft, options) {
      // `original_id` is not unique at the vendor; the earliest sale with it is the one written.
      const page = await client.listSales(
        { filter: { original_id: { eq: draft.reference } }, sort: [{ field: 'created_at', direction: 'asc' }, { field: 'id', direction: 'asc' }], limit: 1 },
        { signal: options.signal },
      );
      const sale = page.items[0];
      return sale === undefined ? null : mapSale(sale);
    },
  };
}
