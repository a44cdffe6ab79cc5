/**
 * Kash (caisse.enregistreuse.fr / free-cash-register.net) on the wire, in the vendor's own
 * names. Sources: seed `shared/seeds/kash-webservices.txt` and vendor-contracts.md §2, which
 * cites the public `API--Webservices/*.md` pages and the vendor's MCP server. Every field
 * marked [assumed] there is binding for simulator and client alike.
 *
 * Amounts are JSON numbers in euros (major units) and reach the adapter as such; convert
 * them with `Decimal.fromJsonNumber`, never with float arithmetic.
 */
import { z } from 'zod';
import { Decimal } from '../../core/money.ts';

/** Every call carries the shop id and the API key (contract §2 "Auth & host"). */
export const SHOP_ID_PARAM = 'idboutique';
/**
 * The vendor's MCP server sends the shop id as `shopID` on its catalogue and client tools
 * (src/tools/catalog.ts, clients.ts) and as `idboutique` on reads and sales; both work.
 */
export const SHOP_ID_ALIAS_PARAM = 'shopID';
export const KEY_PARAM = 'key';

/** Messages of the `{"result":"ERROR"}` envelope that the client must tell apart (contract §2 [assumed]). */
export const KASH_MESSAGES = {
  invalidKey: 'Invalid key',
  invalidLogin: 'Invalid login or password',
  orderNotFound: 'Order not found',
  tooManyRequests: 'Too many requests',
} as const;

/** Failure envelope, sent with HTTP 200 (contract §2, tricky point 4). */
export const KashErrorSchema = z.object({ result: z.literal('ERROR'), message: z.string() });
export type KashError = z.infer<typeof KashErrorSchema>;

// POST /workers/getAuthToken.php  form login,password (public api_auth.md; flagged deprecated by the MCP locale).
export interface KashAuthTokenRequest {
  login: string;
  password: string;
}
export const KashAuthTokenResponseSchema = z.object({
  result: z.literal('OK'),
  APIKEY: z.string().min(1),
  // The doc prints it quoted; accept a number too so an integer SHOPID is not "malformed".
  SHOPID: z.union([z.string().min(1), z.number().int().transform(String)]),
});
export type KashAuthTokenResponse = z.infer<typeof KashAuthTokenResponseSchema>;

/**
 * The envelopes the client checks for the whole call. A list worker answers a bare JSON
 * array; its elements travel unread to the adapter, which validates each on its own with
 * the element schemas below (`KashPluSchema`…), so one malformed element fails only itself.
 * getOrder answers one JSON object, read the same way where the adapter lists from it.
 */
export const KashListEnvelopeSchema = z.array(z.unknown());
export const KashRecordEnvelopeSchema = z.record(z.string(), z.unknown());

/** The list workers the adapter reads element by element (public api_data.md). */
export type KashListWorker = 'getPlus' | 'getDepartments' | 'getClients' | 'getPaymentModes' | 'getCashbox';

/** `format` of the list workers (public api_data.md); the client always asks for json. */
export type KashListFormat = 'json' | 'csv' | 'html';

// GET /workers/getPlus.php — articles (contract §2 Reads, element fields [assumed]).
export const KashPluSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  /** Euros including VAT. */
  price: z.number(),
  departmentId: z.number().int(),
  /** Percent, e.g. 5.5. */
  vatRate: z.number(),
  barcode: z.string().nullable(),
});
export type KashPlu = z.infer<typeof KashPluSchema>;

// GET /workers/getDepartments.php — rayons (contract §2 Reads [assumed]).
export const KashDepartmentSchema = z.object({ id: z.number().int(), title: z.string(), vatRate: z.number() });
export type KashDepartment = z.infer<typeof KashDepartmentSchema>;

// GET /workers/getClients.php — clients, French keys as in webapp.php's client[...] (contract §2 Reads [assumed]).
export const KashClientRecordSchema = z.object({
  id: z.number().int(),
  nom: z.string().nullable(),
  prenom: z.string().nullable(),
  email: z.string().nullable(),
  telephone: z.string().nullable(),
  adresseligne1: z.string().nullable(),
  adresseligne2: z.string().nullable(),
  codepostal: z.string().nullable(),
  ville: z.string().nullable(),
  pays: z.string().nullable(),
  numtva: z.string().nullable(),
  codeBarre: z.string().nullable(),
  loyaltyPoints: z.number(),
});
export type KashClientRecord = z.infer<typeof KashClientRecordSchema>;

