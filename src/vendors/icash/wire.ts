/**
 * iCash client API (icash.bg / icash.al), as documented: every method is
 * `POST <host>/clientapi/v1/<method>` with a form-urlencoded body, always answered with
 * `{"nonce":"<echo>","status":1,"data":…}` or `{"nonce","status":0,"error_message"}`
 * (vendor-contracts.md §3; seed shared/seeds/icash-client-api.txt).
 *
 * Names are the vendor's own. Amounts are DECIMAL(p,s) columns rendered as JSON strings with
 * exactly s decimals ("66.600000"); they stay strings here and are converted by the adapter.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { Decimal, DecimalError } from '../../core/money.ts';

// ---------------------------------------------------------------------------------------------
// Credentials and request signing (vendor-contracts §3 "Auth"; icash.bg/bg/api/3-1-login)

/** What a connection needs; the names are those of the login form. */
export interface IcashCredentials {
  readonly api_key: string;
  readonly secret_key: string;
  readonly WareHouseID: string;
  readonly UserID: string;
}

export const IcashCredentialsSchema = z.object({
  api_key: z.string().min(1),
  secret_key: z.string().min(1),
  WareHouseID: z.string().regex(/^\d+$/),
  UserID: z.string().regex(/^\d+$/),
});

/**
 * UPPERCASE hex HMAC-SHA256 keyed with the secret over nonce + WareHouseID + api_key,
 * concatenated as decimal strings — the PHP sample's
 * `strtoupper(bin2hex(hash_hmac('sha256', $nonce.$WareHouseID.$api_key, $secret_key, true)))`.
 */
export function icashSignature(secretKey: string, nonce: number | string, wareHouseId: string, apiKey: string): string {
  return createHmac('sha256', secretKey).update(`${nonce}${wareHouseId}${apiKey}`).digest('hex').toUpperCase();
}

/** Every method's path; `host` is the connection's base URL. */
export function icashMethodPath(method: IcashMethod): string {
  return `/clientapi/v1/${method}`;
}

export const ICASH_METHODS = [
  'login',
  'get-sale-items',
  'add-sale-item',
  'get-contragents',
  'add-contragent',
  'get-pay-types',
  'get-cash-registers',
  'add-cash-register-amount',
  'new-operation',
  'add-operation-sale-item',
  'del-operation-sale-item',
  'add-operation-payment',
  'print-operation',
  'get-operation',
  'operations-list',
] as const;

export type IcashMethod = (typeof ICASH_METHODS)[number];

/** The vendor's error texts that callers act on (public docs and [assumed] in vendor-contracts §3). */
export const ICASH_ERRORS = {
  authentication: 'Authentication Error',
  invalidNonce: 'Invalid nonce',
  sessionExpired: 'Session expired',
  missingSession: 'Missing value for ses',
  tooManyRequests: 'Too many requests',
} as const;

export const missingValue = (param: string): string => `Missing value for ${param}`;
export const wrongValue = (param: string): string => `Wrong value for ${param}`;

// ---------------------------------------------------------------------------------------------
// Fixed-scale decimals (vendor-contracts §3 "Encoding")

/** Documented scales of the DECIMAL columns this API reads and writes. */
export const ICASH_SCALE = {
  /** SaleItemSellPrice, SaleItemSellPriceWithoutVat: DECIMAL(14,6). */
  sellPrice: 6,
  /** Qty: DECIMAL(10,5). */
  quantity: 5,
  /** SaleItemSinglePrice: DECIMAL(10,5). */
  singlePrice: 5,
  /** SaleItemDiscount (percent): DECIMAL(4,2). */
  discountPercent: 2,
  /** PaymentSum: DECIMAL(10,2). */
  payment: 2,
  /** Operation money columns (Price, TotalVat, PayedSum, …): DECIMAL(15,5). */
  operationMoney: 5,
} as const;

/**
 * Renders an amount with exactly `scale` decimals, refusing to round: a value with more
 * significant decimals than the column holds is an input error, never silently cut.
 */
export function toFixedScale(value: Decimal | string, scale: number): string {
  const decimal = typeof value === 'string' ? Decimal.parse(value) : value;
  const reduced = decimal.normalize();
  if (reduced.scale > scale) {
    throw new DecimalError(`${decimal.toString()} has more than ${scale} decimal places, the precision iCash stores`);
  }
  return reduced.round(scale).toString();
}

const decimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const flag = z.union([z.literal(0), z.literal(1)]);
const id = z.number().int();
const text = z.string();
/** Free-text columns the vendor may leave NULL (the seed example has `"SaleItemGroupName": null`). */
const optionalText = z.string().nullable();

// ---------------------------------------------------------------------------------------------
// Envelope (seed "JSON response on success / unsuccess")

/** The echo is documented as Integer but every example shows a string; both are accepted. */
const nonceEcho = z.union([z.string(), z.number()]).optional();

