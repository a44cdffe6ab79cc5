/**
 * createSale at Kash: one `POST /workers/webapp.php` (vendor-contracts.md §2 "Create sale"),
 * then `getOrder` to return the sale as Kash now has it.
 *
 *  - `itemsList[]`: one `<id>_<qty>_<title>_<price>` entry per line (the encoder turns `_` in
 *    titles into spaces); quantities and unit prices go out with at most 4 decimals, `.` point.
 *  - Kash lines have no discount field: a discounted line goes out at the discounted unit
 *    price, but only when (gross − discount) / quantity is exact at 4 decimals and gives the
 *    draft's line total back; anything else is refused before writing.
 *  - `payment`: the payment-mode id when the draft has one tender (it covers the total, the
 *    core checked), `-1` (validated, unpaid) when it has none. Kash records one mode per
 *    order, so several tenders are refused (UNSUPPORTED) before writing.
 *  - `privateComment` = the draft's reference (listed by getOrders, so findByReference can
 *    scan for it), `dateValeur` = now, so the day to scan is known after a timeout.
 *
 * webapp.php checks the whole request before recording anything, so its `{"result":"ERROR"}`
 * answers (HTTP 200) wrote nothing: they become WriteRefusedError with Kash's own message.
 */
import { WriteRefusedError, type CallOptions, type SaleDraft, type SaleDraftLine, type SaleWriter } from '../../core/adapter.ts';
import { VendorAuthError, VendorMalformedResponseError, VendorNotFoundError, VendorRateLimitedError, VendorRejectedError, VendorUnavailableError } from '../../core/errors.ts';
import type { PaymentMethodType, SaleRecord } from '../../core/model.ts';
import { currencyExponent, Decimal } from '../../core/money.ts';
import { toLocalDate } from '../../core/time.ts';
import type { KashClient, KashDateRange } from './client.ts';
import { KASH_DELIVERY_METHODS, type KashOrder, type KashOrderDetail, type KashPaymentMode, type KashSaleLine } from './wire.ts';

/** webapp.php reads quantities and prices as `-?\d{1,9}(\.\d{1,4})?` (docs/vendors/kash.md, assumption 17). */
export const KASH_UNIT_PRICE_PLACES = 4;
export const KASH_QUANTITY_PLACES = 4;
const MAX_INTEGER_PART = Decimal.parse('999999999.9999');
/** payment = -1: a validated order left unpaid. */
const UNPAID_VALIDATED = -1;
const PAYMENT_TYPES: readonly PaymentMethodType[] = ['CASH', 'CARD', 'CHECK', 'OTHER'];
/** Idempotency keys live 24 hours (core/idempotency.ts): a reconciliation without a known send time looks that far back, and more. */
const DEFAULT_RECONCILE_LOOK_BACK_HOURS = 48;
/** Send times remembered per reference (one process); older ones fall back to the look-back window. */
const MAX_REMEMBERED_SENDS = 10_000;

export interface KashSaleWriterOptions {
  readonly connectionId: string;
  readonly currency: string;
  readonly timeZone: string;
  /** The shop's payment modes by id (the adapter's per-request memo of getPaymentModes). */
  readonly paymentModes: (options: CallOptions) => Promise<ReadonlyMap<number, KashPaymentMode>>;
  /** The adapter's own getOrder → sale mapping. */
  readonly mapOrder: (detail: KashOrderDetail, paymentModes: ReadonlyMap<number, KashPaymentMode>) => SaleRecord;
  /** The adapter's payment-mode title → type mapping. */
  readonly paymentMethodType: (title: string) => PaymentMethodType;
  /** The clock that dates the sale (dateValeur) and ends a reconciliation scan. */
  readonly now?: () => Date;
  readonly reconcileLookBackHours?: number;
}

