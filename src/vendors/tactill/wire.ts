/**
 * Tactill API v0 on the wire, in the vendor's own (snake_case) names. Every response the
 * client reads is parsed here at the edge; every request body the simulator accepts is
 * validated with the same schemas, so both sides share one definition (and a later
 * OpenAPI description can be generated from it).
 *
 * Sources: "seed §X" = shared/seeds/tactill-api-v0.txt, section X; "contract" =
 * shared/vendor-contracts.md §4; "[assumed]" = a gap filled in docs/vendors/tactill.md.
 * Conventions (seed "Response Format"): amounts are integer cents (1200 = €12.00), tax
 * rates basis points (2000 = 20 %), dates ISO 8601 UTC strings, ids opaque strings.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------
// Scalars

/** Integer cents; the seed's decimal sale samples (`125.5`) are ignored (contract). */
const cents = z.number().int({ error: 'must be an integer amount of cents' });
/** Basis points, 0..10000 (seed §Tax). */
const basisPoints = z.number().int({ error: 'must be an integer number of basis points' }).min(0).max(10_000);
/** The date forms accepted in bodies and filters: a day, or a day and time with an optional zone. */
export const ISO_8601_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const isoDate = z.string().refine((value) => ISO_8601_DATE.test(value) && !Number.isNaN(Date.parse(value)), { error: 'must be an ISO 8601 date' });
const nullableString = z.string().nullable();
/** Free-form objects the simulator stores as sent (custom fields, tags, movements…). */
const opaqueObjects = z.array(z.record(z.string(), z.unknown()));

export const SALE_STATES = ['OPEN', 'AVAILABLE', 'CLOSED', 'DELETED'] as const;
export const SALE_STATUSES = ['NONE', 'PARTIAL', 'FULL'] as const;
export const PAYMENT_STATES = ['VALID', 'CANCELLED'] as const;
export const PAYMENT_TYPES = ['IN', 'OUT'] as const;
export const PAYMENT_METHOD_TYPES = ['CASH', 'CARD', 'CHECK', 'OTHER'] as const;
export const CASHBOOK_STATES = ['OPEN', 'CLOSED'] as const;
/** seed §Customer "color" enum. */
export const CUSTOMER_COLORS = ['GREEN', 'LIME', 'RED', 'BLUE', 'YELLOW', 'ORANGE', 'PINK', 'PURPLE', 'TURQUOISE', 'GREY', 'BROWN', 'BLACK'] as const;

// ---------------------------------------------------------------------------------------
// Errors and list envelopes

/** seed §Errors: `{status_code, error, message}`; extra members are allowed. */
export const TactillErrorSchema = z.object({ status_code: z.number().int(), error: z.string(), message: z.string() });
export type TactillErrorBody = z.infer<typeof TactillErrorSchema>;

/** seed "Request …" responses: `{items, next_token, total}`; the last page has `next_token: null` [assumed]. */
export function listEnvelopeSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_token: z.string().nullable(), total: z.number().int().min(0) });
}
/**
 * The same envelope with its records left unread: what the adapter's list calls take, so the
 * envelope stays strict (a broken one fails the call) while each record is then validated on
 * its own with its resource schema below (`TactillProductSchema`, …), one malformed record
 * failing only itself.
 */
export const TactillRawPageSchema = listEnvelopeSchema(z.unknown());

export interface TactillPage<T> {
  items: T[];
  next_token: string | null;
  /** Every record matching the filter, not just this page. */
  total: number;
}

// ---------------------------------------------------------------------------------------
// Resources (responses)

/** seed §Tax "Get tax by ID". */
export const TactillTaxSchema = z.object({
  id: z.string(),
  catalog_id: z.string(),
  test: z.boolean(),
  rate: basisPoints,
  created_at: z.string(),
  updated_at: z.string(),
});
export type TactillTax = z.infer<typeof TactillTaxSchema>;

