/**
 * The only code that speaks Kash's `/workers/*.php` protocol (vendor-contracts.md §2).
 *
 * Auth is a static shop id + API key sent with every call (query string for reads, form
 * body for webapp.php). A client given only login/password exchanges them lazily, once, at
 * getAuthToken.php; concurrent first calls share that one exchange. The key never expires,
 * but it can be regenerated in the back office: on "Invalid key" a client that knows the
 * login fetches the key again and retries the call once; one that only has a key fails with
 * VendorAuthError straight away. Given a TokenStore, the key a login hands out is kept there,
 * so the replicas of the gateway log in once between them (see core/token-store.ts).
 *
 * Kash answers failures with HTTP 200 `{"result":"ERROR","message"}`; they are mapped by
 * message (the only thing the vendor gives) to the core error classes. Nothing paginates.
 */
import type { z } from 'zod';
import {
  VendorAuthError,
  VendorMalformedResponseError,
  VendorNotFoundError,
  VendorRateLimitedError,
  VendorRejectedError,
  VendorUnavailableError,
  type VendorFailure,
} from '../../core/errors.ts';
import { HttpTransport, parseJsonBody, type CallSite, type HttpRequest, type HttpResponse } from '../../core/http.ts';
import { fromLocalDateTime } from '../../core/time.ts';
import { SharedSession, tokenKey, type SessionCodec, type TokenStore } from '../../core/token-store.ts';
import {
  KASH_INLINE_CLIENT_KEYS,
  KASH_MESSAGES,
  KEY_PARAM,
  SHOP_ID_PARAM,
  KashAuthTokenResponseSchema,
  KashCashboxSchema,
  KashClientRecordSchema,
  KashDepartmentSchema,
  KashErrorSchema,
  KashListEnvelopeSchema,
  KashOrderDetailSchema,
  KashOrderSchema,
  KashPaymentModeSchema,
  KashPluSchema,
  KashRecordEnvelopeSchema,
  KashRecordSaleResponseSchema,
  encodeItemsListEntry,
  type KashCashbox,
  type KashClientRecord,
  type KashDeliveryMethod,
  type KashDepartment,
  type KashListWorker,
  type KashOrder,
  type KashOrderDetail,
  type KashPaymentMode,
  type KashPlu,
  type KashRecordSaleResponse,
  type KashSaleInput,
} from './wire.ts';

/** A shop id + API key (Configuration → Webservices), or the back-office login that hands them out. */
export type KashCredentials =
  | { readonly shopId: string; readonly apiKey: string; readonly login?: string; readonly password?: string }
  | { readonly login: string; readonly password: string; readonly shopId?: string; readonly apiKey?: undefined };

export interface KashClientOptions {
  readonly connection: string;
  /** e.g. https://caisse.enregistreuse.fr or https://www.free-cash-register.net */
  readonly baseUrl: string;
  readonly credentials: KashCredentials;
  readonly transport?: HttpTransport;
  /** The shop's zone, for `shopDay()`; Europe/Paris unless configured. */
  readonly timeZone?: string;
  /** Where a key obtained by login is kept for other replicas too; this client's memory alone when absent. */
  readonly tokenStore?: TokenStore;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface KashOrdersFilter {
  /** true (default): validated orders by value date; false: quotes by creation date. */
  readonly validated?: boolean;
  /** Inclusive bounds, instants (Date or ISO 8601 with offset). */
  readonly from?: Date | string;
  readonly to?: Date | string;
  readonly deliveryMethod?: KashDeliveryMethod;
}

export interface KashDateRange {
  readonly from: Date | string;
  readonly to: Date | string;
}

interface KashSession {
  readonly shopId: string;
  readonly apiKey: string;
}

const VENDOR = 'kash';

export class KashClient {
  private readonly site: CallSite;
  private readonly baseUrl: string;
  private readonly credentials: KashCredentials;
  private readonly transport: HttpTransport;
  private readonly timeZone: string;
  /** The key in use: the configured one, or getAuthToken's, shared by every caller (and replica). */
  private readonly session: SharedSession<KashSession>;

