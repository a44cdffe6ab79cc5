/**
 * Kash's sale webhook (seed "Get notified during a sale"; vendor-contracts.md §2 "Webhook").
 *
 * Set in the shop's Configuration ("Interface options"), it is called for every order: once
 * with `type=validated` (the invoice exists) and once with `type=terminated` (payment
 * completed). Transport [assumed]: POST form-urlencoded, `items`, `VATs` and `customer` as
 * JSON text, `isRefund` "true"|"false", nothing signed. A JSON body is read too, in case a
 * shop's set-up posts one.
 *
 * Both notices announce the same sale. A validated order is a sale for the gateway: the
 * adapter lists validated orders paid or not (getOrders validatedOrders=true), and a sale
 * created unpaid (payment -1) only ever gets the `validated` notice. So both types publish
 * `saleCreated` with the id the adapter gives the sale — `orderInternalID`, the id getOrder
 * takes — and the live bus, which keeps one event per (type, connection, id), turns the pair
 * into one event: the first to arrive, or `terminated` alone if `validated` was lost.
 *
 * The amounts (`price`, `VAT`) are checked to be decimal literals and kept as text: they
 * never pass through a float.
 */
import { z } from 'zod';
import { WebhookPayloadError, type VendorWebhook, type WebhookDelivery } from '../../core/webhooks.ts';
import { Decimal, DecimalError } from '../../core/money.ts';
import type { LiveEventInput } from '../../live/events.ts';

/** As the adapter prints `orderInternalID` (a JSON integer at getOrder): no sign, no leading zero. */
const ORDER_INTERNAL_ID = /^[1-9]\d{0,14}$/;
const DECIMAL_TEXT = /^-?\d{1,15}(?:\.\d{1,6})?$/;

const decimalText = z.string().trim().regex(DECIMAL_TEXT, 'expected a decimal number such as "12.50"');
/** Kash prints absent ids as empty strings. */
const optionalIdText = z
  .string()
  .trim()
  .regex(/^\d{0,15}$/, 'expected an integer id')
  .optional()
  .transform((text) => (text === undefined || text === '' || /^0+$/.test(text) ? null : String(Number(text))));

/**
 * The fields the gateway relies on are checked; the others are optional, and fields this
 * schema does not know are ignored, so a notice Kash extends still reads.
 */
export const KashWebhookSchema = z.object({
  type: z.enum(['validated', 'terminated']),
  orderInternalID: z
    .string()
    .trim()
    // Leading zeros would make a second id for the same order.
    .transform((text) => text.replace(/^0+(?=\d)/, ''))
    .pipe(z.string().regex(ORDER_INTERNAL_ID, 'expected a positive integer')),
  orderID: z.string().trim().optional(),
  price: decimalText.optional(),
  VAT: decimalText.optional(),
  isRefund: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((text) => (text === undefined || text === '' ? null : text === 'true' || text === '1')),
  clientID: optionalIdText,
  cashBoxID: optionalIdText,
});

/** One notice, read: what it says about the order, in the vendor's terms. */
export interface KashWebhookNotice {
  readonly type: 'validated' | 'terminated';
  /** The sale's id as the adapter gives it. */
  readonly orderInternalId: string;
  /** The order number shown to the shop; null when absent. */
  readonly orderId: string | null;
  /** Exact decimal text, e.g. "12.5"; null when absent. */
  readonly price: string | null;
  readonly vat: string | null;
  readonly isRefund: boolean | null;
  readonly clientId: string | null;
  readonly cashBoxId: string | null;
}

/**
 * The body's fields as text. A form (the documented transport) is read as PHP reads
 * `$_POST`: the last of repeated names wins. A JSON object's members are turned into the
 * text a form would carry; numbers exactly, through Decimal.
 */
export function readKashWebhookFields(body: string, contentType: string | null): Record<string, string> {
  if (!/\bjson\b/i.test(contentType ?? '')) return Object.fromEntries(new URLSearchParams(body));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WebhookPayloadError('The body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new WebhookPayloadError('The JSON body is not an object');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') fields[name] = value;
    else if (typeof value === 'number') fields[name] = jsonNumberText(name, value);
    else if (typeof value === 'boolean') fields[name] = String(value);
    else if (value === null) fields[name] = '';
    else fields[name] = JSON.stringify(value);
  }
  return fields;
}

function jsonNumberText(name: string, value: number): string {
  try {
    return Decimal.fromJsonNumber(value).toString();
  } catch (error) {
    if (error instanceof DecimalError) throw new WebhookPayloadError(`${name}: not an exact number`);
    throw error;
  }
}

/** Validates a notice's fields; the error names the first field at fault, never its value. */
export function parseKashWebhook(fields: Readonly<Record<string, string>>): KashWebhookNotice {
  const parsed = KashWebhookSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WebhookPayloadError(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const notice = parsed.data;
  return {
    type: notice.type,
    orderInternalId: notice.orderInternalID,
    orderId: notice.orderID === undefined || notice.orderID === '' ? null : notice.orderID,
    price: notice.price ?? null,
    vat: notice.VAT ?? null,
    isRefund: notice.isRefund,
    clientId: notice.clientID,
    cashBoxId: notice.cashBoxID,
  };
}

/**
 * The live event a notice announces. The notice carries no date, so the sale is dated by
 * the notice's arrival: Kash calls the webhook as the order is validated.
 */
export function kashWebhookEvent(notice: KashWebhookNotice, connectionId: string, receivedAt: Date): LiveEventInput {
  return { type: 'saleCreated', connection: connectionId, id: notice.orderInternalId, occurredAt: receivedAt.toISOString(), via: 'WEBHOOK' };
}

/** The webhook of a Kash connection; null when its settings give no `webhookSecret` (webhooks off). */
export function createKashWebhook(settings: { readonly webhookSecret?: string | undefined }): VendorWebhook | null {
  const secret = settings.webhookSecret;
  if (secret === undefined) return null;
  return {
    secret,
    read(delivery: WebhookDelivery): readonly LiveEventInput[] {
      const notice = parseKashWebhook(readKashWebhookFields(delivery.body, delivery.contentType));
      return [kashWebhookEvent(notice, delivery.connectionId, delivery.receivedAt)];
    },
  };
}