/** seed §Category "Get a category by ID"; the delete answer has no `custom_fields`. */
export const TactillCategorySchema = z.object({
  id: z.string(),
  catalog_id: z.string(),
  test: z.boolean(),
  name: z.string(),
  color: nullableString,
  icon_text: nullableString,
  created_at: z.string(),
  updated_at: z.string(),
  custom_fields: opaqueObjects,
});
export type TactillCategory = z.infer<typeof TactillCategorySchema>;
export const TactillDeletedCategorySchema = TactillCategorySchema.omit({ custom_fields: true });
export type TactillDeletedCategory = z.infer<typeof TactillDeletedCategorySchema>;

/**
 * seed §Product "Get a product by ID". `bulk_type` is null for unit goods and "WEIGHT" for
 * goods sold by weight, `sell_price` then being per kg [assumed]. The delete answer has no
 * embedded `tax`/`category` nor `tags`/`custom_fields`/`options`.
 */
export const TactillProductSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  catalog_id: z.string(),
  test: z.boolean(),
  name: z.string(),
  color: nullableString,
  icon_text: nullableString,
  category_id: z.string(),
  tax_id: z.string(),
  bulk_type: nullableString,
  buy_price: cents,
  sell_price: cents,
  barcode: nullableString,
  reference: nullableString,
  variations: opaqueObjects,
  variants_count: z.number().int(),
  tax: TactillTaxSchema,
  category: TactillCategorySchema,
  tags: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])),
  custom_fields: opaqueObjects,
  options: z.array(z.string()),
});
export type TactillProduct = z.infer<typeof TactillProductSchema>;
export const TactillDeletedProductSchema = TactillProductSchema.omit({ tax: true, category: true, tags: true, custom_fields: true, options: true });
export type TactillDeletedProduct = z.infer<typeof TactillDeletedProductSchema>;

/** Address sub-keys [assumed by the contract]. */
export const TactillAddressSchema = z.object({
  street: nullableString.optional(),
  zip_code: nullableString.optional(),
  city: nullableString.optional(),
  country: nullableString.optional(),
});
export type TactillAddress = z.infer<typeof TactillAddressSchema>;

/**
 * seed §Customer "Get a customer by ID", plus `company_vat_number`, which the patch body
 * accepts and reads therefore return [assumed]. The delete answer has no `custom_fields`.
 */
export const TactillCustomerSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  company_id: z.string(),
  original_id: nullableString,
  first_name: nullableString,
  last_name: nullableString,
  email: nullableString,
  phone: nullableString,
  company_name: nullableString,
  company_vat_number: nullableString,
  color: z.enum(CUSTOMER_COLORS).nullable(),
  icon_text: nullableString,
  address: TactillAddressSchema.nullable(),
  note: nullableString,
  fidelity_card_number: nullableString,
  test: z.boolean(),
  custom_fields: opaqueObjects,
});
export type TactillCustomer = z.infer<typeof TactillCustomerSchema>;
export const TactillDeletedCustomerSchema = TactillCustomerSchema.omit({ custom_fields: true });
export type TactillDeletedCustomer = z.infer<typeof TactillDeletedCustomerSchema>;

/** One payment method's amount in a cash drawer count [assumed]. */
export const TactillCashFundEntrySchema = z.object({
  payment_method_id: z.string(),
  payment_method_name: nullableString.optional(),
  amount: cents,
});
export type TactillCashFundEntry = z.infer<typeof TactillCashFundEntrySchema>;

/**
 * seed §Cashbook "Get a cashbook by ID" (without the `opening_seller`/`closing_seller`
 * objects and `stats`, which the simulator does not render). Sale and payment number ranges
 * are null while the session has none [assumed].
 */