// GET /workers/getPaymentModes.php and /workers/getCashbox.php (contract §2 Reads [assumed]).
export const KashPaymentModeSchema = z.object({ id: z.number().int(), title: z.string() });
export type KashPaymentMode = z.infer<typeof KashPaymentModeSchema>;
export const KashCashboxSchema = z.object({ id: z.number().int(), title: z.string() });
export type KashCashbox = z.infer<typeof KashCashboxSchema>;

/** deliveryMethod of orders and sales (public api_record_sale.md). */
export const KASH_DELIVERY_METHODS = {
  takeAway: 0,
  delivery: 1,
  onSite: 2,
  drive: 3,
  counter: 4,
  relayPoint: 5,
  shipping: 6,
} as const;
export type KashDeliveryMethod = (typeof KASH_DELIVERY_METHODS)[keyof typeof KASH_DELIVERY_METHODS];

/** "quote" = payment -2, "validated" = -1 (unpaid), "terminated" = paid (contract §2 Orders [assumed]). */
export type KashOrderStatus = 'quote' | 'validated' | 'terminated';

// GET /workers/getOrders.php (public api_sales.md; MCP data.ts). No paging: the whole period comes back.
export interface KashOrdersQuery {
  /** true: orders by value date; false: quotes by creation date. */
  validatedOrders?: boolean;
  /** ISO 8601, inclusive, e.g. 2025-10-26T00:00:00Z. */
  from_date_ISO8601?: string;
  /** ISO 8601, inclusive, e.g. 2025-10-26T23:59:59Z. */
  to_date_ISO8601?: string;
  filterDeliveryMethod?: number;
}

export const KashOrderPaymentSchema = z.object({ paymentModeID: z.number().int(), amount: z.number() });
export type KashOrderPayment = z.infer<typeof KashOrderPaymentSchema>;

/** One element of getOrders (contract §2 Orders [assumed], webhook vocabulary; comments [assumed] here, see docs). */
export const KashOrderSchema = z.object({
  orderInternalID: z.number().int(),
  orderID: z.string(),
  /** ISO 8601 with the shop's offset, e.g. 2026-11-20T14:05:00+01:00. */
  date: z.string(),
  price: z.number(),
  VAT: z.number(),
  clientID: z.number().int().nullable(),
  cashBoxID: z.number().int().nullable(),
  deliveryMethod: z.number().int(),
  isRefund: z.boolean(),
  status: z.enum(['quote', 'validated', 'terminated']),
  payments: z.array(KashOrderPaymentSchema),
  publicComment: z.string().nullable(),
  privateComment: z.string().nullable(),
});
export type KashOrder = z.infer<typeof KashOrderSchema>;

export const KashOrderItemSchema = z.object({
  /** null for `-<dept>` and `Free_` lines. */
  idArticle: z.number().int().nullable(),
  /** The department of a `-<dept>` line, else the article's; null for `Free_` lines. */
  departmentId: z.number().int().nullable(),
  title: z.string(),
  /** Negative on refunds; up to 3 decimals for weighed goods. */
  quantity: z.number(),
  /** Unit price including VAT. */
  price: z.number(),
  /** Amount taken off the line. */
  discount: z.number(),
  /** round2(quantity × price) − discount. */
  total: z.number(),
  vatRate: z.number(),
  declinaisons: z.array(z.number().int()),
});
export type KashOrderItem = z.infer<typeof KashOrderItemSchema>;

export const KashOrderVatSchema = z.object({ rate: z.number(), amount: z.number() });
export type KashOrderVat = z.infer<typeof KashOrderVatSchema>;

// GET /workers/getOrder.php?order_id=<orderInternalID> (MCP data.ts; contract §2 Orders [assumed]).
export const KashOrderDetailSchema = KashOrderSchema.extend({
  items: z.array(KashOrderItemSchema),
  VATs: z.array(KashOrderVatSchema),
  client: KashClientRecordSchema.nullable(),
});
export type KashOrderDetail = z.infer<typeof KashOrderDetailSchema>;

