/**
 * The only code that speaks iCash's client API (vendor-contracts.md §3).
 *
 * Every request is signed with a nonce that must be strictly greater than the last one the
 * vendor saw for the api_key. Requests sent side by side can arrive in any order, and one
 * overtaken by a later nonce is refused, so the calls of one api_key go through a single
 * lane: a nonce is drawn, the request sent and answered, then the next one goes. The lane
 * is shared by every client of the same host and api_key in this process.
 *
 * Several replicas on one api_key need more (`lanes`, Redis when REDIS_URL is set): each
 * call also holds the lane's lock across processes while it is sent and answered, and its
 * nonce comes from the lane's shared counter, so the replicas' calls reach the vendor one
 * at a time in nonce order. The local lane stays in front: one caller per process asks for
 * the shared lock at a time. Should the shared lanes fail, calls go on in this process's
 * order with clock nonces, as a single process would (the lanes log it).
 *
 * A session comes from `login` on first use (concurrent first calls share one login) and is
 * renewed once, transparently, when the vendor answers "Session expired". With a
 * `tokenStore` the replicas share one session instead of each logging in.
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
  type VendorFailure,
} from '../../core/errors.ts';
import { HttpTransport, parseJsonBody, type CallSite, type HttpResponse } from '../../core/http.ts';
import type { Decimal } from '../../core/money.ts';
import { laneKey, type SharedLanes, type Unlock } from '../../core/shared-lane.ts';
import { sharedLogin, tokenKey, type SessionCodec, type TokenStore } from '../../core/token-store.ts';
import { toLocalDate, toLocalDateTime } from '../../core/time.ts';
import {
  AddCashRegisterAmountResultSchema,
  AddContragentResultSchema,
  AddOperationPaymentResultSchema,
  AddSaleItemResultSchema,
  CashRegisterSchema,
  ContragentSchema,
  ICASH_ERRORS,
  ICASH_MAX_PAGE,
  ICASH_SCALE,
  IcashCredentialsSchema,
  IcashEnvelopeSchema,
  LoginResultSchema,
  NewOperationResultSchema,
  OperationDetailSchema,
  OperationSaleItemResultSchema,
  OperationSchema,
  PayTypeSchema,
  PrintOperationResultSchema,
  RawListResultSchema,
  RawRowsSchema,
  SaleItemSchema,
  icashMethodPath,
  issueSummary,
  icashSignature,
  listResultSchema,
  toFixedScale,
  wrongValue,
  type AddCashRegisterAmountInput,
  type AddContragentInput,
  type AddOperationPaymentInput,
  type AddOperationSaleItemInput,
  type AddSaleItemInput,
  type ContragentFilters,
  type IcashCashRegister,
  type IcashContragent,
  type IcashCredentials,
  type IcashListParams,
  type IcashListResult,
  type IcashMethod,
  type IcashOperation,
  type IcashOperationDetail,
  type IcashPayType,
  type IcashSaleItem,
  type LocalDateInput,
  type NewOperationInput,
  type OperationFilters,
  type PrintOperationInput,
  type SaleItemFilters,
} from './wire.ts';

export type { IcashCredentials } from './wire.ts';

export interface IcashClientOptions {
  readonly connection: string;
  /** Host root, e.g. https://v5.icash.bg; methods live under /clientapi/v1/. */
  readonly baseUrl: string;
  readonly credentials: IcashCredentials;
  readonly transport?: HttpTransport;
  /** The zone of the vendor's local date texts; date filters given as instants are rendered in it. */
  readonly timeZone?: string;
  /** Where the session is kept for every replica; this client's own memory when absent. */
  readonly tokenStore?: TokenStore;
  /** The nonce lanes the replicas share; this process's own order only when absent. */
  readonly lanes?: SharedLanes;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** Walking every page: the filters and order of a list, and how many rows per call (max 100). */
export interface PageWalkOptions extends CallOptions {
  readonly pageSize?: number;
}

export type ListOrder = Pick<IcashListParams, 'sort' | 'order'>;

type FormValue = string | number | undefined;

const VENDOR = 'icash';
const DEFAULT_TIME_ZONE = 'Europe/Sofia';

/** The vendor answered "Session expired"; handled by `call`, never seen by callers. */
class SessionExpired extends Error {}

/** A session unused this long is gone at the vendor; a stored one is not kept longer. */
const SESSION_IDLE_MS = 30 * 60_000;