export const TactillCashbookSchema = z.object({
  id: z.string(),
  original_id: nullableString,
  created_at: z.string(),
  updated_at: z.string(),
  deprecated: z.boolean(),
  company_id: z.string(),
  shop_id: z.string(),
  test: z.boolean(),
  source_id: z.string(),
  source_name: z.string(),
  number: z.number().int(),
  state: z.enum(CASHBOOK_STATES),
  total: cents,
  total_tax_free: cents,
  min_sale_number: z.number().int().nullable(),
  max_sale_number: z.number().int().nullable(),
  sales_count: z.number().int(),
  min_payment_number: z.number().int().nullable(),
  max_payment_number: z.number().int().nullable(),
  payments_count: z.number().int(),
  opened_at: z.string(),
  closed_at: nullableString,
  opening_seller_id: nullableString,
  closing_seller_id: nullableString,
  note: nullableString,
  total_expected: cents.nullable(),
  total_difference: cents.nullable(),
  movements: opaqueObjects,
  opening_cash_fund: z.array(TactillCashFundEntrySchema),
  closing_cash_fund: z.array(TactillCashFundEntrySchema),
  custom_fields: opaqueObjects,
});
export type TactillCashbook = z.infer<typeof TactillCashbookSchema>;

/** seed §Cashbook "Delete a cashbook". */
export const TactillCashbookDeletionSchema = z.object({ id: z.string(), success: z.literal(true) });
export type TactillCashbookDeletion = z.infer<typeof TactillCashbookDeletionSchema>;

/**
 * seed §Payment "Get payment by ID". A refund's payment has `type: "OUT"` and a negative
 * `amount`, so a sale's payments always add up to its total [assumed].
 */
export const TactillPaymentSchema = z.object({
  id: z.string(),
  original_id: nullableString,
  created_at: z.string(),
  updated_at: z.string(),
  deprecated: z.boolean(),
  company_id: z.string(),
  shop_id: z.string(),
  test: z.boolean(),
  sale_id: z.string(),
  source_id: z.string(),
  source_name: z.string(),
  state: z.enum(PAYMENT_STATES),
  type: z.enum(PAYMENT_TYPES),
  date: z.string(),
  number: z.number().int(),
  payment_method_id: z.string(),
  payment_method_name: nullableString,
  payment_method_type: z.enum(PAYMENT_METHOD_TYPES),
  source_payment_id: nullableString,
  customer_movement_id: nullableString,
  cashbook_id: nullableString,
  amount: cents,
  total_tax_free: cents,
  total_tax: cents,
  integration_payment_id: nullableString,
  integration_refund_id: nullableString,
  taxes: opaqueObjects,
});
export type TactillPayment = z.infer<typeof TactillPaymentSchema>;

/**
 * A sale line [assumed by the contract: product_id, name, quantity, unit_price, total,
 * tax_rate], plus the line's `discount` and `total_tax` in cents [assumed]. `quantity` is a
 * JSON number: fractional for goods sold by weight, negative on refunds.
 * total = round(quantity × unit_price) − discount; total_tax is included in total.
 */
export const TactillSaleLineSchema = z.object({
  product_id: nullableString,
  name: z.string(),
  quantity: z.number(),
  unit_price: cents,
  discount: cents,
  total: cents,
  tax_rate: basisPoints,
  total_tax: cents,
});
export type TactillSaleLine = z.infer<typeof TactillSaleLineSchema>;

/**
 * seed §Sale "Get a sale by ID": the sale with its embedded `cashbook`, `customer` and
 * `seller` (null when absent), its lines, discounts and payments. `target_sale`,
 * `refund_sales` and `stats` are not rendered. A refund is a sale with negative quantities
 * and total and `refunded_status: "FULL"` [assumed].
 */
