/**
 * The only code that speaks the IncoCloud Web API (seed `incocloud-web-api.txt`, contract
 * section 1). Authentication is the seed's two steps: app_id/app_secret buy a token and a
 * `server_url` from the generic host, and every other call goes to that server with
 * `?token=`. The token has no TTL, so it is kept until the vendor refuses it; then the
 * client buys one new token and repeats the call once. Given a TokenStore, the token is kept
 * there, so the replicas of the gateway share one (see core/token-store.ts).
 *
 * No retries otherwise: backoff belongs to the gateway layer. The vendor sends no
 * rate-limit headers, so a 429 never carries `retryAfterMs`.
 */
import type { z } from 'zod';
import { abortable } from '../../core/abortable.ts';
import {
  VendorAuthError,
  VendorMalformedResponseError,
  VendorNotFoundError,
  VendorRateLimitedError,
  VendorRejectedError,
  VendorTimeoutError,
  VendorUnavailableError,
  type VendorError,
  type VendorFailure,
} from '../../core/errors.ts';
import { HttpTransport, parseJsonBody, type CallSite, type HttpResponse } from '../../core/http.ts';
import { toLocalDate } from '../../core/time.ts';
import { SharedSession, tokenKey, type SessionCodec, type TokenStore } from '../../core/token-store.ts';
import {
  AccessTokenResponseSchema,
  BookingSchema,
  ErrorBodySchema,
  INCOCLOUD_ERRORS,
  ItemSchema,
  NamedEntitySchema,
  PartnerSchema,
  PaymentSchema,
  RecordListSchema,
  ReservationSchema,
  SaleSchema,
  VatGroupSchema,
  type AccessTokenResponse,
  type Booking,
  type BookingQuery,
  type BookingStatus,
  type CreateSaleRequest,
  type Item,
  type ItemGroup,
  type ItemQuery,
  type ItemTag,
  type Location,
  type Partner,
  type PartnerGroup,
  type PartnerQuery,
  type Payment,
  type PaymentQuery,
  type PaymentType,
  type Reservation,
  type ReservationQuery,
  type Sale,
  type SaleQuery,
  type VatGroup,
} from './wire.ts';

const VENDOR = 'incocloud';
const API_PATH = '/connect/api/';
const DEFAULT_TIME_ZONE = 'Europe/Sofia';
/**
 * Refusals that a fresh token can cure: the token was revoked, or the account moved to
 * another server since the token was issued (a new token comes with the new `server_url`).
 */
const STALE_SESSION_MESSAGES: ReadonlySet<string> = new Set([INCOCLOUD_ERRORS.invalidToken, INCOCLOUD_ERRORS.wrongServer]);

/** The application's long-term credentials (seed "Step 1: Get Your API Credentials"). */
export interface IncocloudCredentials {
  readonly appId: string;
  readonly appSecret: string;
}

export interface IncocloudClientOptions {
  /** The gateway's name for this connection, carried by every error. */
  readonly connection: string;
  /** The generic host that issues tokens, `https://incocloud.com` in production. */
  readonly baseUrl: string;
  readonly credentials: IncocloudCredentials;
  readonly transport?: HttpTransport;
  /** The account's zone, in which the server writes its local dates and times. */
  readonly timeZone?: string;
  /** Where the token is kept for other replicas too; this client's memory alone when absent. */
  readonly tokenStore?: TokenStore;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Where to look for a sale written with a given note (see `findSalesByNote`). */
export interface SaleNoteLookup {
  /** When the sale was sent; the search covers the local day before, of and after it. */
  readonly around: Date | string;
  readonly location_id?: number;
  readonly partner_id?: number;
}

interface Session {
  readonly token: string;
  readonly serverUrl: string;
}

type QueryValue = string | number | boolean | undefined;

export class IncocloudClient {
  readonly connection: string;
  readonly timeZone: string;
  private readonly baseUrl: string;
  private readonly credentials: IncocloudCredentials;
  private readonly transport: HttpTransport;
  private readonly site: CallSite;
  /** One login shared by every caller (and replica) until the vendor refuses its token. */
  private readonly session: SharedSession<Session>;