/** A session id as the token store keeps it: as is, if it has the shape of one. */
const SESSION_CODEC: SessionCodec<string> = {
  encode: (sessionId) => sessionId,
  decode: (text) => (LoginResultSchema.shape.session_id.safeParse(text).success ? text : undefined),
};

/**
 * How long a replica's hold on the shared lane lasts should it die mid-call. Longer than a
 * call can take: the default HTTP timeouts add up to 13 s (connect 3, headers 5, body 5).
 */
const SHARED_LANE_LEASE_MS = 30_000;

/** The shared part of a lane: the store, and this lane's key in it. */
interface SharedLane {
  readonly lanes: SharedLanes;
  readonly key: string;
}

/** One strictly increasing nonce counter, and the queue that keeps requests in nonce order. */
class NonceLane {
  private last = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly shared: SharedLane | undefined) {}

  /** Runs `send` with a fresh nonce once every earlier call on this lane has been answered. */
  async run<T>(site: CallSite, signal: AbortSignal | undefined, send: (nonce: number) => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    const finished = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A caller that gives up while queued releases its turn, but the next one still waits for those before it.
    this.tail = Promise.all([previous, finished]).then(() => undefined);
    try {
      await untilAborted(previous, signal, site, 'waiting for an earlier call on the same api_key');
      if (!this.shared) return await send(this.next());
      return await this.runShared(this.shared, site, signal, send);
    } finally {
      release();
    }
  }

  /** Holds the replicas' lock while the call is sent and answered, with a nonce from their counter. */
  private async runShared<T>(shared: SharedLane, site: CallSite, signal: AbortSignal | undefined, send: (nonce: number) => Promise<T>): Promise<T> {
    let unlock: Unlock | undefined;
    try {
      unlock = await shared.lanes.lock(shared.key, { leaseMs: SHARED_LANE_LEASE_MS, signal });
    } catch {
      if (signal?.aborted) {
        throw new VendorTimeoutError({ ...site, vendorMessage: "aborted while waiting for another replica's call on the same api_key", cause: signal.reason });
      }
      // The shared lanes cannot be reached (they log it): this process's order, as before there were replicas.
    }
    try {
      return await send(unlock ? await this.sharedNonce(shared) : this.next());
    } finally {
      // Not given back (Redis gone meanwhile): the lease frees it.
      await unlock?.().catch(() => undefined);
    }
  }

  /** The replicas' next nonce, never below what this process would draw itself. */
  private async sharedNonce(shared: SharedLane): Promise<number> {
    try {
      const nonce = await shared.lanes.next(shared.key, this.floor());
      this.last = Math.max(this.last, nonce);
      return nonce;
    } catch {
      return this.next();
    }
  }

  /** Unix seconds, or one more than the last nonce when calls outpace the clock (the vendor's PHP sample). */
  private next(): number {
    this.last = this.floor();
    return this.last;
  }

  private floor(): number {
    return Math.max(this.last + 1, Math.floor(Date.now() / 1000));
  }
}

/** Per shared store (none: this process alone), then per host and api_key. */
const lanes = new Map<SharedLanes | undefined, Map<string, NonceLane>>();

function laneFor(baseUrl: string, apiKey: string, shared: SharedLanes | undefined): NonceLane {
  let ofStore = lanes.get(shared);
  if (!ofStore) lanes.set(shared, (ofStore = new Map()));
  const key = `${baseUrl}\u0000${apiKey}`;
  let lane = ofStore.get(key);
  if (!lane) {
    // The shared key is a hash: the api_key itself never reaches the store.
    lane = new NonceLane(shared ? { lanes: shared, key: laneKey(VENDOR, [baseUrl, apiKey]) } : undefined);
    ofStore.set(key, lane);
  }
  return lane;
}

export class IcashClient {
  readonly vendor = VENDOR;
  readonly connection: string;
  readonly timeZone: string;
  private readonly baseUrl: string;
  private readonly credentials: IcashCredentials;
  private readonly transport: HttpTransport;
  private readonly lane: NonceLane;
  private readonly site: CallSite;
  private session: Promise<string> | undefined;
  private sessionId: string | undefined;
  /** The session the vendor last refused; the next login removes it from the token store, if still there. */
  private refusedSession: string | undefined;
  private readonly tokenStore: TokenStore | undefined;
  private readonly sessionKey: string;