export const TactillSaleSchema = z.object({
  id: z.string(),
  original_id: nullableString,
  created_at: z.string(),
  updated_at: z.string(),
  deprecated: z.boolean(),
  company_id: z.string(),
  shop_id: z.string(),
  test: z.boolean(),
  source_id: z.string(),
  source_name: z.string(),
  cashbook_id: nullableString,
  name: nullableString,
  number: z.number().int(),
  state: z.enum(SALE_STATES),
  refund_status: z.enum(SALE_STATUSES),
  refunded_status: z.enum(SALE_STATUSES),
  payment_status: z.enum(SALE_STATUSES),
  note: nullableString,
  target_id: nullableString,
  opened_at: z.string(),
  closed_at: nullableString,
  pending_at: nullableString,
  customer_id: nullableString,
  seller_id: nullableString,
  total: cents,
  total_discount: cents,
  total_tax_free: cents,
  total_tax: cents,
  total_rest: cents,
  cashbook: TactillCashbookSchema.nullable(),
  customer: TactillCustomerSchema.nullable(),
  seller: z.record(z.string(), z.unknown()).nullable(),
  lines: z.array(TactillSaleLineSchema),
  discounts: opaqueObjects,
  payments: z.array(TactillPaymentSchema),
});
export type TactillSale = z.infer<typeof TactillSaleSchema>;

// ---------------------------------------------------------------------------------------
// List requests: filters, sort, paging

/**
 * Operator families (seed "Request payments with filters": gte/lte/gt/lt/eq for dates and
 * numbers, contains/eq/startsWith/endsWith for strings, in/eq for enums; ids eq/in
 * [assumed]). String matching other than `eq` ignores case [assumed].
 */
export interface TactillDateOperators { gte?: string; lte?: string; gt?: string; lt?: string; eq?: string }
export interface TactillNumberOperators { gte?: number; lte?: number; gt?: number; lt?: number; eq?: number }
export interface TactillStringOperators { eq?: string | null; contains?: string; startsWith?: string; endsWith?: string }
export interface TactillIdOperators { eq?: string | null; in?: readonly string[] }
export interface TactillEnumOperators<E extends string> { eq?: E; in?: readonly E[] }

export type TactillFieldKind = 'id' | 'string' | 'number' | 'date' | readonly string[];
type OperatorsFor<K> = K extends 'id'
  ? TactillIdOperators
  : K extends 'string'
  ? TactillStringOperators
  : K extends 'number'
  ? TactillNumberOperators
  : K extends 'date'
  ? TactillDateOperators
  : K extends readonly (infer E extends string)[]
  ? TactillEnumOperators<E>
  : never;
export type TactillFieldFilter<T extends Record<string, TactillFieldKind>> = { [K in keyof T]?: OperatorsFor<T[K]> };

/** Most values an `in` list may hold: one full page [assumed]. */
export const MAX_IN_VALUES = 100;
/** seed: `limit` 1..100, default 20. */
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;

/** seed: a sort rule names a field and a direction [shape assumed]. */
export interface TactillSortRule<F extends string> { field: F; direction: 'asc' | 'desc' }