export function createKashSaleWriter(client: KashClient, options: KashSaleWriterOptions): SaleWriter {
  const now = options.now ?? (() => new Date());
  const places = currencyExponent(options.currency);
  const site = { vendor: 'kash', connection: options.connectionId };
  const lookBackMs = (options.reconcileLookBackHours ?? DEFAULT_RECONCILE_LOOK_BACK_HOURS) * 3_600_000;
  /** reference → the dateValeur (unix seconds) it was sent with. */
  const sentAt = new Map<string, number>();

  const remember = (reference: string, seconds: number): void => {
    sentAt.delete(reference);
    sentAt.set(reference, seconds);
    if (sentAt.size > MAX_REMEMBERED_SENDS) sentAt.delete(sentAt.keys().next().value!);
  };

  /** The Kash payment mode a client's method names: a mode title (case-insensitive), else a type. */
  const resolveMode = async (method: string, field: string, call: CallOptions): Promise<number> => {
    const modes = [...(await options.paymentModes(call)).values()].sort((a, b) => a.id - b.id);
    const wanted = method.trim().toLocaleLowerCase();
    const byTitle = modes.find((mode) => mode.title.trim().toLocaleLowerCase() === wanted);
    if (byTitle) return byTitle.id;
    const type = method.trim().toUpperCase() as PaymentMethodType;
    if (PAYMENT_TYPES.includes(type)) {
      const byType = modes.find((mode) => options.paymentMethodType(mode.title) === type);
      if (byType) return byType.id;
    }
    const known = modes.map((mode) => mode.title).join(', ');
    throw new WriteRefusedError('VALIDATION', `Kash has no payment mode ${JSON.stringify(method)} (modes: ${known}; or a type: ${PAYMENT_TYPES.join(', ')})`, field);
  };

  /** getOrder → the mapped sale. Whatever goes wrong here, the sale is already written. */
  const readBack = async (orderInternalId: number, what: string, call: CallOptions): Promise<SaleRecord> => {
    try {
      const [detail, modes] = await Promise.all([client.getOrder(orderInternalId, call), options.paymentModes(call)]);
      try {
        return options.mapOrder(detail, modes);
      } catch (error) {
        throw new VendorMalformedResponseError({ ...site, vendorMessage: `getOrder ${orderInternalId} cannot be read: ${(error as Error).message}`, cause: error });
      }
    } catch (error) {
      // The core takes a rejection, an auth failure or a rate limit for "nothing written" and would
      // let a retry write again: after the write, every failure must read as an unknown outcome.
      if (error instanceof VendorRejectedError || error instanceof VendorNotFoundError || error instanceof VendorAuthError || error instanceof VendorRateLimitedError) {
        throw new VendorUnavailableError({ ...site, status: error.status, vendorMessage: `${what} but could not be read back: ${error.vendorMessage ?? error.message}`, cause: error });
      }
      throw error;
    }
  };

  return {
    unitPricePlaces: KASH_UNIT_PRICE_PLACES,
    quantityPlaces: KASH_QUANTITY_PLACES,

    async create(draft: SaleDraft, call: CallOptions): Promise<SaleRecord> {
      // Everything Kash cannot take is refused here, before anything is sent.
      const items = draft.lines.map((line, index) => itemsListLine(line, index, places));
      const idcaisse = optionalId(draft.locationId, 'location', 'register');
      const idClient = optionalId(draft.customerId, 'customer', 'client');
      if (draft.payments.length > 1) throw new WriteRefusedError('UNSUPPORTED', 'Kash records one payment mode per sale', 'payments');
      const payment = draft.payments.length === 0 ? UNPAID_VALIDATED : await resolveMode(draft.payments[0]!.method, 'payments[0].method', call);

      const dateValeur = Math.floor(now().getTime() / 1000);
      remember(draft.reference, dateValeur);
      let answer;
      try {
        // POST /workers/webapp.php (public api_record_sale.md; contract §2 Create sale).
        answer = await client.recordSale(
          {
            payment,
            deliveryMethod: KASH_DELIVERY_METHODS.counter,
            idcaisse,
            idClient,
            privateComment: draft.reference,
            publicComment: draft.note === null || draft.note.trim() === '' ? undefined : draft.note,
            dateValeur,
            items,
          },
          call,
        );
      } catch (error) {
        throw refusalOf(error, draft) ?? error;
      }
      return readBack(answer.orderInternalID, `Kash recorded sale ${answer.orderID}`, call);
    },

    async findByReference(draft: SaleDraft, call: CallOptions): Promise<SaleRecord | null> {
      const sent = sentAt.get(draft.reference);
      // The day the sale was dated with, as the docs advise; else a window around now that
      // covers the idempotency key's whole life.
      const range: KashDateRange =
        sent !== undefined
          ? client.shopDay(toLocalDate(new Date(sent * 1000), options.timeZone))
          : { from: new Date(now().getTime() - lookBackMs), to: new Date(now().getTime() + 3_600_000) };
      // GET getOrders.php (validated orders and quotes of the range), filtered on privateComment.
      const found = (await client.findOrdersByPrivateComment(draft.reference, range, call)).filter((order: KashOrder) => order.status !== 'quote');
      if (found.length === 0) return null;
      const first = found.reduce((a, b) => (b.orderInternalID < a.orderInternalID ? b : a));
      return readBack(first.orderInternalID, `Kash has sale ${first.orderID} for ${draft.reference}`, call);
    },
  };
}

