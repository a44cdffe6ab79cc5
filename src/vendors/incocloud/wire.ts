/**
 * IncoCloud Web API (IncoPOS), in the vendor's own names. Sources: the seed document
 * `shared/seeds/incocloud-web-api.txt` ("seed") and section 1 of `shared/vendor-contracts.md`
 * ("contract"); shapes the contract marks [assumed] are binding for simulator and client
 * alike, and anything beyond the contract is listed in docs/vendors/incocloud.md.
 *
 * Amounts are JSON numbers in major units (seed Example 4: `"price_out": 29.99`); the
 * schemas only admit numbers that read back as an exact decimal, so the adapter's
 * `Decimal.fromJsonNumber` never fails on a parsed response. Date-times are server-local
 * `YYYY-MM-DD HH:MM:SS` (Europe/Sofia for the demo account); date filters are `YYYY-MM-DD`.
 */
import { z } from 'zod';
import { Decimal } from '../../core/money.ts';

const exactNumber = z.number().refine(
  (value) => {
    try {
      Decimal.fromJsonNumber(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an exact decimal number' },
);
const id = z.number().int().positive();
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected YYYY-MM-DD HH:MM:SS');

/**
 * A list answer as the client checks it: a JSON array, nothing more. Its records go to the
 * adapter as sent, which validates each with its own schema below (`ItemSchema`, `SaleSchema`…),
 * so one malformed record is rejected alone instead of failing the whole answer.
 */
export const RecordListSchema = z.array(z.unknown());

/** `{"error":"<message>"}` on every non-2xx answer (contract: body [assumed]; messages [seed] "Error Handling"). */
export const ErrorBodySchema = z.object({ error: z.string() });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The messages the seed lists under "Common Error Messages", plus the contract's [assumed] ones. */
export const INCOCLOUD_ERRORS = {
  insecureConnection: 'Insecure connection',
  invalidCredentials: 'Invalid credentials',
  invalidToken: 'Invalid token',
  wrongServer: 'Wrong server',
  permissionDenied: 'Permission denied',
  invalidData: 'Invalid data',
  invalidParameters: 'Invalid parameters',
  notFound: 'Not found',
  rateLimitExceeded: 'Rate limit exceeded',
} as const;

/** Booleans in queries: the server reads `true|True|1` and `false|False|0` (Python sends `True`; contract [assumed]). */
export type QueryBoolean = boolean;

// ---------------------------------------------------------------- authentication

/** `GET https://incocloud.com/connect/api/access_token?app_id=&app_secret=` (seed "Step 2: Generate an Access Token"). */
export interface AccessTokenQuery {
  app_id: string;
  app_secret: string;
}

/** The token has no TTL; every later call goes to `{server_url}/connect/api/<resource>?token=` (seed "Security Requirements"). */
export const AccessTokenResponseSchema = z.object({
  token: z.string().min(1),
  server_url: z.url(),
});
export type AccessTokenResponse = z.infer<typeof AccessTokenResponseSchema>;

// ---------------------------------------------------------------- items

/** `GET /connect/api/item` filters (seed "Inventory & Products"); `id` is one integer (contract [assumed]). */
export interface ItemQuery {
  id?: number;
  location_id?: number;
  group_id?: number;
  tag_id?: number;
  only_available?: QueryBoolean;
  include_availability?: QueryBoolean;
  code?: string;
  /** true: only items published in the catalog; false: only the others (docs/vendors/incocloud.md). */
  catalog?: QueryBoolean;
}

/** Stock of an item at one location, present only with `include_availability` (contract: key [seed], shape [assumed]). */
export const AvailabilitySchema = z.object({
  location_id: id,
  quantity: exactNumber,
});
export type Availability = z.infer<typeof AvailabilitySchema>;

/** Item: `{id, code, name}` [seed] + `barcode, group_id, price_out, vat_group_id` [contract] + `catalog` (docs). */
export const ItemSchema = z.object({
  id,
  code: z.string(),
  name: z.string(),
  barcode: z.string().nullable(),
  group_id: id.nullable(),
  /** Unit price including VAT, up to 4 decimals. */
  price_out: exactNumber,
  vat_group_id: id,
  catalog: z.boolean(),
  availability: z.array(AvailabilitySchema).optional(),
});
export type Item = z.infer<typeof ItemSchema>;

/** `GET /connect/api/item_group`, `/item_tag`, `/location`, `/payment_type`, `/partner_group`, `/booking_status` → `[{id, name}]` (contract [assumed]). */
export const NamedEntitySchema = z.object({ id, name: z.string() });
export type ItemGroup = z.infer<typeof NamedEntitySchema>;
export type ItemTag = z.infer<typeof NamedEntitySchema>;
export type Location = z.infer<typeof NamedEntitySchema>;
export type PaymentType = z.infer<typeof NamedEntitySchema>;
export type PartnerGroup = z.infer<typeof NamedEntitySchema>;
export type BookingStatus = z.infer<typeof NamedEntitySchema>;

/** `GET /connect/api/vat_group` (seed "Configuration"): `percent` is the rate in percent, e.g. 5.5 (docs). */
export const VatGroupSchema = z.object({ id, name: z.string(), percent: exactNumber });
export type VatGroup = z.infer<typeof VatGroupSchema>;

// ---------------------------------------------------------------- sales and payments

/** `GET /connect/api/sale` filters (seed "Sales Operations"); dates inclusive (contract [assumed]); `note` (docs, for createSale idempotency). */
export interface SaleQuery {
  operation_number?: number;
  location_id?: number;
  partner_id?: number;
  from_date?: string;
  to_date?: string;
  load_payments?: QueryBoolean;
  note?: string;
}

/** `GET /connect/api/payment` filters (contract [assumed]). */
export interface PaymentQuery {
  operation_number?: number;
  partner_id?: number;
  location_id?: number;
  from_date?: string;
  to_date?: string;
}

/** Payment `{id, operation_number, payment_type_id, amount, date}` (contract [assumed]); refunds are negative. */
export const PaymentSchema = z.object({
  id,
  operation_number: id,
  payment_type_id: id,
  amount: exactNumber,
  date: localDateTime,
});
export type Payment = z.infer<typeof PaymentSchema>;

/**
 * A sale line: `{item_id, quantity, price_out, total}` (contract [assumed]) + `name, vat_percent,
 * discount` (docs), as printed on the receipt; total = round2(quantity × price_out) − discount.
 */
export const SaleDetailSchema = z.object({
  item_id: id,
  /** The item's name when it was sold. */
  name: z.string(),
  /** The VAT rate applied, in percent. */
  vat_percent: exactNumber,
  quantity: exactNumber,
  price_out: exactNumber,
  discount: exactNumber,
  total: exactNumber,
});
export type SaleDetail = z.infer<typeof SaleDetailSchema>;

/** Sale `{id, operation_number, total}` [seed] + `date, location_id, partner_id, details, payments` [contract] + `note` (docs). */
export const SaleSchema = z.object({
  id,
  operation_number: id,
  date: localDateTime,
  location_id: id,
  partner_id: id.nullable(),
  total: exactNumber,
  note: z.string().nullable(),
  details: z.array(SaleDetailSchema),
  /** Present only when the request asked for `load_payments=true`. */
  payments: z.array(PaymentSchema).optional(),
});
export type Sale = z.infer<typeof SaleSchema>;

/**
 * `POST /connect/api/sale?token=` with a JSON body (seed Example 4, the PHP `$sale` array).
 * `price_out` may be omitted to sell at the item's price, and `note` carries the gateway's
 * idempotency reference (both docs/vendors/incocloud.md). Quantities have up to 3 decimals,
 * prices up to 4; the answer is the created Sale, unpaid (contract [assumed]).
 */
export const CreateSaleRequestSchema = z.object({
  location_id: id,
  partner_id: id.nullable().optional(),
  note: z.string().max(255).nullable().optional(),
  details: z
    .array(
      z.object({
        item_id: id,
        quantity: exactNumber.refine((value) => value !== 0, { message: 'quantity must not be zero' }),
        price_out: exactNumber.refine((value) => value >= 0, { message: 'price_out must not be negative' }).optional(),
      }),
    )
    .min(1)
    .max(500),
});
export type CreateSaleRequest = z.infer<typeof CreateSaleRequestSchema>;

// ---------------------------------------------------------------- partners

/** `GET /connect/api/partner` filters (contract [assumed]). */
export interface PartnerQuery {
  id?: number;
  code?: string;
  group_id?: number;
}

/** Partner `{id, code, name, email, phone, address, vat_number, group_id}` (contract [assumed]) + `contact_person, city, post_code, country` (docs). */
export const PartnerSchema = z.object({
  id,
  code: z.string(),
  /** The company name for businesses, the person's name otherwise. */
  name: z.string(),
  contact_person: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  /** Street line only; the rest of the address has its own fields. */
  address: z.string(),
  city: z.string(),
  post_code: z.string(),
  /** ISO 3166-1 alpha-2. */
  country: z.string(),
  vat_number: z.string().nullable(),
  group_id: id.nullable(),
});
export type Partner = z.infer<typeof PartnerSchema>;

// ---------------------------------------------------------------- hospitality

/** `GET /connect/api/booking` filters (contract [assumed]); a booking matches a date range it overlaps (docs). */
export interface BookingQuery {
  id?: number;
  partner_id?: number;
  from_date?: string;
  to_date?: string;
}

/** Booking `{id, partner_id, location_id, booking_status_id, from_date, to_date, total}` (contract [assumed]) + `item_ids` (docs). */
export const BookingSchema = z.object({
  id,
  partner_id: id,
  location_id: id,
  booking_status_id: id,
  from_date: localDateTime,
  to_date: localDateTime,
  total: exactNumber,
  item_ids: z.array(id),
});
export type Booking = z.infer<typeof BookingSchema>;

/** `GET /connect/api/reservation` (seed "Hospitality": table reservations); filters and shape are ours (docs). */
export interface ReservationQuery {
  id?: number;
  partner_id?: number;
  location_id?: number;
  from_date?: string;
  to_date?: string;
}

/** A table reservation (docs/vendors/incocloud.md); `partner_id` is null when the guest is not a registered partner. */
export const ReservationSchema = z.object({
  id,
  partner_id: id.nullable(),
  location_id: id,
  date: localDateTime,
  guests: z.number().int().positive(),
  table_number: z.number().int().positive(),
});
export type Reservation = z.infer<typeof ReservationSchema>;