/** Filterable and sortable fields of products [assumed: the seed leaves `filter` as `any`]. */
export const PRODUCT_FIELDS = {
  id: 'id', name: 'string', barcode: 'string', reference: 'string', category_id: 'id', tax_id: 'id',
  buy_price: 'number', sell_price: 'number', created_at: 'date', updated_at: 'date',
} as const satisfies Record<string, TactillFieldKind>;
/** Filterable and sortable fields of customers [assumed]. */
export const CUSTOMER_FIELDS = {
  id: 'id', original_id: 'id', first_name: 'string', last_name: 'string', email: 'string', phone: 'string',
  company_name: 'string', fidelity_card_number: 'string', note: 'string', created_at: 'date', updated_at: 'date',
} as const satisfies Record<string, TactillFieldKind>;
/** Filterable and sortable fields of sales [assumed; `original_id` lets a writer find its sale again]. */
export const SALE_FIELDS = {
  id: 'id', original_id: 'id', shop_id: 'id', source_id: 'id', cashbook_id: 'id', customer_id: 'id', seller_id: 'id', target_id: 'id',
  source_name: 'string', name: 'string', note: 'string',
  number: 'number', total: 'number', total_discount: 'number', total_tax_free: 'number', total_tax: 'number', total_rest: 'number',
  state: SALE_STATES, refund_status: SALE_STATUSES, refunded_status: SALE_STATUSES, payment_status: SALE_STATUSES,
  opened_at: 'date', closed_at: 'date', pending_at: 'date', created_at: 'date', updated_at: 'date',
} as const satisfies Record<string, TactillFieldKind>;
/** seed §Payment "Request payments with filters" field list, plus `id` [assumed]. */
export const PAYMENT_FIELDS = {
  id: 'id', created_at: 'date', updated_at: 'date', date: 'date', source_name: 'string',
  number: 'number', amount: 'number', total_tax_free: 'number', total_tax: 'number',
  state: PAYMENT_STATES, type: PAYMENT_TYPES, payment_method_type: PAYMENT_METHOD_TYPES,
  shop_id: 'id', sale_id: 'id', source_id: 'id', payment_method_id: 'id', source_payment_id: 'id', customer_movement_id: 'id',
  cashbook_id: 'id', integration_payment_id: 'id', integration_refund_id: 'id',
} as const satisfies Record<string, TactillFieldKind>;
/** seed §Cashbook "Request cashbooks with filtering" field list, plus `id` [assumed]. */
export const CASHBOOK_FIELDS = {
  id: 'id', created_at: 'date', updated_at: 'date', opened_at: 'date', closed_at: 'date', source_name: 'string', note: 'string',
  number: 'number', total: 'number', total_tax_free: 'number', min_sale_number: 'number', max_sale_number: 'number',
  sales_count: 'number', min_payment_number: 'number', max_payment_number: 'number', payments_count: 'number',
  total_expected: 'number', total_difference: 'number', state: CASHBOOK_STATES,
  shop_id: 'id', source_id: 'id', opening_seller_id: 'id', closing_seller_id: 'id',
} as const satisfies Record<string, TactillFieldKind>;
/** Filterable and sortable fields of categories and taxes [assumed]. */
export const CATEGORY_FIELDS = { id: 'id', name: 'string', created_at: 'date', updated_at: 'date' } as const satisfies Record<string, TactillFieldKind>;
export const TAX_FIELDS = { id: 'id', rate: 'number', created_at: 'date', updated_at: 'date' } as const satisfies Record<string, TactillFieldKind>;

export type TactillProductField = keyof typeof PRODUCT_FIELDS;
export type TactillCustomerField = keyof typeof CUSTOMER_FIELDS;
export type TactillSaleField = keyof typeof SALE_FIELDS;
export type TactillPaymentField = keyof typeof PAYMENT_FIELDS;
export type TactillCashbookField = keyof typeof CASHBOOK_FIELDS;
export type TactillCategoryField = keyof typeof CATEGORY_FIELDS;
export type TactillTaxField = keyof typeof TAX_FIELDS;

/** seed: "Filter criteria … with support for and/or/not operators". */
export type TactillLogicalFilter<T extends Record<string, TactillFieldKind>> = TactillFieldFilter<T> & {
  and?: TactillLogicalFilter<T>[];
  or?: TactillLogicalFilter<T>[];
  not?: TactillLogicalFilter<T>;
};

/** The `{filter, sort, limit, next_token}` body shared by customers, categories and taxes (object sort). */
export interface TactillListRequest<T extends Record<string, TactillFieldKind>> {
  filter?: TactillLogicalFilter<T>;
  sort?: TactillSortRule<Extract<keyof T, string>>;
  limit?: number;
  next_token?: string;
}