/** One draft line as an `itemsList[]` article entry, or a refusal naming the field Kash cannot take. */
function itemsListLine(line: SaleDraftLine, index: number, places: number): KashSaleLine {
  const field = `lines[${index}]`;
  const idArticle = positiveInteger(line.itemId);
  if (idArticle === null) throw new WriteRefusedError('NOT_FOUND', `Kash articles have numeric ids; ${JSON.stringify(line.itemId)} is not one`, `${field}.item`);
  const quantity = line.quantity.normalize();
  if (quantity.compare(MAX_INTEGER_PART) > 0) throw new WriteRefusedError('VALIDATION', 'Kash takes quantities below 1,000,000,000', `${field}.quantity`);
  if (line.unitPrice.compare(MAX_INTEGER_PART) > 0) throw new WriteRefusedError('VALIDATION', 'Kash takes unit prices below 1,000,000,000', `${field}.unitPrice`);
  const price = line.discount.isZero() ? line.unitPrice.normalize() : discountedUnitPrice(line, field);
  // Kash computes the line as round2(quantity × price): it must give the draft's total back.
  if (!quantity.mul(price).round(places).equals(line.total)) {
    throw new WriteRefusedError('VALIDATION', `Kash would total this line ${quantity.mul(price).round(places).toString()}, not ${line.total.toString()}`, line.discount.isZero() ? `${field}.unitPrice` : `${field}.discount`);
  }
  return { kind: 'article', idArticle, quantity, title: line.item.name, price };
}

/** (gross − discount) / quantity, when it is exact at Kash's 4 decimals. */
function discountedUnitPrice(line: SaleDraftLine, field: string): Decimal {
  const net = line.total;
  const quantity = line.quantity.normalize();
  // net / quantity × 10^4 = net.units × 10^(4 + q.scale) / (q.units × 10^net.scale), which must be an integer.
  const numerator = net.units * 10n ** BigInt(KASH_UNIT_PRICE_PLACES + quantity.scale);
  const denominator = quantity.units * 10n ** BigInt(net.scale);
  if (numerator % denominator !== 0n) {
    throw new WriteRefusedError(
      'VALIDATION',
      `Kash has no line discount: the line is sent at its discounted unit price, and ${net.toString()} / ${quantity.toString()} is not exact at ${KASH_UNIT_PRICE_PLACES} decimals`,
      `${field}.discount`,
    );
  }
  return Decimal.of(numerator / denominator, KASH_UNIT_PRICE_PLACES).normalize();
}

function optionalId(id: string | null, field: string, what: string): number | undefined {
  if (id === null) return undefined;
  const value = positiveInteger(id);
  if (value === null) throw new WriteRefusedError('NOT_FOUND', `Kash has no ${what} ${JSON.stringify(id)}`, field);
  return value;
}

function positiveInteger(text: string): number | null {
  return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null;
}

/**
 * webapp.php's `{"result":"ERROR"}` (HTTP 200) comes after it checked the request and before
 * it recorded anything: a refusal, with Kash's message and, where it names one, the field.
 * Anything else (HTTP errors, timeouts, cut answers) is left to the core, which reconciles.
 */
function refusalOf(error: unknown, draft: SaleDraft): WriteRefusedError | null {
  if (!(error instanceof VendorRejectedError) || error.status !== 200) return null;
  const message = error.vendorMessage ?? error.message;
  if (message === 'Unknown cashbox') return new WriteRefusedError('NOT_FOUND', message, 'location');
  if (message === 'Unknown client') return new WriteRefusedError('NOT_FOUND', message, 'customer');
  if (message === 'Unknown payment mode') return new WriteRefusedError('VENDOR_REJECTED', message, 'payments[0].method');
  const article = /^Unknown article (\S+)$/.exec(message);
  if (article) {
    const index = draft.lines.findIndex((line) => line.itemId === article[1]);
    return new WriteRefusedError('VENDOR_REJECTED', message, index < 0 ? 'lines' : `lines[${index}].item`);
  }
  return new WriteRefusedError('VENDOR_REJECTED', message);
}