export const IcashFailureSchema = z.object({
  nonce: nonceEcho,
  status: z.literal(0),
  error_message: z.string(),
});

export const IcashSuccessSchema = z.object({
  nonce: nonceEcho,
  status: z.literal(1),
  data: z.unknown(),
});

export const IcashEnvelopeSchema = z.discriminatedUnion('status', [IcashSuccessSchema, IcashFailureSchema]);

export type IcashFailure = z.infer<typeof IcashFailureSchema>;

/** List methods answer `data = {TotalRecords, Data}`; TotalRecords counts the filtered set. */
export function listResultSchema<T extends z.ZodType>(row: T) {
  return z.object({ TotalRecords: z.number().int().min(0), Data: z.array(row) });
}

export interface IcashListResult<T> {
  TotalRecords: number;
  Data: T[];
}

/**
 * A list answer with its rows left unread: `{TotalRecords, Data[]}` is checked strictly, and
 * each row is validated on its own by the adapter (`readRow` with the row schemas below), so
 * one malformed row fails only itself.
 */
export const RawListResultSchema = listResultSchema(z.unknown());
/** get-cash-registers and get-pay-types answer a bare array; its rows are read one by one. */
export const RawRowsSchema = z.array(z.unknown());

/** Where a payload broke, by paths and issue codes only: the values may be anything, including personal data. */
export function issueSummary(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
}

/** Validates one row of a list; throws an Error naming the paths and codes at fault. */
export function readRow<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new Error(`unexpected ${what} row (${issueSummary(parsed.error)})`);
}

/** The vendor id of a row, as model id text, when it is readable (a JSON integer or digit string). */
export function rowIdOf(raw: unknown, field: string): string | null {
  const id = numericRowIdOf(raw, field);
  return id === null ? null : String(id);
}

/** The same id as a number, for walking an id-sorted list; null when it cannot be read. */
export function numericRowIdOf(raw: unknown, field: string): number | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const value: unknown = Object.prototype.hasOwnProperty.call(raw, field) ? (raw as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return null;
}

/** `sort` names a field of the row; `count` defaults to 10 and is clamped to 100. */
export interface IcashListParams {
  sort?: string;
  order?: 'ASC' | 'DESC';
  offset?: number;
  count?: number;
}

export const ICASH_MAX_PAGE = 100;
export const ICASH_DEFAULT_PAGE = 10;

// ---------------------------------------------------------------------------------------------
// 3.01 login → data.session_id (32 hex)

export const LoginResultSchema = z.object({ session_id: z.string().regex(/^[0-9a-f]{32}$/i) });

// ---------------------------------------------------------------------------------------------
// 3.12 get-sale-items (seed document)

export interface SaleItemFilters {
  StoreID?: number;
  SaleItemID?: number;
  SaleItemInventoryID?: string;
  SaleItemBarcode?: string;
  SaleItemName?: string;
  SaleItemType?: 'PRODUCT' | 'SERVICE';
  SaleItemCashRegisterName?: string;
  SaleItemStatus?: 'Normal' | 'Deleted';
}

/** Note the read name `SaleItemBarcodeBarcode` against the write name `SaleItemBarcode`. */
export const SaleItemSchema = z.looseObject({
  SaleItemID: id,
  SaleItemBarcodeBarcode: optionalText,
  SaleItemInventoryID: text,
  SaleItemName: text,
  SaleItemCashRegisterName: text,
  SaleItemType: z.enum(['PRODUCT', 'SERVICE']),
  SaleItemPrimaryMeasureUnitID: id,
  SaleItemTaxGroupID: id,
  /** DECIMAL(14,6), VAT included. */
  SaleItemSellPrice: decimalText,
  SaleItemForbidSupplements: flag,
  SaleItemForbidSales: flag,
  SaleItemForbidRefund: flag,
  SaleItemStatus: z.enum(['Normal', 'Deleted']),
  SaleItemComment: optionalText,
  /** Comma-separated group names and ids. */
  SaleItemGroupName: optionalText,
  SaleItemGroupID: optionalText.optional(),
});

export type IcashSaleItem = z.infer<typeof SaleItemSchema>;

// 3.10 add-sale-item → {SaleItemID}; EditSaleItemID edits instead of adding.
export interface AddSaleItemInput {
  EditSaleItemID?: number;
  SaleItemBarcode?: string;
  SaleItemInventoryID: string;
  SaleItemName: string;
  SaleItemCashRegisterName: string;
  SaleItemType?: 'PRODUCT' | 'SERVICE';
  SaleItemPrimaryMeasureUnitID: number;
  SaleItemTaxGroupID: number;
  /** One of the two prices is required; the price without VAT wins when both are sent. */
  SaleItemSellPrice?: Decimal | string;
  SaleItemSellPriceWithoutVat?: Decimal | string;
  SaleItemForbidSupplements?: 0 | 1;
  SaleItemForbidSales?: 0 | 1;
  SaleItemForbidRefund?: 0 | 1;
  SaleItemComment?: string;
  SaleItemSaleItemGroupID?: number;
}