/** seed §Product "Request products": the list parameters wrapped in `{"input": {…}}`. */
export type TactillProductListInput = TactillListRequest<typeof PRODUCT_FIELDS>;
export interface TactillProductRequestBody { input?: TactillProductListInput }
/** seed §Customer "Request customers". */
export type TactillCustomerListRequest = TactillListRequest<typeof CUSTOMER_FIELDS>;
export type TactillCategoryListRequest = TactillListRequest<typeof CATEGORY_FIELDS>;
/** Not in the seed, by analogy with categories [assumed]. */
export type TactillTaxListRequest = TactillListRequest<typeof TAX_FIELDS>;
/** seed §Sale "Request sales with filtering": `sort` is a list of rules. */
export interface TactillSaleListRequest {
  filter?: TactillLogicalFilter<typeof SALE_FIELDS>;
  sort?: TactillSortRule<TactillSaleField>[];
  limit?: number;
  next_token?: string;
}
/** seed §Payment "Request payments with filters": per-field filters at top level, `sort` a list. */
export type TactillPaymentListRequest = TactillFieldFilter<typeof PAYMENT_FIELDS> & {
  sort?: TactillSortRule<TactillPaymentField>[];
  limit?: number;
  next_token?: string;
};
/** seed §Cashbook "Request cashbooks with filtering": per-field filters at top level, `sort` an object. */
export type TactillCashbookListRequest = TactillFieldFilter<typeof CASHBOOK_FIELDS> & {
  sort?: TactillSortRule<TactillCashbookField>;
  limit?: number;
  next_token?: string;
};

// ---------------------------------------------------------------------------------------
// Write bodies (validated by the simulator, typed for the client)

const reference = (what: string) => z.string().min(1, { error: `must be a non-empty ${what} id` });

/**
 * seed §Product "Create a product": `category` and `tax` are an id, or an object — with an
 * `id` naming an existing one, or without to create it on the fly [assumed]. `barcode` and
 * `reference` are accepted too, as the patch body does [assumed].
 */
export const TactillProductCreateSchema = z.object({
  name: z.string().min(1),
  buy_price: cents.min(0),
  sell_price: cents.min(0),
  category: z.union([z.string(), z.object({ id: z.string().optional(), name: z.string().min(1).optional(), color: nullableString.optional(), icon_text: nullableString.optional() })]),
  tax: z.union([z.string(), z.object({ id: z.string().optional(), rate: basisPoints.optional() })]),
  tags: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).default([]),
  options: z.array(z.string()).default([]),
  custom_fields: opaqueObjects.default([]),
  photo: z.string().optional(),
  barcode: nullableString.optional(),
  reference: nullableString.optional(),
});
export type TactillProductCreateInput = z.input<typeof TactillProductCreateSchema>;

/** seed §Product "Patch a product". */
export const TactillProductPatchSchema = z.object({
  id: reference('product'),
  name: z.string().min(1).optional(),
  buy_price: cents.min(0).optional(),
  sell_price: cents.min(0).optional(),
  barcode: nullableString.optional(),
  reference: nullableString.optional(),
  category_id: z.string().optional(),
  tax_id: z.string().optional(),
});
export type TactillProductPatchInput = z.input<typeof TactillProductPatchSchema>;

/** seed §Customer "Create a customer": every field optional. */
export const TactillCustomerCreateSchema = z.object({
  original_id: nullableString.optional(),
  first_name: nullableString.optional(),
  last_name: nullableString.optional(),
  email: z.email().nullable().optional(),
  phone: nullableString.optional(),
  phone_code: nullableString.optional(),
  company_name: nullableString.optional(),
  company_vat_number: nullableString.optional(),
  color: z.enum(CUSTOMER_COLORS).nullable().optional(),
  icon_text: nullableString.optional(),
  address: TactillAddressSchema.nullable().optional(),
  note: nullableString.optional(),
  fidelity_card_number: nullableString.optional(),
  custom_fields: opaqueObjects.default([]),
});
export type TactillCustomerCreateInput = z.input<typeof TactillCustomerCreateSchema>;