  constructor(options: IcashClientOptions) {
    if (!IcashCredentialsSchema.safeParse(options.credentials).success) {
      throw new TypeError(`iCash connection "${options.connection}" needs credentials {api_key, secret_key, WareHouseID (digits), UserID (digits)}`);
    }
    this.connection = options.connection;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.transport = options.transport ?? new HttpTransport();
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.lane = laneFor(this.baseUrl, options.credentials.api_key, options.lanes);
    this.tokenStore = options.tokenStore;
    // A session is bound to its key and user; another host, key or user is another session.
    const { api_key, secret_key, WareHouseID, UserID } = options.credentials;
    this.sessionKey = tokenKey(VENDOR, options.connection, [this.baseUrl, api_key, secret_key, WareHouseID, UserID]);
    this.site = { vendor: VENDOR, connection: options.connection };
  }

  // -------------------------------------------------------------------------------------------
  // 3.01 login

  /**
   * Opens a new session now (other calls log in by themselves when they need to). With a
   * token store, one that another replica stored meanwhile is taken instead.
   */
  async login(options: CallOptions = {}): Promise<void> {
    this.refusedSession = this.sessionId;
    this.session = undefined;
    this.sessionId = undefined;
    await this.currentSession(options.signal);
  }

  // -------------------------------------------------------------------------------------------
  // 3.12 get-sale-items (seed), 3.10 add-sale-item

  getSaleItems(query: SaleItemFilters & IcashListParams = {}, options: CallOptions = {}): Promise<IcashListResult<IcashSaleItem>> {
    return this.call('get-sale-items', { ...query }, SaleItemListSchema, options.signal);
  }

  allSaleItems(query: SaleItemFilters & ListOrder = {}, options: PageWalkOptions = {}): AsyncGenerator<IcashSaleItem> {
    return walkPages((offset, count) => this.getSaleItems({ ...query, offset, count }, options), options.pageSize);
  }

  /** get-sale-items with the envelope and `{TotalRecords, Data[]}` checked, each row left for the caller to read (`SaleItemSchema`). */
  getSaleItemRows(query: SaleItemFilters & IcashListParams = {}, options: CallOptions = {}): Promise<IcashListResult<unknown>> {
    return this.call('get-sale-items', { ...query }, RawListResultSchema, options.signal);
  }

  allSaleItemRows(query: SaleItemFilters & ListOrder = {}, options: PageWalkOptions = {}): AsyncGenerator<unknown> {
    return walkPages((offset, count) => this.getSaleItemRows({ ...query, offset, count }, options), options.pageSize);
  }

  async addSaleItem(input: AddSaleItemInput, options: CallOptions = {}): Promise<{ SaleItemID: number }> {
    const form = {
      ...input,
      SaleItemSellPrice: fixed(input.SaleItemSellPrice, ICASH_SCALE.sellPrice),
      SaleItemSellPriceWithoutVat: fixed(input.SaleItemSellPriceWithoutVat, ICASH_SCALE.sellPrice),
    };
    return this.call('add-sale-item', form, AddSaleItemResultSchema, options.signal, 'EditSaleItemID');
  }

  // -------------------------------------------------------------------------------------------
  // 3.09 get-contragents, 3.08 add-contragent

  getContragents(query: ContragentFilters & IcashListParams = {}, options: CallOptions = {}): Promise<IcashListResult<IcashContragent>> {
    return this.call('get-contragents', { ...query }, ContragentListSchema, options.signal);
  }

  allContragents(query: ContragentFilters & ListOrder = {}, options: PageWalkOptions = {}): AsyncGenerator<IcashContragent> {
    return walkPages((offset, count) => this.getContragents({ ...query, offset, count }, options), options.pageSize);
  }

  /** get-contragents with each row left for the caller to read (`ContragentSchema`). */
  getContragentRows(query: ContragentFilters & IcashListParams = {}, options: CallOptions = {}): Promise<IcashListResult<unknown>> {
    return this.call('get-contragents', { ...query }, RawListResultSchema, options.signal);
  }

  allContragentRows(query: ContragentFilters & ListOrder = {}, options: PageWalkOptions = {}): AsyncGenerator<unknown> {
    return walkPages((offset, count) => this.getContragentRows({ ...query, offset, count }, options), options.pageSize);
  }