  constructor(options: KashClientOptions) {
    const { credentials } = options;
    const hasKey = typeof credentials.shopId === 'string' && typeof credentials.apiKey === 'string';
    const hasLogin = typeof credentials.login === 'string' && typeof credentials.password === 'string';
    if (!hasKey && !hasLogin) {
      throw new TypeError('KashClient needs credentials {shopId, apiKey} or {login, password}');
    }
    this.site = { vendor: VENDOR, connection: options.connection };
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = credentials;
    this.transport = options.transport ?? new HttpTransport();
    this.timeZone = options.timeZone ?? 'Europe/Paris';
    this.session = new SharedSession({
      login: () => this.login(),
      codec: SESSION_CODEC,
      store: options.tokenStore,
      key: tokenKey(VENDOR, options.connection, [this.baseUrl, credentials.login ?? '', credentials.password ?? '']),
      ...(hasKey ? { initial: { shopId: credentials.shopId!, apiKey: credentials.apiKey! } } : {}),
    });
  }

  // GET /workers/getPlus.php?format=json (public api_data.md).
  async getPlus(options: CallOptions = {}): Promise<KashPlu[]> {
    return this.list('getPlus', KashPluSchema, options);
  }

  // GET /workers/getDepartments.php?format=json (public api_data.md).
  async getDepartments(options: CallOptions = {}): Promise<KashDepartment[]> {
    return this.list('getDepartments', KashDepartmentSchema, options);
  }

  // GET /workers/getClients.php?format=json (public api_data.md).
  async getClients(options: CallOptions = {}): Promise<KashClientRecord[]> {
    return this.list('getClients', KashClientRecordSchema, options);
  }

  // GET /workers/getPaymentModes.php?format=json (public api_data.md).
  async getPaymentModes(options: CallOptions = {}): Promise<KashPaymentMode[]> {
    return this.list('getPaymentModes', KashPaymentModeSchema, options);
  }

  // GET /workers/getCashbox.php?format=json (public api_data.md): the shop's registers.
  async getCashbox(options: CallOptions = {}): Promise<KashCashbox[]> {
    return this.list('getCashbox', KashCashboxSchema, options);
  }

  // GET /workers/getOrders.php (public api_sales.md; MCP data.ts). The whole period in one answer.
  async getOrders(filter: KashOrdersFilter = {}, options: CallOptions = {}): Promise<KashOrder[]> {
    return this.call('GET', 'getOrders', ordersParams(filter), KashOrderSchema.array(), options);
  }

  // GET /workers/getOrder.php?order_id=<orderInternalID> (MCP data.ts; contract §2 Orders).
  async getOrder(orderInternalId: number, options: CallOptions = {}): Promise<KashOrderDetail> {
    return this.call('GET', 'getOrder', orderParams(orderInternalId), KashOrderDetailSchema, options);
  }

  /**
   * The elements of a list worker, unread: the answer must be a JSON array (anything else,
   * like a broken or truncated body, is VendorMalformedResponseError for the whole call);
   * each element is the caller's to validate, with the element schema of wire.ts.
   */
  async listRecords(worker: KashListWorker, options: CallOptions = {}): Promise<unknown[]> {
    return this.call('GET', worker, new URLSearchParams({ format: 'json' }), KashListEnvelopeSchema, options);
  }

  /** getOrders with its elements unread (see `listRecords`); validate each with KashOrderSchema. */
  async getOrderRecords(filter: KashOrdersFilter = {}, options: CallOptions = {}): Promise<unknown[]> {
    return this.call('GET', 'getOrders', ordersParams(filter), KashListEnvelopeSchema, options);
  }

  /** getOrder with the order unread: the answer must be a JSON object; validate it with KashOrderDetailSchema. */
  async getOrderRecord(orderInternalId: number, options: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.call('GET', 'getOrder', orderParams(orderInternalId), KashRecordEnvelopeSchema, options);
  }