/** seed §Customer "Patch a customer". */
export const TactillCustomerPatchSchema = z.object({
  id: reference('customer'),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  email: z.email().optional(),
  phone: z.string().optional(),
  address: TactillAddressSchema.optional(),
  company_name: z.string().optional(),
  company_vat_number: z.string().optional(),
});
export type TactillCustomerPatchInput = z.input<typeof TactillCustomerPatchSchema>;

/** seed §Category "Create a category": the caller may choose the id and timestamps. */
export const TactillCategoryCreateSchema = z.object({
  id: nullableString.optional(),
  created_at: isoDate.nullable().optional(),
  updated_at: isoDate.nullable().optional(),
  name: z.string().min(1),
  color: nullableString.optional(),
  icon_text: nullableString.optional(),
  custom_fields: opaqueObjects.default([]),
});
export type TactillCategoryCreateInput = z.input<typeof TactillCategoryCreateSchema>;

/** seed §Category "Patch a category". */
export const TactillCategoryPatchSchema = z.object({
  id: reference('category'),
  name: z.string().min(1).optional(),
  color: z.string().optional(),
  icon_text: z.string().optional(),
});
export type TactillCategoryPatchInput = z.input<typeof TactillCategoryPatchSchema>;

/** seed §Tax "Create a new tax" / "Patch a tax". */
export const TactillTaxCreateSchema = z.object({ rate: basisPoints });
export type TactillTaxCreateInput = z.input<typeof TactillTaxCreateSchema>;
export const TactillTaxPatchSchema = z.object({ id: reference('tax'), rate: basisPoints.optional() });
export type TactillTaxPatchInput = z.input<typeof TactillTaxPatchSchema>;

/** seed §Cashbook "Create a new cashbook"; opening a session = creating it with state OPEN. */
export const TactillCashbookCreateSchema = z.object({
  shop_id: reference('shop'),
  source_id: z.string().min(1),
  source_name: z.string().min(1),
  number: z.number().int(),
  state: z.enum(CASHBOOK_STATES),
  total: cents.optional(),
  total_tax_free: cents.optional(),
  min_sale_number: z.number().int().optional(),
  max_sale_number: z.number().int().optional(),
  sales_count: z.number().int().min(0).optional(),
  min_payment_number: z.number().int().optional(),
  max_payment_number: z.number().int().optional(),
  payments_count: z.number().int().min(0).optional(),
  opened_at: isoDate,
  closed_at: isoDate.optional(),
  note: z.string().optional(),
  opening_seller_id: z.string().optional(),
  closing_seller_id: z.string().optional(),
  total_expected: cents.optional(),
  total_difference: cents.optional(),
  movements: opaqueObjects.default([]),
  opening_cash_fund: z.array(TactillCashFundEntrySchema).default([]),
  closing_cash_fund: z.array(TactillCashFundEntrySchema).default([]),
  custom_fields: opaqueObjects.default([]),
});
export type TactillCashbookCreateInput = z.input<typeof TactillCashbookCreateSchema>;

/** seed §Cashbook "Update a cashbook" (PATCH /cashbooks/{id}, `id` repeated in the body); closing = state CLOSED. */
export const TactillCashbookUpdateSchema = z.object({
  id: reference('cashbook'),
  state: z.enum(CASHBOOK_STATES).optional(),
  total: cents.optional(),
  total_tax_free: cents.optional(),
  min_sale_number: z.number().int().optional(),
  max_sale_number: z.number().int().optional(),
  sales_count: z.number().int().min(0).optional(),
  min_payment_number: z.number().int().optional(),
  max_payment_number: z.number().int().optional(),
  payments_count: z.number().int().min(0).optional(),
  closed_at: isoDate.optional(),
  note: z.string().optional(),
  closing_seller_id: z.string().optional(),
  total_expected: cents.optional(),
  total_difference: cents.optional(),
  movements: opaqueObjects.optional(),
  closing_cash_fund: z.array(TactillCashFundEntrySchema).optional(),
  custom_fields: opaqueObjects.optional(),
});
export type TactillCashbookUpdateInput = z.input<typeof TactillCashbookUpdateSchema>;