  addContragent(input: AddContragentInput, options: CallOptions = {}): Promise<{ ContragentID: number }> {
    return this.call('add-contragent', { ...input }, AddContragentResultSchema, options.signal, 'EditContragentID');
  }

  // -------------------------------------------------------------------------------------------
  // 3.06 get-pay-types, 3.02 get-cash-registers, 3.25 add-cash-register-amount

  getPayTypes(options: CallOptions = {}): Promise<IcashPayType[]> {
    return this.call('get-pay-types', {}, PayTypeSchema.array(), options.signal);
  }

  getCashRegisters(options: CallOptions = {}): Promise<IcashCashRegister[]> {
    return this.call('get-cash-registers', {}, CashRegisterSchema.array(), options.signal);
  }

  /** get-cash-registers with each row left for the caller to read (`CashRegisterSchema`). */
  getCashRegisterRows(options: CallOptions = {}): Promise<unknown[]> {
    return this.call('get-cash-registers', {}, RawRowsSchema, options.signal);
  }

  /** Puts cash in (Credit), takes it out (Debit) or states the balance; answers the movement's operation id. */
  async addCashRegisterAmount(input: AddCashRegisterAmountInput, options: CallOptions = {}): Promise<number> {
    const form = { ...input, ServiceIssuedSumSum: fixed(input.ServiceIssuedSumSum, ICASH_SCALE.payment) };
    return this.call('add-cash-register-amount', form, AddCashRegisterAmountResultSchema, options.signal);
  }

  // -------------------------------------------------------------------------------------------
  // 3.13–3.19: a sale is new-operation → add-operation-sale-item × lines →
  // add-operation-payment × tenders → print-operation; it stays TEMP until printed.

  newOperation(input: NewOperationInput, options: CallOptions = {}): Promise<{ OperationID: number; OperationFiskBonUUID?: string }> {
    return this.call('new-operation', { ...input }, NewOperationResultSchema, options.signal);
  }

  async addOperationSaleItem(input: AddOperationSaleItemInput, options: CallOptions = {}): Promise<{ OperationSaleItemID: number }> {
    const form = {
      ...input,
      Qty: fixed(input.Qty, ICASH_SCALE.quantity),
      SaleItemSinglePrice: fixed(input.SaleItemSinglePrice, ICASH_SCALE.singlePrice),
      SaleItemDiscount: fixed(input.SaleItemDiscount, ICASH_SCALE.discountPercent),
    };
    return this.call('add-operation-sale-item', form, OperationSaleItemResultSchema, options.signal);
  }

  delOperationSaleItem(operationSaleItemId: number, options: CallOptions = {}): Promise<{ OperationSaleItemID: number }> {
    return this.call('del-operation-sale-item', { OperationSaleItemID: operationSaleItemId }, OperationSaleItemResultSchema, options.signal, 'OperationSaleItemID');
  }

  async addOperationPayment(input: AddOperationPaymentInput, options: CallOptions = {}): Promise<{ result: 'OK'; PaymentID: string }> {
    const form = { ...input, PaymentSum: fixed(input.PaymentSum, ICASH_SCALE.payment) };
    return this.call('add-operation-payment', form, AddOperationPaymentResultSchema, options.signal);
  }

  /** Completes the operation (TEMP → NORMAL); answers its id. */
  printOperation(input: PrintOperationInput, options: CallOptions = {}): Promise<number> {
    return this.call('print-operation', { ...input }, PrintOperationResultSchema, options.signal);
  }

  /**
   * Undoes an unfinished sale as far as the API allows: iCash documents no way to delete an
   * operation or a payment, so every line is removed and the empty TEMP operation is left
   * behind, hidden from default lists and impossible to print. Answers how many lines went.
   */
  async discardTempOperation(operationId: number, options: CallOptions = {}): Promise<number> {
    const operation = await this.getOperation(operationId, options);
    if (operation.OperationStatus !== 'TEMP') {
      throw new VendorRejectedError({ ...this.site, vendorMessage: `operation ${operationId} is ${operation.OperationStatus}, only a TEMP operation can be discarded` });
    }
    for (const line of operation.SaleItems) await this.delOperationSaleItem(line.OperationSaleItemID, options);
    return operation.SaleItems.length;
  }

  // -------------------------------------------------------------------------------------------
  // 3.14 get-operation, 3.20 operations-list