  constructor(options: IncocloudClientOptions) {
    this.connection = options.connection;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.transport = options.transport ?? new HttpTransport();
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.site = { vendor: VENDOR, connection: options.connection };
    this.session = new SharedSession({
      login: () => this.login(),
      codec: SESSION_CODEC,
      store: options.tokenStore,
      key: tokenKey(VENDOR, options.connection, [this.baseUrl, options.credentials.appId, options.credentials.appSecret]),
    });
  }

  // ------------------------------------------------------------ inventory

  /** `GET item` (seed "Inventory & Products"). */
  listItems(query: ItemQuery = {}, options?: CallOptions): Promise<Item[]> {
    return this.get('item', query, ItemSchema.array(), options);
  }

  /** One item through the `id` filter; undefined when the vendor has none. */
  async getItem(id: number, query: Omit<ItemQuery, 'id'> = {}, options?: CallOptions): Promise<Item | undefined> {
    return (await this.listItems({ ...query, id }, options))[0];
  }

  /** `GET item_group` (seed "Inventory & Products"). */
  listItemGroups(options?: CallOptions): Promise<ItemGroup[]> {
    return this.get('item_group', {}, NamedEntitySchema.array(), options);
  }

  /** `GET item_tag` (seed "Inventory & Products"). */
  listItemTags(options?: CallOptions): Promise<ItemTag[]> {
    return this.get('item_tag', {}, NamedEntitySchema.array(), options);
  }

  /** `GET vat_group` (seed "Configuration"). */
  listVatGroups(options?: CallOptions): Promise<VatGroup[]> {
    return this.get('vat_group', {}, VatGroupSchema.array(), options);
  }

  // ------------------------------------------------------------ sales

  /** `GET sale` (seed "Sales Operations"; Example 2). */
  listSales(query: SaleQuery = {}, options?: CallOptions): Promise<Sale[]> {
    return this.get('sale', query, SaleSchema.array(), options);
  }

  /** A sale by its operation number, the vendor's only by-id handle on sales (contract tricky point 5). */
  async getSale(operationNumber: number, query: Pick<SaleQuery, 'load_payments'> = {}, options?: CallOptions): Promise<Sale | undefined> {
    return (await this.listSales({ ...query, operation_number: operationNumber }, options))[0];
  }

  /**
   * `POST sale` (seed Example 4): answers the created sale, unpaid. Put the gateway's
   * idempotency reference in `note` and `findSalesByNote` can tell after a timeout whether
   * the sale was written.
   */
  createSale(sale: CreateSaleRequest, options?: CallOptions): Promise<Sale> {
    return this.call('POST', 'sale', {}, SaleSchema, JSON.stringify(sale), options);
  }

  /**
   * Sales whose note is exactly `note`, around a moment. The local day before and after are
   * searched too, since the vendor stamps the sale with its own clock, in its own zone. The
   * `note` filter is ours (docs/vendors/incocloud.md); the notes are compared here as well,
   * so the answer stays right on a server that ignores that filter.
   */
  async findSalesByNote(note: string, lookup: SaleNoteLookup, options?: CallOptions): Promise<Sale[]> {
    const day = toLocalDate(lookup.around, this.timeZone);
    const sales = await this.listSales(
      { note, location_id: lookup.location_id, partner_id: lookup.partner_id, from_date: shiftDay(day, -1), to_date: shiftDay(day, 1) },
      options,
    );
    return sales.filter((sale) => sale.note === note);
  }

  /** `GET payment` (seed "Payments"). */
  listPayments(query: PaymentQuery = {}, options?: CallOptions): Promise<Payment[]> {
    return this.get('payment', query, PaymentSchema.array(), options);
  }

  /** `GET payment_type` (seed "Payments"). */
  listPaymentTypes(options?: CallOptions): Promise<PaymentType[]> {
    return this.get('payment_type', {}, NamedEntitySchema.array(), options);
  }

  // ------------------------------------------------------------ partners and locations