export const AddSaleItemResultSchema = z.object({ SaleItemID: id });

// ---------------------------------------------------------------------------------------------
// 3.09 get-contragents

export interface ContragentFilters {
  ContragentID?: number;
  ContragentName?: string;
  ContragentType?: 'CLIENT' | 'SUPPLIER';
  ContragentBarcode?: string;
  ContragentTaxNum?: string;
  ContragentActive?: 0 | 1;
}

export const ContragentSchema = z.looseObject({
  ContragentID: id,
  ContragentName: text,
  ContragentType: z.enum(['CLIENT', 'SUPPLIER']),
  ContragentBarcode: optionalText,
  ContragentTaxNum: optionalText,
  ContragentVatRegistered: flag,
  ContragentVatNum: optionalText,
  ContragentMOL: optionalText,
  ContragentAllowPartPays: flag.optional(),
  ContragentForbidSupplies: flag.optional(),
  ContragentForbidSales: flag.optional(),
  ContragentActive: flag,
  ContragentPhone: optionalText,
  ContragentMobile: optionalText,
  ContragentEmail: optionalText,
  /** The address columns of add-contragent, read back [assumed]: optional for that reason. */
  ContragentCountryCode: optionalText.optional(),
  ContragentCityName: optionalText.optional(),
  ContragentAddress: optionalText.optional(),
});

export type IcashContragent = z.infer<typeof ContragentSchema>;

// 3.08 add-contragent → {ContragentID}
export interface AddContragentInput {
  EditContragentID?: number;
  ContragentName: string;
  ContragentType: 'CLIENT' | 'SUPPLIER';
  ContragentCountryCode: string;
  ContragentCityName: string;
  ContragentTaxNum: string;
  ContragentVatRegistered: 0 | 1;
  ContragentBarcode?: string;
  ContragentAddress?: string;
  ContragentVatNum?: string;
  ContragentMOL?: string;
  ContragentPhone?: string;
  ContragentMobile?: string;
  ContragentEmail?: string;
}

export const AddContragentResultSchema = z.object({ ContragentID: id });

// ---------------------------------------------------------------------------------------------
// 3.06 get-pay-types → [{id, value}] (the table says `name`, the example and the contract `value`)

export const PayTypeSchema = z.looseObject({ id, value: text });
export type IcashPayType = z.infer<typeof PayTypeSchema>;

// 3.02 get-cash-registers → [{id, value, type, storeID}]
export const CashRegisterSchema = z.looseObject({ id, value: text, type: z.enum(['VIRTUAL', 'HARDWARE']), storeID: id });
export type IcashCashRegister = z.infer<typeof CashRegisterSchema>;

// 3.25 add-cash-register-amount → operation id (int). Type codes 1/2/3 are [assumed].
export const CASH_AMOUNT_TYPE = { Credit: 1, Balance: 2, Debit: 3 } as const;

export interface AddCashRegisterAmountInput {
  CashRegisterID: number;
  /** Documented as float; sent as an exact decimal text, never through a binary float. */
  ServiceIssuedSumSum: Decimal | string;
  ServiceIssuedSumType: (typeof CASH_AMOUNT_TYPE)[keyof typeof CASH_AMOUNT_TYPE];
}

export const AddCashRegisterAmountResultSchema = id;

// ---------------------------------------------------------------------------------------------
// 3.13 new-operation (BG only) → {OperationID, OperationFiskBonUUID (Sell only)}

export interface NewOperationInput {
  ImportSource: string;
  /** The idempotency reference the gateway later searches by (operations-list ImportRefID). */
  ImportRefID?: string;
  OperationType: 'Sell' | 'ReturnClient' | 'Delivery';
  OperationElectronicReceipt?: 'YES' | 'NO';
  CashRegisterID: number;
  StoreID: number;
  ContragentID?: number;
  Comment?: string;
  /** Required for ReturnClient: the original fiscal receipt. */
  StornoType?: 0 | 1 | 2;
  FiskBonRcpNum?: number;
  FiskDeviceNum?: number;
  /** DD-MM-YY HH:mm */
  FiskBonDate?: string;
  FiskBonUUID?: string;
}

export const NewOperationResultSchema = z.object({
  OperationID: id,
  OperationFiskBonUUID: z.string().optional(),
});

/** FiskBonUUID (UNS): 8 alphanumerics, 4 alphanumerics, 7 digits. */
export const FISK_BON_UUID_PATTERN = /^([a-zA-Z0-9]{8})-([a-zA-Z0-9]{4})-(\d{7})$/;