/** Inline customer of webapp.php, French keys only (public api_record_sale.md; contract §2 [assumed]). */
export const KASH_INLINE_CLIENT_KEYS = [
  'nom', 'prenom', 'email', 'telephone', 'adresseligne1', 'adresseligne2', 'commentaireadresse', 'codepostal',
  'ville', 'pays', 'numtva', 'rcs', 'codeBarre', 'telephone2', 'lat', 'lng',
] as const;
export type KashInlineClient = Partial<Record<(typeof KASH_INLINE_CLIENT_KEYS)[number], string>>;

/** One `itemsList[]` entry, before encoding (public api_record_sale.md; contract §2 Create sale). */
export type KashSaleLine =
  | {
      readonly kind: 'article';
      readonly idArticle: number;
      /** Absent = 1. */
      readonly quantity?: Decimal | string | number;
      /** Absent = the catalogue title. */
      readonly title?: string;
      /** Unit price incl. VAT; absent = the catalogue price. */
      readonly price?: Decimal | string | number;
      /** Up to 5 declinaison ids. */
      readonly declinaisons?: readonly number[];
    }
  | { readonly kind: 'department'; readonly departmentId: number; readonly price: Decimal | string | number; readonly title: string }
  | { readonly kind: 'free'; readonly price: Decimal | string | number; readonly title: string };

export const MAX_DECLINAISONS = 5;

/**
 * Encodes one line as the positional, `_`-separated text webapp.php expects:
 * `<id>[_<qty>[_<title>_<price>[_<decl>…]]]`, `-<dept>_<price>_<title>`, `Free_<price>_<title>`.
 * An article title cannot hold `_` (it would shift the positions), so it becomes a space;
 * department and free lines end with their title, which may hold anything.
 */
export function encodeItemsListEntry(line: KashSaleLine): string {
  switch (line.kind) {
    case 'free':
      return `Free_${decimalText(line.price)}_${line.title}`;
    case 'department':
      return `-${positiveId(line.departmentId, 'departmentId')}_${decimalText(line.price)}_${line.title}`;
    case 'article': {
      const declinaisons = line.declinaisons ?? [];
      if (declinaisons.length > MAX_DECLINAISONS) {
        throw new RangeError(`A Kash sale line takes at most ${MAX_DECLINAISONS} declinaisons, got ${declinaisons.length}`);
      }
      const segments = [
        String(positiveId(line.idArticle, 'idArticle')),
        line.quantity === undefined ? '' : decimalText(line.quantity),
        line.title === undefined ? '' : line.title.replaceAll('_', ' '),
        line.price === undefined ? '' : decimalText(line.price),
        ...declinaisons.map((id) => String(positiveId(id, 'declinaison'))),
      ];
      // Trailing empty segments mean "catalogue value" anyway; drop them for the shortest form.
      while (segments.length > 1 && segments.at(-1) === '') segments.pop();
      return segments.join('_');
    }
  }
}

function decimalText(value: Decimal | string | number): string {
  return Decimal.from(value).toString();
}

function positiveId(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

// POST /workers/webapp.php (public api_record_sale.md; seed "Recording of sales").
export interface KashSaleInput {
  /** -2 quote (unpaid, not validated), -1 validated unpaid, or a payment mode id (paid). */
  readonly payment: number;
  readonly deliveryMethod?: KashDeliveryMethod;
  readonly idUser?: number;
  readonly idClient?: number;
  /** Ignored by the vendor when idClient is given. */
  readonly client?: KashInlineClient;
  readonly idtable?: number;
  readonly idcaisse?: number;
  readonly numcouverts?: number;
  readonly pagerNum?: number;
  readonly publicComment?: string;
  /** Stored with the order and listed by getOrders: the idempotency reference of createSale. */
  readonly privateComment?: string;
  /** Value date, unix seconds. */
  readonly dateValeur?: number;
  readonly items: readonly KashSaleLine[];
}

export const KashRecordSaleResponseSchema = z.object({
  result: z.literal('OK'),
  orderInternalID: z.number().int(),
  orderID: z.string(),
  price: z.number(),
});
export type KashRecordSaleResponse = z.infer<typeof KashRecordSaleResponseSchema>;

/** Webhook payload (seed "Get notified during a sale"; contract §2 Webhook [assumed] transport). */
export interface KashWebhookPayload {
  type: 'validated' | 'terminated';
  orderID: string;
  orderInternalID: string;
  price: string;
  clientID: string;
  customer: string;
  cashBoxID: string;
  deliveryMethod: string;
  PDFinvoice: string;
  items: string;
  VATs: string;
  VAT: string;
  isRefund: 'true' | 'false';
}