  /**
   * POST /workers/webapp.php (public api_record_sale.md; seed "Recording of sales").
   * After a timeout the outcome is unknown: give the sale a unique `privateComment` and look
   * for it with `findOrdersByPrivateComment` before sending it again.
   */
  async recordSale(input: KashSaleInput, options: CallOptions = {}): Promise<KashRecordSaleResponse> {
    if (input.items.length === 0) throw new RangeError('A Kash sale needs at least one item');
    const params = new URLSearchParams({ payment: String(input.payment) });
    const optional: Array<[string, string | number | undefined]> = [
      ['deliveryMethod', input.deliveryMethod],
      ['idUser', input.idUser],
      ['idClient', input.idClient],
      ['idtable', input.idtable],
      ['idcaisse', input.idcaisse],
      ['numcouverts', input.numcouverts],
      ['pagerNum', input.pagerNum],
      ['publicComment', input.publicComment],
      ['privateComment', input.privateComment],
      ['dateValeur', input.dateValeur],
    ];
    for (const [name, value] of optional) if (value !== undefined) params.set(name, String(value));
    if (input.idClient === undefined && input.client) {
      for (const key of KASH_INLINE_CLIENT_KEYS) {
        const value = input.client[key];
        if (value !== undefined && value !== '') params.set(`client[${key}]`, value);
      }
    }
    for (const line of input.items) params.append('itemsList[]', encodeItemsListEntry(line));
    return this.call('POST', 'webapp', params, KashRecordSaleResponseSchema, options);
  }

  /**
   * Orders and quotes of a period whose privateComment is `reference`: how the gateway learns
   * whether a sale it sent (and got no answer for) was recorded. Kash cannot filter on
   * comments, so both lists of the period are read and filtered here.
   */
  async findOrdersByPrivateComment(reference: string, range: KashDateRange, options: CallOptions = {}): Promise<KashOrder[]> {
    const [orders, quotes] = await Promise.all([
      this.getOrders({ validated: true, from: range.from, to: range.to }, options),
      this.getOrders({ validated: false, from: range.from, to: range.to }, options),
    ]);
    return [...orders, ...quotes].filter((order) => order.privateComment === reference);
  }