// 3.15 add-operation-sale-item → {OperationSaleItemID}
export interface AddOperationSaleItemInput {
  OperationID: number;
  /** One of SaleItemID / SaleItemInventoryID. */
  SaleItemID?: number;
  SaleItemInventoryID?: string;
  Qty: Decimal | string;
  /** Unit price including VAT. */
  SaleItemSinglePrice: Decimal | string;
  /** Percent. */
  SaleItemDiscount?: Decimal | string;
}

export const OperationSaleItemResultSchema = z.object({ OperationSaleItemID: id });

// 3.19 add-operation-payment → {"result":"OK","PaymentID":"804"} — the id is a string.
export interface AddOperationPaymentInput {
  OperationID: number;
  PayTypeID: number;
  PaymentSum: Decimal | string;
}

export const AddOperationPaymentResultSchema = z.object({ result: z.literal('OK'), PaymentID: z.string() });

// 3.18 print-operation → OperationID (int)
export interface PrintOperationInput {
  OperationID: number;
  PayTypeID: number;
}

export const PrintOperationResultSchema = id;

// ---------------------------------------------------------------------------------------------
// 3.14 get-operation / 3.20 operations-list

export const OPERATION_STATUSES = ['TEMP', 'NORMAL', 'EDITED', 'DELETED', 'FOR_DOWNLOAD', 'DOWNLOADED', 'POS_OPEN'] as const;
export type IcashOperationStatus = (typeof OPERATION_STATUSES)[number];

export const OperationSchema = z.object({
  OperationID: id,
  OperationType: z.enum(['Sell', 'ReturnClient', 'Delivery']),
  OperationCashRegisterID: id,
  OperationStoreID: id,
  OperationNum: id,
  /** YYYY-MM-DD, local. */
  OperationDate: text,
  OperationStatus: z.enum(OPERATION_STATUSES),
  /** 0 when the operation has no contragent. */
  OperationContragentID: id,
  OperationComment: optionalText,
  /** Money columns: DECIMAL(15,5), VAT included, positive also for returns. */
  OperationPrice: decimalText,
  OperationCurrencyCode: z.string().length(3),
  OperationPriceWithoutVat: decimalText,
  OperationTotalVat: decimalText,
  OperationPayedSum: decimalText,
  OperationTotalDiscount: decimalText,
  OperationFiskBonUUID: optionalText,
  OperationCreateUserID: id,
  /** YYYY-MM-DD HH:MM:SS, local. */
  OperationCreateDate: text,
  /** 0 and null until the operation is printed. */
  OperationCompleteUserID: id,
  OperationCompleteDate: optionalText,
  OperationPosCompleteDate: optionalText,
});

export type IcashOperation = z.infer<typeof OperationSchema>;

/** Lines and payments of get-operation [assumed shape, vendor-contracts §3]. */
export const OperationSaleItemSchema = z.looseObject({
  OperationSaleItemID: id,
  SaleItemID: id,
  Qty: decimalText,
  SaleItemSinglePrice: decimalText,
  /** Percent, DECIMAL(4,2). */
  SaleItemDiscount: decimalText,
});

export const OperationPaymentSchema = z.looseObject({
  PaymentID: z.string(),
  PayTypeID: id,
  PaymentSum: decimalText,
});

export const OperationDetailSchema = OperationSchema.extend({
  SaleItems: z.array(OperationSaleItemSchema),
  Payments: z.array(OperationPaymentSchema),
});

export type IcashOperationSaleItem = z.infer<typeof OperationSaleItemSchema>;
export type IcashOperationPayment = z.infer<typeof OperationPaymentSchema>;
export type IcashOperationDetail = z.infer<typeof OperationDetailSchema>;

/** Date filters accept local wire text, or an instant the client renders in the connection's zone. */
export type LocalDateInput = string | Date;

export interface OperationFilters {
  OperationID?: number;
  OperationStoreID?: number;
  /** SET: default "Sell,ReturnClient". */
  OperationType?: ReadonlyArray<'Sell' | 'ReturnClient'>;
  OperationContragentID?: number;
  /** SET: default NORMAL, so TEMP (unprinted) operations are hidden unless asked for. */
  OperationStatus?: readonly IcashOperationStatus[];
  ImportSource?: string;
  ImportRefID?: string;
  /** YYYY-MM-DD, inclusive. */
  OperationDateFrom?: LocalDateInput;
  OperationDateTo?: LocalDateInput;
  /** YYYY-MM-DD HH:mm:ss, inclusive. */
  OperationCreateDateFrom?: LocalDateInput;
  OperationCreateDateTo?: LocalDateInput;
  OperationCompleteDateFrom?: LocalDateInput;
  OperationCompleteDateTo?: LocalDateInput;
  OperationCreateUserID?: number;
  OperationCompleteUserID?: number;
}
