/**
 * createSale at IncoCloud: one `POST {server_url}/connect/api/sale` (seed Example 4, contract
 * section 1 "Create sale"), `{location_id, partner_id, details:[{item_id, quantity, price_out}], note}`.
 * The vendor answers the created sale in full, unpaid (`payments: []`).
 *
 * What the vendor's write cannot carry is refused before anything is sent:
 *  - payments: POST sale takes none and the contract has no payment write, so a draft with
 *    payments is UNSUPPORTED rather than silently recorded unpaid;
 *  - line discounts: a detail takes no discount, so a discounted line is sent at the unit price
 *    that gives the same line total, total ÷ quantity, when that price is exact at 4 places;
 *    otherwise the line is refused (VALIDATION, `lines[i].discount`).
 *
 * The gateway's reference travels in `note`, the field the vendor keeps as written and `GET sale`
 * filters by (docs/vendors/incocloud.md, assumption 20): the note is the reference alone, or
 * the client's note followed by ` [reference]`. `findByReference` searches that exact note.
 */
import { WriteRefusedError, type CallOptions, type SaleDraft, type SaleDraftLine, type SaleWriter } from '../../core/adapter.ts';
import { VendorAuthError, VendorRejectedError } from '../../core/errors.ts';
import type { SaleRecord } from '../../core/model.ts';
import { Decimal, DecimalError } from '../../core/money.ts';
import type { IncocloudClient } from './client.ts';
import { INCOCLOUD_ERRORS, type CreateSaleRequest, type Sale } from './wire.ts';

/** What the vendor takes (docs/vendors/incocloud.md, assumption 19). */
export const INCOCLOUD_UNIT_PRICE_PLACES = 4;
export const INCOCLOUD_QUANTITY_PLACES = 3;
export const INCOCLOUD_MAX_SALE_LINES = 500;
export const INCOCLOUD_MAX_NOTE_LENGTH = 255;

export interface IncocloudWriterSettings {
  /** Where a sale goes when the client names no location; IncoCloud needs one for every sale. */
  readonly defaultLocationId?: number | undefined;
}

/** The adapter's own sale mapping (payment types resolved as its reads resolve them). */
export type IncocloudSaleMapper = (sale: Sale, options: CallOptions) => Promise<SaleRecord>;

/** The note written with a draft: the reference alone, or the client's note and then the reference. */
export function incocloudNoteOf(draft: Pick<SaleDraft, 'note' | 'reference'>): string {
  const note = draft.note?.trim() ?? '';
  return note === '' ? draft.reference : `${note} [${draft.reference}]`;
}

/**
 * `dividend ÷ divisor` when it is exact at `places` decimals (no rounding), else null.
 * Both as units at their scales: (a / 10^sa) ÷ (b / 10^sb) × 10^places = a·10^(sb+places) ÷ (b·10^sa).
 */
function exactQuotient(dividend: Decimal, divisor: Decimal, places: number): Decimal | null {
  const numerator = dividend.units * 10n ** BigInt(divisor.scale + places);
  const denominator = divisor.units * 10n ** BigInt(dividend.scale);
  if (denominator === 0n || numerator % denominator !== 0n) return null;
  return Decimal.of(numerator / denominator, places).normalize();
}

/** A positive integer id as the vendor's number; null when it cannot be one. */
function vendorId(id: string): number | null {
  return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : null;
}

function jsonNumber(value: Decimal, field: string, what: string): number {
  try {
    return value.toJsonNumber();
  } catch (error) {
    if (error instanceof DecimalError) throw new WriteRefusedError('VALIDATION', `${what} ${value.toString()} is too long for IncoCloud's JSON numbers`, field);
    throw error;
  }
}

/** The unit price sent for a line: its own, or with a discount the one that gives the same line total. */
function priceOut(line: SaleDraftLine, index: number): number {
  const field = `lines[${index}]`;
  if (line.discount.isZero()) return jsonNumber(line.unitPrice, `${field}.unitPrice`, 'unit price');
  const discounted = exactQuotient(line.total, line.quantity, INCOCLOUD_UNIT_PRICE_PLACES);
  if (discounted === null) {
    throw new WriteRefusedError(
      'VALIDATION',
      `IncoCloud takes no discount on a sale line, and ${line.total.toString()} ÷ ${line.quantity.normalize().toString()} ` +
        `is no unit price with at most ${INCOCLOUD_UNIT_PRICE_PLACES} decimals; adjust the discount or the unit price instead`,
      `${field}.discount`,
    );
  }
  return jsonNumber(discounted, `${field}.discount`, 'discounted unit price');
}