/** A sale line as sent [assumed]; `discount` defaults to 0 and `total_tax` is derived from `tax_rate` when absent. */
export const TactillSaleLineInputSchema = z.object({
  product_id: nullableString.optional(),
  name: z.string().min(1),
  quantity: z.number(),
  unit_price: cents,
  discount: cents.optional(),
  total: cents,
  tax_rate: basisPoints,
  total_tax: cents.optional(),
});
export type TactillSaleLineInput = z.input<typeof TactillSaleLineInputSchema>;

/** A tender as sent [assumed]; the simulator turns it into a Payment (VALID, IN/OUT, next number). */
export const TactillSalePaymentInputSchema = z.object({
  id: z.string().optional(),
  payment_method_id: z.string().min(1),
  payment_method_name: nullableString.optional(),
  payment_method_type: z.enum(PAYMENT_METHOD_TYPES),
  amount: cents,
  date: isoDate.optional(),
});
export type TactillSalePaymentInput = z.input<typeof TactillSalePaymentInputSchema>;

/**
 * seed §Sale "Create a sale". `original_id` is the writer's own reference: stored, and
 * filterable with `original_id: {eq}`, so a writer that timed out can look its sale up.
 */
export const TactillSaleCreateSchema = z.object({
  original_id: z.string().optional(),
  shop_id: reference('shop'),
  source_id: z.string().min(1),
  source_name: z.string().min(1),
  cashbook_id: z.string().optional(),
  name: z.string().optional(),
  number: z.number().int().optional(),
  state: z.enum(SALE_STATES),
  refund_status: z.enum(SALE_STATUSES),
  refunded_status: z.enum(SALE_STATUSES),
  payment_status: z.enum(SALE_STATUSES),
  note: z.string().optional(),
  target_id: z.string().optional(),
  opened_at: isoDate,
  closed_at: isoDate.optional(),
  pending_at: isoDate.optional(),
  customer_id: z.string().optional(),
  seller_id: z.string().optional(),
  lines: z.array(TactillSaleLineInputSchema).default([]),
  discounts: opaqueObjects.default([]),
  payments: z.array(TactillSalePaymentInputSchema).default([]),
  total: cents,
  total_discount: cents,
  total_tax_free: cents,
  total_tax: cents,
  total_rest: cents,
});
export type TactillSaleCreateInput = z.input<typeof TactillSaleCreateSchema>;

/**
 * seed §Sale "Update a sale" (PATCH /sales, `id` in the body). `lines` and `discounts`
 * replace the sale's; a `payments` element without `id` adds a payment, one with an `id`
 * must be one of the sale's payments and is kept as it is [assumed].
 */
export const TactillSaleUpdateSchema = z.object({
  id: reference('sale'),
  source_id: z.string().min(1).optional(),
  source_name: z.string().min(1).optional(),
  cashbook_id: z.string().optional(),
  name: z.string().optional(),
  number: z.number().int().optional(),
  state: z.enum(SALE_STATES).optional(),
  refund_status: z.enum(SALE_STATUSES).optional(),
  refunded_status: z.enum(SALE_STATUSES).optional(),
  payment_status: z.enum(SALE_STATUSES).optional(),
  note: z.string().optional(),
  target_id: z.string().optional(),
  closed_at: isoDate.optional(),
  pending_at: isoDate.optional(),
  customer_id: z.string().optional(),
  seller_id: z.string().optional(),
  lines: z.array(TactillSaleLineInputSchema).optional(),
  discounts: opaqueObjects.optional(),
  payments: z.array(TactillSalePaymentInputSchema).optional(),
  total: cents.optional(),
  total_discount: cents.optional(),
  total_tax_free: cents.optional(),
  total_tax: cents.optional(),
  total_rest: cents.optional(),
});
export type TactillSaleUpdateInput = z.input<typeof TactillSaleUpdateSchema>;
