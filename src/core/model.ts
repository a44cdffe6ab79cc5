/**
 * The unified domain: what every vendor's records become. Plain data, no GraphQL.
 * Ids here are the vendor's own, as strings; the schema turns them into global IDs that
 * also carry the connection. Every record keeps `raw`, the vendor's original, as an
 * escape hatch for fields the model does not have.
 */
import type { Money } from './money.ts';

export const ENTITY_KINDS = ['item', 'sale', 'payment', 'customer', 'cashbook', 'booking', 'location'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export interface ItemRecord {
  readonly kind: 'item';
  readonly id: string;
  readonly name: string;
  readonly code: string | null;
  readonly barcode: string | null;
  /** Unit price including tax. */
  readonly price: Money;
  /** Percent as a decimal string ("20", "5.5"). */
  readonly taxRate: string | null;
  readonly category: string | null;
  /** Quantity on hand as a decimal string (fractional for goods sold by weight). */
  readonly stock: string | null;
  readonly raw: unknown;
}

export interface SaleLineRecord {
  readonly itemId: string | null;
  readonly name: string | null;
  /** Decimal string; negative on refunds. */
  readonly quantity: string;
  readonly unitPrice: Money;
  readonly discount: Money;
  readonly total: Money;
  readonly taxRate: string | null;
}

export type PaymentMethodType = 'CASH' | 'CARD' | 'CHECK' | 'OTHER';

export interface PaymentRecord {
  readonly kind: 'payment';
  readonly id: string;
  readonly saleId: string | null;
  /** The vendor's name for the tender ("Cash", "Carte bancaire"). */
  readonly method: string;
  readonly methodType: PaymentMethodType;
  /** Negative for refunds. */
  readonly amount: Money;
  readonly createdAt: string | null;
  readonly cashbookId: string | null;
  readonly raw: unknown;
}

export interface SaleRecord {
  readonly kind: 'sale';
  readonly id: string;
  readonly number: string | null;
  /** ISO 8601 instant. */
  readonly createdAt: string;
  readonly total: Money;
  readonly locationId: string | null;
  readonly customerId: string | null;
  readonly cashbookId: string | null;
  readonly note: string | null;
  /**
   * Absent when the vendor's list omits them (Kash, iCash): the gateway then asks for the
   * sale by id, which must return them. Present (possibly empty) when known.
   */
  readonly lines?: readonly SaleLineRecord[];
  readonly payments?: readonly PaymentRecord[];
  readonly raw: unknown;
}

export interface CustomerRecord {
  readonly kind: 'customer';
  readonly id: string;
  /** Display name: the company, or first and last name. */
  readonly name: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly company: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly vatNumber: string | null;
  readonly raw: unknown;
}

export type CashbookState = 'OPEN' | 'CLOSED';

/** A till session (Tactill) or, where a vendor only has registers, the register itself. */
export interface CashbookRecord {
  readonly kind: 'cashbook';
  readonly id: string;
  readonly name: string | null;
  /** Null where the vendor has registers but no sessions. */
  readonly state: CashbookState | null;
  readonly openedAt: string | null;
  readonly closedAt: string | null;
  readonly openingAmount: Money | null;
  readonly closingAmount: Money | null;
  readonly locationId: string | null;
  readonly raw: unknown;
}

export interface BookingRecord {
  readonly kind: 'booking';
  readonly id: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: string | null;
  readonly customerId: string | null;
  readonly locationId: string | null;
  readonly itemIds: readonly string[];
  readonly total: Money | null;
  readonly raw: unknown;
}

export interface LocationRecord {
  readonly kind: 'location';
  readonly id: string;
  readonly name: string;
  readonly raw: unknown;
}

export interface EntityRecords {
  item: ItemRecord;
  sale: SaleRecord;
  payment: PaymentRecord;
  customer: CustomerRecord;
  cashbook: CashbookRecord;
  booking: BookingRecord;
  location: LocationRecord;
}

export type AnyRecord = EntityRecords[EntityKind];

/** Filters, with vendor-native ids; the schema decodes global IDs before they get here. */
export interface ItemFilter {
  /** Case-insensitive substring of the name. */
  readonly text?: string;
  readonly code?: string;
  readonly barcode?: string;
  /** Category name, case-insensitive. */
  readonly category?: string;
}

export interface SaleFilter {
  /** Inclusive ISO 8601 instants. */
  readonly from?: string;
  readonly to?: string;
  readonly locationId?: string;
  readonly customerId?: string;
  readonly cashbookId?: string;
}

export interface PaymentFilter {
  readonly from?: string;
  readonly to?: string;
  /** Matches the method name (case-insensitive) or its type (CASH, CARD, CHECK, OTHER). */
  readonly method?: string;
  readonly cashbookId?: string;
  readonly saleId?: string;
}

export interface CashbookFilter {
  readonly state?: CashbookState;
  readonly from?: string;
  readonly to?: string;
}

export interface BookingFilter {
  readonly from?: string;
  readonly to?: string;
  readonly customerId?: string;
}

export interface CustomerFilter {
  /** Case-insensitive substring of the name or e-mail. */
  readonly text?: string;
}

export interface LocationFilter {}

export interface EntityFilters {
  item: ItemFilter;
  sale: SaleFilter;
  payment: PaymentFilter;
  customer: CustomerFilter;
  cashbook: CashbookFilter;
  booking: BookingFilter;
  location: LocationFilter;
}