  getOperation(operationId: number, options: CallOptions = {}): Promise<IcashOperationDetail> {
    return this.call('get-operation', { OperationID: operationId }, OperationDetailSchema, options.signal, 'OperationID');
  }

  operationsList(query: OperationFilters & IcashListParams = {}, options: CallOptions = {}): Promise<IcashListResult<IcashOperation>> {
    return this.call('operations-list', this.operationsForm(query), OperationListSchema, options.signal);
  }

  /** operations-list with each row left for the caller to read (`OperationSchema`). */
  operationRows(query: OperationFilters & IcashListParams = {}, options: CallOptions = {}): Promise<IcashListResult<unknown>> {
    return this.call('operations-list', this.operationsForm(query), RawListResultSchema, options.signal);
  }

  private operationsForm(query: OperationFilters & IcashListParams): Record<string, FormValue> {
    return {
      ...query,
      OperationType: query.OperationType?.join(','),
      OperationStatus: query.OperationStatus?.join(','),
      OperationDateFrom: this.localDate(query.OperationDateFrom),
      OperationDateTo: this.localDate(query.OperationDateTo),
      OperationCreateDateFrom: this.localDateTime(query.OperationCreateDateFrom),
      OperationCreateDateTo: this.localDateTime(query.OperationCreateDateTo),
      OperationCompleteDateFrom: this.localDateTime(query.OperationCompleteDateFrom),
      OperationCompleteDateTo: this.localDateTime(query.OperationCompleteDateTo),
    };
  }

  allOperations(query: OperationFilters & ListOrder = {}, options: PageWalkOptions = {}): AsyncGenerator<IcashOperation> {
    return walkPages((offset, count) => this.operationsList({ ...query, offset, count }, options), options.pageSize);
  }

  // -------------------------------------------------------------------------------------------
  // Sessions and the wire

  private localDate(value: LocalDateInput | undefined): string | undefined {
    return value instanceof Date ? toLocalDate(value, this.timeZone) : value;
  }

  private localDateTime(value: LocalDateInput | undefined): string | undefined {
    return value instanceof Date ? toLocalDateTime(value, this.timeZone) : value;
  }

  /**
   * One call with the session, renewed once on "Session expired". `notFoundParam` names the
   * parameter whose "Wrong value for …" means the resource does not exist.
   */
  private async call<T>(method: IcashMethod, params: Record<string, FormValue>, schema: z.ZodType<T>, signal: AbortSignal | undefined, notFoundParam?: string): Promise<T> {
    for (let renewed = false; ; renewed = true) {
      const session = await this.currentSession(signal);
      try {
        return this.parseData(method, schema, await this.exchange(method, { ...params, ses: session }, signal, notFoundParam));
      } catch (error) {
        if (!(error instanceof SessionExpired)) throw error;
        // Only the call that meets the expiry first drops the session; the others reuse the renewal.
        if (this.sessionId === session) {
          this.refusedSession = session;
          this.session = undefined;
          this.sessionId = undefined;
        }
        if (renewed) throw new VendorAuthError({ ...this.site, status: 200, vendorMessage: ICASH_ERRORS.sessionExpired });
      }
    }
  }

  private currentSession(signal: AbortSignal | undefined): Promise<string> {
    if (!this.session) {
      // The login is shared, so one caller's abort must not cancel it for the others.
      const refused = this.refusedSession;
      this.refusedSession = undefined;
      const pending = (this.tokenStore ? sharedLogin(this.tokenStore, this.sessionKey, SESSION_CODEC, () => this.newSession(), refused, SESSION_IDLE_MS) : this.newSession()).then((sessionId) => {
        if (this.session === pending) this.sessionId = sessionId;
        return sessionId;
      });
      pending.catch(() => {
        if (this.session === pending) this.session = undefined;
      });
      this.session = pending;
    }
    return untilAborted(this.session, signal, this.site, 'waiting for the login');
  }

  private async newSession(): Promise<string> {
    return this.parseData('login', LoginResultSchema, await this.exchange('login', {}, undefined)).session_id;
  }