/** The vendor's write for a draft; throws WriteRefusedError for what IncoCloud cannot take. */
function requestFor(draft: SaleDraft, settings: IncocloudWriterSettings): CreateSaleRequest {
  if (draft.payments.length > 0) {
    throw new WriteRefusedError('UNSUPPORTED', 'IncoCloud records sales unpaid; payments cannot be written through its API', 'payments');
  }
  let locationId: number | undefined;
  if (draft.locationId !== null) {
    const parsed = vendorId(draft.locationId);
    if (parsed === null) throw new WriteRefusedError('NOT_FOUND', `No location ${draft.locationId} at IncoCloud`, 'location');
    locationId = parsed;
  } else {
    locationId = settings.defaultLocationId;
  }
  if (locationId === undefined) {
    throw new WriteRefusedError('VALIDATION', 'IncoCloud records every sale at a location: give one, or set defaultLocationId on the connection', 'location');
  }
  let partnerId: number | null = null;
  if (draft.customerId !== null) {
    partnerId = vendorId(draft.customerId);
    if (partnerId === null) throw new WriteRefusedError('NOT_FOUND', `No customer ${draft.customerId} at IncoCloud`, 'customer');
  }
  if (draft.lines.length > INCOCLOUD_MAX_SALE_LINES) {
    throw new WriteRefusedError('VALIDATION', `IncoCloud takes at most ${INCOCLOUD_MAX_SALE_LINES} lines per sale`, 'lines');
  }
  const note = incocloudNoteOf(draft);
  if (note.length > INCOCLOUD_MAX_NOTE_LENGTH) {
    const room = INCOCLOUD_MAX_NOTE_LENGTH - incocloudNoteOf({ note: 'x', reference: draft.reference }).length + 1;
    throw new WriteRefusedError('VALIDATION', `IncoCloud keeps ${INCOCLOUD_MAX_NOTE_LENGTH} characters of note, posgraph's reference included: at most ${room} are left for the note`, 'note');
  }
  const details = draft.lines.map((line, index) => {
    const itemId = vendorId(line.itemId);
    if (itemId === null) throw new WriteRefusedError('NOT_FOUND', `No item ${line.itemId} at IncoCloud`, `lines[${index}].item`);
    return {
      item_id: itemId,
      quantity: jsonNumber(line.quantity, `lines[${index}].quantity`, 'quantity'),
      // Always sent, so the vendor charges the price the gateway totalled, not one changed since.
      price_out: priceOut(line, index),
    };
  });
  return { location_id: locationId, partner_id: partnerId, details, note };
}

export function createIncocloudSaleWriter(client: IncocloudClient, settings: IncocloudWriterSettings, toSaleRecord: IncocloudSaleMapper): SaleWriter {
  return {
    unitPricePlaces: INCOCLOUD_UNIT_PRICE_PLACES,
    quantityPlaces: INCOCLOUD_QUANTITY_PLACES,

    async create(draft, options) {
      const request = requestFor(draft, settings);
      let sale: Sale;
      try {
        // seed Example 4: POST sale; the answer is the whole sale as stored, unpaid.
        sale = await client.createSale(request, options);
      } catch (error) {
        // The Bulgarian СУПТО localization forbids API sales (seed FAQ); checked before the body, nothing stored.
        if (error instanceof VendorAuthError && error.status === 403 && error.vendorMessage === INCOCLOUD_ERRORS.permissionDenied) {
          throw new WriteRefusedError(
            'UNSUPPORTED',
            'This IncoCloud account uses the Bulgarian СУПТО fiscal localization, which does not allow creating sales through the API (403 "Permission denied")',
          );
        }
        // 400 "Invalid data": the vendor checks the whole body before it stores anything.
        if (error instanceof VendorRejectedError) throw new WriteRefusedError('VENDOR_REJECTED', error.vendorMessage ?? error.message);
        throw error;
      }
      return toSaleRecord(sale, options);
    },

    async findByReference(draft, options) {
      // Only what the draft itself fixes narrows the search: a default location may have changed since the write.
      const locationId = draft.locationId === null ? undefined : vendorId(draft.locationId);
      const partnerId = draft.customerId === null ? undefined : vendorId(draft.customerId);
      // A draft no write could carry was never stored.
      if (locationId === null || partnerId === null) return null;
      // The search covers the local day before, of and after now: a write reconciled within 24 hours.
      const [found] = await client.findSalesByNote(incocloudNoteOf(draft), { around: new Date(), location_id: locationId, partner_id: partnerId }, options);
      if (!found) return null;
      // Read it again with its payments, which someone may have taken at the till since.
      const sale = await client.getSale(found.operation_number, { load_payments: true }, options);
      return sale === undefined ? null : toSaleRecord(sale, options);
    },
  };
}