  /** The instants that bound a local day (YYYY-MM-DD) of the shop, for getOrders. */
  shopDay(day: string): KashDateRange {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`Expected a day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
    const from = fromLocalDateTime(`${day} 00:00:00`, this.timeZone);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.parse(fromLocalDateTime(`${next} 00:00:00`, this.timeZone)) - 1).toISOString();
    return { from, to };
  }

  private async list<T>(worker: string, element: z.ZodType<T>, options: CallOptions): Promise<T[]> {
    return this.call('GET', worker, new URLSearchParams({ format: 'json' }), element.array(), options);
  }

  /** One call, re-authenticating once if the key was refused and the login is known. */
  private async call<T>(method: 'GET' | 'POST', worker: string, params: URLSearchParams, schema: z.ZodType<T>, options: CallOptions): Promise<T> {
    const session = this.session.current();
    const first = await this.send(method, worker, params, await session, options);
    if (first.kind === 'ok') return this.parse(worker, first.response, first.body, schema);
    if (!this.canLogin()) throw this.authError(first.response, first.message);
    const second = await this.send(method, worker, params, await this.session.replace(session), options);
    if (second.kind === 'ok') return this.parse(worker, second.response, second.body, schema);
    throw this.authError(second.response, second.message);
  }

  private async send(
    method: 'GET' | 'POST',
    worker: string,
    params: URLSearchParams,
    session: KashSession,
    options: CallOptions,
  ): Promise<{ kind: 'ok'; response: HttpResponse; body: unknown } | { kind: 'invalid-key'; response: HttpResponse; message: string }> {
    const authenticated = new URLSearchParams({ [SHOP_ID_PARAM]: session.shopId, [KEY_PARAM]: session.apiKey });
    for (const [name, value] of params) authenticated.append(name, value);
    const url = new URL(`${this.baseUrl}/workers/${worker}.php`);
    const request: HttpRequest =
      method === 'GET'
        ? { method, url: withQuery(url, authenticated), headers: { accept: 'application/json' }, signal: options.signal }
        : {
            method,
            url,
            headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
            body: authenticated.toString(),
            signal: options.signal,
          };
    const response = await this.transport.send(this.site, request);
    const body = this.checkStatus(worker, response);
    const refusal = KashErrorSchema.safeParse(body);
    if (!refusal.success) return { kind: 'ok', response, body };
    const message = refusal.data.message;
    if (message === KASH_MESSAGES.invalidKey) return { kind: 'invalid-key', response, message };
    const failure = this.failure(response, message);
    throw message === KASH_MESSAGES.orderNotFound ? new VendorNotFoundError(failure) : new VendorRejectedError(failure);
  }

  /** HTTP errors are not Kash's own (it answers 200); they come from its web server or a proxy. */
  private checkStatus(worker: string, response: HttpResponse): unknown {
    if (response.status === 200) return parseJsonBody(this.site, response);
    const failure = this.failure(response, envelopeMessage(response) ?? `HTTP ${response.status} from ${worker}.php`);
    if (response.status === 429) throw new VendorRateLimitedError({ ...failure, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
    if (response.status === 401 || response.status === 403) throw new VendorAuthError(failure);
    if (response.status === 404) throw new VendorNotFoundError(failure);
    if (response.status >= 500) throw new VendorUnavailableError(failure);
    throw new VendorRejectedError(failure);
  }

  private parse<T>(worker: string, response: HttpResponse, body: unknown, schema: z.ZodType<T>): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new VendorMalformedResponseError(
      this.failure(response, `${worker}.php answered an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`),
    );
  }

  private canLogin(): boolean {
    return typeof this.credentials.login === 'string' && typeof this.credentials.password === 'string';
  }

  // POST /workers/getAuthToken.php  login,password → {result, APIKEY, SHOPID} (public api_auth.md).
  // Shared by every waiting caller, so no single caller's signal may cancel it; the transport's timeouts bound it.
  // Only reached with a login: a key-only client starts with its session and never drops it.
  private async login(): Promise<KashSession> {
    const url = new URL(`${this.baseUrl}/workers/getAuthToken.php`);
    const body = new URLSearchParams({ login: this.credentials.login!, password: this.credentials.password! });
    const response = await this.transport.send(this.site, {
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: body.toString(),
    });
    const answer = this.checkStatus('getAuthToken', response);
    const refusal = KashErrorSchema.safeParse(answer);
    if (refusal.success) throw this.authError(response, refusal.data.message);
    const token = this.parse('getAuthToken', response, answer, KashAuthTokenResponseSchema);
    return { shopId: token.SHOPID, apiKey: token.APIKEY };
  }

  private authError(response: HttpResponse, message: string): VendorAuthError {
    return new VendorAuthError(this.failure(response, message));
  }

  private failure(response: HttpResponse, vendorMessage: string): VendorFailure {
    return { ...this.site, status: response.status, vendorMessage };
  }
}

function ordersParams(filter: KashOrdersFilter): URLSearchParams {
  const params = new URLSearchParams({ validatedOrders: String(filter.validated ?? true) });
  if (filter.from !== undefined) params.set('from_date_ISO8601', instantText(filter.from, 'from'));
  if (filter.to !== undefined) params.set('to_date_ISO8601', instantText(filter.to, 'to'));
  if (filter.deliveryMethod !== undefined) params.set('filterDeliveryMethod', String(filter.deliveryMethod));
  return params;
}

function orderParams(orderInternalId: number): URLSearchParams {
  if (!Number.isSafeInteger(orderInternalId) || orderInternalId <= 0) {
    throw new RangeError(`getOrder needs a positive integer orderInternalID, got ${orderInternalId}`);
  }
  return new URLSearchParams({ order_id: String(orderInternalId) });
}

function withQuery(url: URL, params: URLSearchParams): URL {
  const result = new URL(url);
  result.search = params.toString();
  return result;
}

function envelopeMessage(response: HttpResponse): string | undefined {
  try {
    const parsed = KashErrorSchema.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.message : undefined;
  } catch {
    return undefined;
  }
}

/** Kash sends no hint; a proxy in front of it might send the standard header (seconds or an HTTP date). */
function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** getOrders bounds go out as UTC instants, so the vendor's reading of local time never matters. */
function instantText(value: Date | string, name: string): string {
  const epochMs = value instanceof Date ? value.getTime() : ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(epochMs)) {
    throw new RangeError(`getOrders '${name}' must be a Date or an ISO 8601 instant with offset, got ${JSON.stringify(String(value))}`);
  }
  return new Date(epochMs).toISOString().replace('.000Z', 'Z');
}

/** A key as the token store keeps it. */
const SESSION_CODEC: SessionCodec<KashSession> = {
  encode: (session) => JSON.stringify({ shopId: session.shopId, apiKey: session.apiKey }),
  decode(text) {
    try {
      const parsed = JSON.parse(text) as Partial<KashSession>;
      return typeof parsed.shopId === 'string' && typeof parsed.apiKey === 'string' ? { shopId: parsed.shopId, apiKey: parsed.apiKey } : undefined;
    } catch {
      return undefined;
    }
  },
};