  /** `GET partner` (seed "Partners & Customers"). */
  listPartners(query: PartnerQuery = {}, options?: CallOptions): Promise<Partner[]> {
    return this.get('partner', query, PartnerSchema.array(), options);
  }

  /** One partner through the `id` filter; undefined when the vendor has none. */
  async getPartner(id: number, options?: CallOptions): Promise<Partner | undefined> {
    return (await this.listPartners({ id }, options))[0];
  }

  /** `GET partner_group` (seed "Partners & Customers"). */
  listPartnerGroups(options?: CallOptions): Promise<PartnerGroup[]> {
    return this.get('partner_group', {}, NamedEntitySchema.array(), options);
  }

  /** `GET location` (seed "Locations & Stores"). */
  listLocations(options?: CallOptions): Promise<Location[]> {
    return this.get('location', {}, NamedEntitySchema.array(), options);
  }

  // ------------------------------------------------------------ hospitality

  /** `GET booking` (seed "Hospitality"). */
  listBookings(query: BookingQuery = {}, options?: CallOptions): Promise<Booking[]> {
    return this.get('booking', query, BookingSchema.array(), options);
  }

  /** One booking through the `id` filter; undefined when the vendor has none. */
  async getBooking(id: number, options?: CallOptions): Promise<Booking | undefined> {
    return (await this.listBookings({ id }, options))[0];
  }

  /** `GET booking_status` (seed "Hospitality"). */
  listBookingStatuses(options?: CallOptions): Promise<BookingStatus[]> {
    return this.get('booking_status', {}, NamedEntitySchema.array(), options);
  }

  /** `GET reservation`, table reservations (seed "Hospitality"). */
  listReservations(query: ReservationQuery = {}, options?: CallOptions): Promise<Reservation[]> {
    return this.get('reservation', query, ReservationSchema.array(), options);
  }

  // ------------------------------------------------------------ lenient lists

  /*
   * The same lists for the adapter, which validates each record on its own (wire.ts schemas):
   * the answer must still be a JSON array, or the whole call is a VendorMalformedResponseError,
   * but its records come back as the vendor sent them.
   */

  /** `GET item`, records unchecked (validate each with `ItemSchema`). */
  listRawItems(query: ItemQuery = {}, options?: CallOptions): Promise<unknown[]> {
    return this.get('item', query, RecordListSchema, options);
  }

  /** `GET sale`, records unchecked (validate each with `SaleSchema`). */
  listRawSales(query: SaleQuery = {}, options?: CallOptions): Promise<unknown[]> {
    return this.get('sale', query, RecordListSchema, options);
  }

  /** `GET payment`, records unchecked (validate each with `PaymentSchema`). */
  listRawPayments(query: PaymentQuery = {}, options?: CallOptions): Promise<unknown[]> {
    return this.get('payment', query, RecordListSchema, options);
  }

  /** `GET partner`, records unchecked (validate each with `PartnerSchema`). */
  listRawPartners(query: PartnerQuery = {}, options?: CallOptions): Promise<unknown[]> {
    return this.get('partner', query, RecordListSchema, options);
  }

  /** `GET location`, records unchecked (validate each with `NamedEntitySchema`). */
  listRawLocations(options?: CallOptions): Promise<unknown[]> {
    return this.get('location', {}, RecordListSchema, options);
  }

  /** `GET booking`, records unchecked (validate each with `BookingSchema`). */
  listRawBookings(query: BookingQuery = {}, options?: CallOptions): Promise<unknown[]> {
    return this.get('booking', query, RecordListSchema, options);
  }

  // ------------------------------------------------------------ plumbing

  private get<T>(resource: string, query: object, schema: z.ZodType<T>, options: CallOptions | undefined): Promise<T> {
    return this.call('GET', resource, query as Record<string, QueryValue>, schema, undefined, options);
  }