  /** Signs and sends one request in nonce order; answers `data` of a status-1 envelope. */
  private async exchange(method: IcashMethod, params: Record<string, FormValue>, signal: AbortSignal | undefined, notFoundParam?: string): Promise<unknown> {
    const { api_key, secret_key, WareHouseID, UserID } = this.credentials;
    const url = new URL(`${this.baseUrl}${icashMethodPath(method)}`);
    const response = await this.lane.run(this.site, signal, (nonce) => {
      const form = new URLSearchParams({ api_key, nonce: String(nonce), signature: icashSignature(secret_key, nonce, WareHouseID, api_key), WareHouseID, UserID });
      for (const [name, value] of Object.entries(params)) {
        if (value !== undefined) form.set(name, String(value));
      }
      return this.transport.send(this.site, {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal,
      });
    });
    if (response.status !== 200) throw this.httpFailure(response);
    const envelope = IcashEnvelopeSchema.safeParse(parseJsonBody(this.site, response));
    if (!envelope.success) {
      throw new VendorMalformedResponseError({ ...this.site, status: response.status, vendorMessage: `${method} answered without the {nonce, status, data|error_message} envelope` });
    }
    if (envelope.data.status === 1) return envelope.data.data;
    throw this.refusal(envelope.data.error_message, method !== 'login', notFoundParam);
  }

  private parseData<T>(method: IcashMethod, schema: z.ZodType<T>, data: unknown): T {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    // Paths and codes only: the offending values may be anything, including personal data.
    throw new VendorMalformedResponseError({ ...this.site, status: 200, vendorMessage: `unexpected ${method} data (${issueSummary(parsed.error)})` });
  }

  /** A status-0 envelope: iCash reports every refusal with HTTP 200. */
  private refusal(message: string, renewable: boolean, notFoundParam: string | undefined): Error {
    const failure: VendorFailure = { ...this.site, status: 200, vendorMessage: message };
    switch (message) {
      case ICASH_ERRORS.sessionExpired:
        return renewable ? new SessionExpired(message) : new VendorAuthError(failure);
      case ICASH_ERRORS.authentication:
      case ICASH_ERRORS.invalidNonce:
        return new VendorAuthError(failure);
      case ICASH_ERRORS.tooManyRequests:
        return new VendorRateLimitedError(failure);
      default:
        return notFoundParam !== undefined && message === wrongValue(notFoundParam) ? new VendorNotFoundError(failure) : new VendorRejectedError(failure);
    }
  }

  /** Anything but 200 comes from in front of the API (or an injected fault); iCash sends no retry hint. */
  private httpFailure(response: HttpResponse): Error {
    const failure: VendorFailure = { ...this.site, status: response.status, vendorMessage: errorMessageOf(response) };
    if (response.status === 401 || response.status === 403) return new VendorAuthError(failure);
    if (response.status === 404) return new VendorNotFoundError(failure);
    if (response.status === 429) return new VendorRateLimitedError(failure);
    if (response.status >= 500) return new VendorUnavailableError(failure);
    return new VendorRejectedError(failure);
  }
}

const SaleItemListSchema = listResultSchema(SaleItemSchema);
const ContragentListSchema = listResultSchema(ContragentSchema);
const OperationListSchema = listResultSchema(OperationSchema);

function fixed(value: Decimal | string | undefined, scale: number): string | undefined {
  return value === undefined ? undefined : toFixedScale(value, scale);
}

function errorMessageOf(response: HttpResponse): string {
  try {
    const body = JSON.parse(response.text) as { error_message?: unknown };
    if (typeof body.error_message === 'string') return body.error_message;
  } catch {
    // Not the vendor's envelope (a proxy's page, say): the status says enough.
  }
  return `HTTP ${response.status}`;
}

/** Pages through a list with offset/count until TotalRecords rows have been seen. */
async function* walkPages<T>(fetchPage: (offset: number, count: number) => Promise<IcashListResult<T>>, pageSize = ICASH_MAX_PAGE): AsyncGenerator<T> {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > ICASH_MAX_PAGE) {
    throw new RangeError(`iCash pages hold 1 to ${ICASH_MAX_PAGE} rows, got pageSize ${pageSize}`);
  }
  for (let offset = 0; ; ) {
    const page = await fetchPage(offset, pageSize);
    yield* page.Data;
    offset += page.Data.length;
    if (page.Data.length === 0 || offset >= page.TotalRecords) return;
  }
}

/** Waits for `promise`, or fails like an aborted request as soon as `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, site: CallSite, waitingFor: string): Promise<T> {
  return abortable(promise, signal, () => new VendorTimeoutError({ ...site, vendorMessage: `aborted while ${waitingFor}`, cause: signal?.reason }));
}