  /**
   * One call on the account's server. A refused token is renewed once and the call repeated
   * once; a POST is safe to repeat then, because the vendor did not get past the token.
   */
  private async call<T>(
    method: 'GET' | 'POST',
    resource: string,
    query: Record<string, QueryValue>,
    schema: z.ZodType<T>,
    body: string | undefined,
    options: CallOptions = {},
  ): Promise<T> {
    let pending = this.session.current();
    let response = await this.send(method, resource, query, body, await waitFor(pending, options.signal, this.site), options.signal);
    if (isStaleSession(response)) {
      pending = this.session.replace(pending);
      response = await this.send(method, resource, query, body, await waitFor(pending, options.signal, this.site), options.signal);
    }
    if (response.status !== 200) throw this.failure(response);
    return this.parse(response, schema);
  }

  private send(
    method: 'GET' | 'POST',
    resource: string,
    query: Record<string, QueryValue>,
    body: string | undefined,
    session: Session,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const url = new URL(`${session.serverUrl.replace(/\/+$/, '')}${API_PATH}${resource}`);
    url.searchParams.set('token', session.token);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return this.transport.send(this.site, {
      method,
      url,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body,
      signal,
    });
  }

  /**
   * `GET /connect/api/access_token` on the generic host (seed "Step 2"). It runs without any
   * caller's signal, because every concurrent caller shares it; each caller stops waiting
   * on its own signal instead (`waitFor`).
   */
  private async login(): Promise<Session> {
    const url = new URL(`${this.baseUrl}${API_PATH}access_token`);
    url.searchParams.set('app_id', this.credentials.appId);
    url.searchParams.set('app_secret', this.credentials.appSecret);
    const response = await this.transport.send(this.site, { method: 'GET', url, headers: { accept: 'application/json' } });
    if (response.status !== 200) throw this.failure(response);
    const answer: AccessTokenResponse = this.parse(response, AccessTokenResponseSchema);
    return { token: answer.token, serverUrl: answer.server_url };
  }

  private parse<T>(response: HttpResponse, schema: z.ZodType<T>): T {
    const parsed = schema.safeParse(parseJsonBody(this.site, response));
    if (parsed.success) return parsed.data;
    // Paths and zod's wording only: the body may hold a token, so no value is quoted.
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new VendorMalformedResponseError({
      ...this.site,
      status: response.status,
      vendorMessage: `unexpected response shape at ${where}: ${issue?.message ?? 'invalid'}`,
      cause: parsed.error,
    });
  }

  /** The vendor's status and `{"error"}` message, as one of the core error classes. */
  private failure(response: HttpResponse): VendorError {
    const failure: VendorFailure = { ...this.site, status: response.status, vendorMessage: vendorMessageOf(response) };
    if (response.status === 401 || response.status === 403) return new VendorAuthError(failure);
    if (response.status === 404) return new VendorNotFoundError(failure);
    if (response.status === 429) return new VendorRateLimitedError(failure);
    if (response.status >= 500) return new VendorUnavailableError(failure);
    if (response.status >= 400) return new VendorRejectedError(failure);
    return new VendorMalformedResponseError({ ...failure, vendorMessage: `unexpected HTTP status ${response.status}` });
  }
}

function vendorMessageOf(response: HttpResponse): string | undefined {
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** A session as the token store keeps it. */
const SESSION_CODEC: SessionCodec<Session> = {
  encode: (session) => JSON.stringify({ token: session.token, serverUrl: session.serverUrl }),
  decode(text) {
    try {
      const parsed = JSON.parse(text) as Partial<Session>;
      return typeof parsed.token === 'string' && typeof parsed.serverUrl === 'string' ? { token: parsed.token, serverUrl: parsed.serverUrl } : undefined;
    } catch {
      return undefined;
    }
  },
};

function isStaleSession(response: HttpResponse): boolean {
  if (response.status !== 401 && response.status !== 403) return false;
  const message = vendorMessageOf(response);
  return message !== undefined && STALE_SESSION_MESSAGES.has(message);
}

/** Waits for a shared promise, giving up (not cancelling it) when this caller's signal aborts. */
function waitFor<T>(shared: Promise<T>, signal: AbortSignal | undefined, site: CallSite): Promise<T> {
  return abortable(shared, signal, () => new VendorTimeoutError({ ...site, vendorMessage: 'gave up waiting for the access token', cause: signal?.reason }));
}

/** A `YYYY-MM-DD` calendar date moved by whole days. */
function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
