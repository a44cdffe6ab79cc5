/**
 * The only code that speaks Tactill API v0. Authentication is a static organization API key
 * in `X-Api-Key` on every call (seed "Authentication"): there is no login to perform or
 * share, and nothing that expires. A 401 therefore means the key itself is refused
 * (unknown or revoked); sending the same key again cannot change that, so the client fails
 * at once with VendorAuthError instead of re-authenticating.
 *
 * `baseUrl` is the API root including the version, e.g. `https://api.tactill.com/v0` or
 * `http://127.0.0.1:4104/v0` for the simulator. Amounts stay integer cents here; the
 * adapter converts them.
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
import {
  TactillCashbookDeletionSchema,
  TactillCashbookSchema,
  TactillCategorySchema,
  TactillCustomerSchema,
  TactillDeletedCategorySchema,
  TactillDeletedCustomerSchema,
  TactillDeletedProductSchema,
  TactillErrorSchema,
  TactillPaymentSchema,
  TactillProductSchema,
  TactillRawPageSchema,
  TactillSaleSchema,
  TactillTaxSchema,
  listEnvelopeSchema,
  type TactillCashbook,
  type TactillCashbookCreateInput,
  type TactillCashbookDeletion,
  type TactillCashbookListRequest,
  type TactillCashbookUpdateInput,
  type TactillCategory,
  type TactillCategoryCreateInput,
  type TactillCategoryListRequest,
  type TactillCategoryPatchInput,
  type TactillCustomer,
  type TactillCustomerCreateInput,
  type TactillCustomerListRequest,
  type TactillCustomerPatchInput,
  type TactillDeletedCategory,
  type TactillDeletedCustomer,
  type TactillDeletedProduct,
  type TactillPage,
  type TactillPayment,
  type TactillPaymentListRequest,
  type TactillProduct,
  type TactillProductCreateInput,
  type TactillProductListInput,
  type TactillProductPatchInput,
  type TactillSale,
  type TactillSaleCreateInput,
  type TactillSaleListRequest,
  type TactillSaleUpdateInput,
  type TactillTax,
  type TactillTaxCreateInput,
  type TactillTaxListRequest,
  type TactillTaxPatchInput,
} from './wire.ts';

export const TACTILL_VENDOR = 'tactill';

/** One organization's API key (`v5_…`); a test-mode key reaches test data only. */
export interface TactillCredentials {
  readonly apiKey: string;
}

export interface TactillClientOptions {
  readonly connection: string;
  /** API root with the version, e.g. `https://api.tactill.com/v0`. */
  readonly baseUrl: string;
  readonly credentials: TactillCredentials;
  readonly transport?: HttpTransport;
  /** Accepted like every vendor client's; Tactill speaks ISO 8601 UTC, so nothing is converted. */
  readonly timeZone?: string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** The organization's non-GET quota as the last response announced it (seed "Rate limits"). */
export interface TactillRateLimitStatus {
  readonly limit: number;
  readonly remaining: number;
}

/** A list request without its paging token, for the helpers that walk every page. */
type FirstPage<T> = Omit<T, 'next_token'>;

const ProductPageSchema = listEnvelopeSchema(TactillProductSchema);
const CustomerPageSchema = listEnvelopeSchema(TactillCustomerSchema);
const CategoryPageSchema = listEnvelopeSchema(TactillCategorySchema);
const TaxPageSchema = listEnvelopeSchema(TactillTaxSchema);
const SalePageSchema = listEnvelopeSchema(TactillSaleSchema);
const PaymentPageSchema = listEnvelopeSchema(TactillPaymentSchema);
const CashbookPageSchema = listEnvelopeSchema(TactillCashbookSchema);

export class TactillClient {
  private readonly site: CallSite;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly transport: HttpTransport;
  private lastRateLimit: TactillRateLimitStatus | undefined;

  constructor(options: TactillClientOptions) {
    this.site = { vendor: TACTILL_VENDOR, connection: options.connection };
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.credentials.apiKey;
    this.transport = options.transport ?? new HttpTransport();
  }

  /** The quota left after the last call, when the vendor announced it. */
  get rateLimit(): TactillRateLimitStatus | undefined {
    return this.lastRateLimit;
  }

  // seed §Product ------------------------------------------------------------------------

  /** seed "Request products": the parameters travel wrapped in `{"input": {…}}`. */
  listProducts(input: TactillProductListInput = {}, options?: CallOptions): Promise<TactillPage<TactillProduct>> {
    return this.call('POST', '/products/request', { input }, ProductPageSchema, options);
  }

  iterateProducts(input: FirstPage<TactillProductListInput> = {}, options?: CallOptions): AsyncGenerator<TactillProduct> {
    return walk((next_token) => this.listProducts({ ...input, next_token }, options));
  }

  /** seed "Get a product by ID". */
  getProduct(id: string, options?: CallOptions): Promise<TactillProduct> {
    return this.call('GET', `/products/${encodeURIComponent(id)}`, undefined, TactillProductSchema, options);
  }

  /** seed "Create a product". */
  createProduct(input: TactillProductCreateInput, options?: CallOptions): Promise<TactillProduct> {
    return this.call('POST', '/products', input, TactillProductSchema, options);
  }

  /** seed "Patch a product": PATCH /products with the id in the body. */
  patchProduct(input: TactillProductPatchInput, options?: CallOptions): Promise<TactillProduct> {
    return this.call('PATCH', '/products', input, TactillProductSchema, options);
  }

  /** seed "Delete a product by ID": answers the deleted product without its embedded objects. */
  deleteProduct(id: string, options?: CallOptions): Promise<TactillDeletedProduct> {
    return this.call('DELETE', `/products/${encodeURIComponent(id)}`, undefined, TactillDeletedProductSchema, options);
  }

  // seed §Customer -----------------------------------------------------------------------

  /** seed "Request customers". */
  listCustomers(request: TactillCustomerListRequest = {}, options?: CallOptions): Promise<TactillPage<TactillCustomer>> {
    return this.call('POST', '/customers/request', request, CustomerPageSchema, options);
  }

  iterateCustomers(request: FirstPage<TactillCustomerListRequest> = {}, options?: CallOptions): AsyncGenerator<TactillCustomer> {
    return walk((next_token) => this.listCustomers({ ...request, next_token }, options));
  }

  /** seed "Get a customer by ID". */
  getCustomer(id: string, options?: CallOptions): Promise<TactillCustomer> {
    return this.call('GET', `/customers/${encodeURIComponent(id)}`, undefined, TactillCustomerSchema, options);
  }

  /** seed "Create a customer". */
  createCustomer(input: TactillCustomerCreateInput, options?: CallOptions): Promise<TactillCustomer> {
    return this.call('POST', '/customers', input, TactillCustomerSchema, options);
  }

  /** seed "Patch a customer": PATCH /customers with the id in the body. */
  patchCustomer(input: TactillCustomerPatchInput, options?: CallOptions): Promise<TactillCustomer> {
    return this.call('PATCH', '/customers', input, TactillCustomerSchema, options);
  }

  /** seed "Delete a customer by ID". */
  deleteCustomer(id: string, options?: CallOptions): Promise<TactillDeletedCustomer> {
    return this.call('DELETE', `/customers/${encodeURIComponent(id)}`, undefined, TactillDeletedCustomerSchema, options);
  }

  // seed §Category -----------------------------------------------------------------------

  /** seed "Request categories". */
  listCategories(request: TactillCategoryListRequest = {}, options?: CallOptions): Promise<TactillPage<TactillCategory>> {
    return this.call('POST', '/categories/request', request, CategoryPageSchema, options);
  }

  iterateCategories(request: FirstPage<TactillCategoryListRequest> = {}, options?: CallOptions): AsyncGenerator<TactillCategory> {
    return walk((next_token) => this.listCategories({ ...request, next_token }, options));
  }

  /** seed "Get a category by ID". */
  getCategory(id: string, options?: CallOptions): Promise<TactillCategory> {
    return this.call('GET', `/categories/${encodeURIComponent(id)}`, undefined, TactillCategorySchema, options);
  }

  /** seed "Create a category". */
  createCategory(input: TactillCategoryCreateInput, options?: CallOptions): Promise<TactillCategory> {
    return this.call('POST', '/categories', input, TactillCategorySchema, options);
  }

  /** seed "Patch a category". */
  patchCategory(input: TactillCategoryPatchInput, options?: CallOptions): Promise<TactillCategory> {
    return this.call('PATCH', '/categories', input, TactillCategorySchema, options);
  }

  /** seed "Delete a category by ID": refused with 403 while products are in it. */
  deleteCategory(id: string, options?: CallOptions): Promise<TactillDeletedCategory> {
    return this.call('DELETE', `/categories/${encodeURIComponent(id)}`, undefined, TactillDeletedCategorySchema, options);
  }

  // seed §Tax ----------------------------------------------------------------------------

  /** POST /taxes/request: not in the seed, by analogy with categories [assumed]. */
  listTaxes(request: TactillTaxListRequest = {}, options?: CallOptions): Promise<TactillPage<TactillTax>> {
    return this.call('POST', '/taxes/request', request, TaxPageSchema, options);
  }

  iterateTaxes(request: FirstPage<TactillTaxListRequest> = {}, options?: CallOptions): AsyncGenerator<TactillTax> {
    return walk((next_token) => this.listTaxes({ ...request, next_token }, options));
  }

  /** seed "Get tax by ID". */
  getTax(id: string, options?: CallOptions): Promise<TactillTax> {
    return this.call('GET', `/taxes/${encodeURIComponent(id)}`, undefined, TactillTaxSchema, options);
  }

  /** seed "Create a new tax". */
  createTax(input: TactillTaxCreateInput, options?: CallOptions): Promise<TactillTax> {
    return this.call('POST', '/taxes', input, TactillTaxSchema, options);
  }

  /** seed "Patch a tax". */
  patchTax(input: TactillTaxPatchInput, options?: CallOptions): Promise<TactillTax> {
    return this.call('PATCH', '/taxes', input, TactillTaxSchema, options);
  }

  /** seed "Delete tax": refused with 403 while products use it. */
  deleteTax(id: string, options?: CallOptions): Promise<TactillTax> {
    return this.call('DELETE', `/taxes/${encodeURIComponent(id)}`, undefined, TactillTaxSchema, options);
  }

  // seed §Sale ---------------------------------------------------------------------------

  /** seed "Request sales with filtering"; `filter: {id: {in}}` fetches a batch, `original_id: {eq}` finds a written sale. */
  listSales(request: TactillSaleListRequest = {}, options?: CallOptions): Promise<TactillPage<TactillSale>> {
    return this.call('POST', '/sales/request', request, SalePageSchema, options);
  }

  iterateSales(request: FirstPage<TactillSaleListRequest> = {}, options?: CallOptions): AsyncGenerator<TactillSale> {
    return walk((next_token) => this.listSales({ ...request, next_token }, options));
  }

  /** seed "Get a sale by ID": with lines, payments and the embedded cashbook and customer. */
  getSale(id: string, options?: CallOptions): Promise<TactillSale> {
    return this.call('GET', `/sales/${encodeURIComponent(id)}`, undefined, TactillSaleSchema, options);
  }

  /** seed "Create a sale": each `payments[]` element becomes a Payment. Not idempotent: search by `original_id` before retrying. */
  createSale(input: TactillSaleCreateInput, options?: CallOptions): Promise<TactillSale> {
    return this.call('POST', '/sales', input, TactillSaleSchema, options);
  }

  /** seed "Update a sale": PATCH /sales with the id in the body. */
  patchSale(input: TactillSaleUpdateInput, options?: CallOptions): Promise<TactillSale> {
    return this.call('PATCH', '/sales', input, TactillSaleSchema, options);
  }

  // seed §Payment (read-only) ------------------------------------------------------------

  /** seed "Request payments with filters": per-field filters at top level; `sale_id: {in}` fetches a batch. */
  listPayments(request: TactillPaymentListRequest = {}, options?: CallOptions): Promise<TactillPage<TactillPayment>> {
    return this.call('POST', '/payments/request', request, PaymentPageSchema, options);
  }

  iteratePayments(request: FirstPage<TactillPaymentListRequest> = {}, options?: CallOptions): AsyncGenerator<TactillPayment> {
    return walk((next_token) => this.listPayments({ ...request, next_token }, options));
  }

  /** seed "Get payment by ID". */
  getPayment(id: string, options?: CallOptions): Promise<TactillPayment> {
    return this.call('GET', `/payments/${encodeURIComponent(id)}`, undefined, TactillPaymentSchema, options);
  }

  // seed §Cashbook -----------------------------------------------------------------------

  /** seed "Request cashbooks with filtering": per-field filters at top level. */
  listCashbooks(request: TactillCashbookListRequest = {}, options?: CallOptions): Promise<TactillPage<TactillCashbook>> {
    return this.call('POST', '/cashbooks/request', request, CashbookPageSchema, options);
  }

  iterateCashbooks(request: FirstPage<TactillCashbookListRequest> = {}, options?: CallOptions): AsyncGenerator<TactillCashbook> {
    return walk((next_token) => this.listCashbooks({ ...request, next_token }, options));
  }

  /** seed "Get a cashbook by ID". */
  getCashbook(id: string, options?: CallOptions): Promise<TactillCashbook> {
    return this.call('GET', `/cashbooks/${encodeURIComponent(id)}`, undefined, TactillCashbookSchema, options);
  }

  /** seed "Create a new cashbook": with `state: "OPEN"` this opens a till session. */
  createCashbook(input: TactillCashbookCreateInput, options?: CallOptions): Promise<TactillCashbook> {
    return this.call('POST', '/cashbooks', input, TactillCashbookSchema, options);
  }

  /** seed "Update a cashbook": PATCH /cashbooks/{id}, the id repeated in the body; `state: "CLOSED"` closes the session. */
  updateCashbook(input: TactillCashbookUpdateInput, options?: CallOptions): Promise<TactillCashbook> {
    return this.call('PATCH', `/cashbooks/${encodeURIComponent(input.id)}`, input, TactillCashbookSchema, options);
  }

  /** seed "Delete a cashbook": answers `{id, success: true}`. */
  deleteCashbook(id: string, options?: CallOptions): Promise<TactillCashbookDeletion> {
    return this.call('DELETE', `/cashbooks/${encodeURIComponent(id)}`, undefined, TactillCashbookDeletionSchema, options);
  }

  // Lenient lists (the adapter's) -------------------------------------------------------
  //
  // The same list calls with the envelope checked as strictly (`{items, next_token, total}`;
  // a broken envelope, invalid JSON or a cut body is still VendorMalformedResponseError) but
  // each record of `items` left unread: the adapter validates and maps records one by one, so
  // one malformed record fails only itself (issue 6 §4). The typed calls above stay strict.

  listRawProducts(input: TactillProductListInput = {}, options?: CallOptions): Promise<TactillPage<unknown>> {
    return this.call('POST', '/products/request', { input }, TactillRawPageSchema, options);
  }

  iterateRawProducts(input: FirstPage<TactillProductListInput> = {}, options?: CallOptions): AsyncGenerator<unknown> {
    return walk((next_token) => this.listRawProducts({ ...input, next_token }, options));
  }

  listRawCustomers(request: TactillCustomerListRequest = {}, options?: CallOptions): Promise<TactillPage<unknown>> {
    return this.call('POST', '/customers/request', request, TactillRawPageSchema, options);
  }

  iterateRawCustomers(request: FirstPage<TactillCustomerListRequest> = {}, options?: CallOptions): AsyncGenerator<unknown> {
    return walk((next_token) => this.listRawCustomers({ ...request, next_token }, options));
  }

  iterateRawCategories(request: FirstPage<TactillCategoryListRequest> = {}, options?: CallOptions): AsyncGenerator<unknown> {
    return walk((next_token) => this.call('POST', '/categories/request', { ...request, next_token }, TactillRawPageSchema, options));
  }

  listRawSales(request: TactillSaleListRequest = {}, options?: CallOptions): Promise<TactillPage<unknown>> {
    return this.call('POST', '/sales/request', request, TactillRawPageSchema, options);
  }

  listRawPayments(request: TactillPaymentListRequest = {}, options?: CallOptions): Promise<TactillPage<unknown>> {
    return this.call('POST', '/payments/request', request, TactillRawPageSchema, options);
  }

  listRawCashbooks(request: TactillCashbookListRequest = {}, options?: CallOptions): Promise<TactillPage<unknown>> {
    return this.call('POST', '/cashbooks/request', request, TactillRawPageSchema, options);
  }

  iterateRawCashbooks(request: FirstPage<TactillCashbookListRequest> = {}, options?: CallOptions): AsyncGenerator<unknown> {
    return walk((next_token) => this.listRawCashbooks({ ...request, next_token }, options));
  }

  // --------------------------------------------------------------------------------------

  private async call<S extends z.ZodType>(
    method: HttpRequest['method'],
    path: string,
    body: unknown,
    schema: S,
    options: CallOptions = {},
  ): Promise<z.output<S>> {
    const response = await this.transport.send(this.site, {
      method,
      url: new URL(`${this.baseUrl}${path}`),
      headers: {
        'x-api-key': this.apiKey,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
    this.noteRateLimit(response);
    if (response.status < 200 || response.status >= 300) throw this.failure(response);
    const parsed = schema.safeParse(parseJsonBody(this.site, response));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new VendorMalformedResponseError({
        ...this.site,
        status: response.status,
        vendorMessage: `unexpected ${method} ${path} response: ${issue.path.join('.') || 'body'}: ${issue.message}`,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  private noteRateLimit(response: HttpResponse): void {
    const limit = Number(response.headers['x-ratelimit-limit']);
    const remaining = Number(response.headers['x-ratelimit-remaining']);
    if (Number.isInteger(limit) && Number.isInteger(remaining) && response.headers['x-ratelimit-limit'] !== undefined) {
      this.lastRateLimit = { limit, remaining };
    }
  }

  /** Maps a non-2xx answer to the core error classes, keeping the vendor's own message (seed "Errors"). */
  private failure(response: HttpResponse): Error {
    const failure: VendorFailure = { ...this.site, status: response.status, vendorMessage: vendorMessage(response) };
    const { status } = response;
    if (status === 401) return new VendorAuthError(failure);
    if (status === 404) return new VendorNotFoundError(failure);
    if (status === 429) return new VendorRateLimitedError({ ...failure, retryAfterMs: retryAfterMs(response) });
    if (status >= 500) return new VendorUnavailableError(failure);
    // 400 validation, 403 (deleting a category or tax still in use: a business refusal), 409…
    return new VendorRejectedError(failure);
  }
}

async function* walk<T>(fetchPage: (nextToken: string | undefined) => Promise<TactillPage<T>>): AsyncGenerator<T> {
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    yield* page.items;
    nextToken = page.next_token ?? undefined;
  } while (nextToken !== undefined);
}

function vendorMessage(response: HttpResponse): string | undefined {
  try {
    const parsed = TactillErrorSchema.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.message : undefined;
  } catch {
    return undefined;
  }
}

/** `X-RateLimit-Retry-After` is the UTC instant the window resets (seed "Rate limits"). */
function retryAfterMs(response: HttpResponse): number | undefined {
  const header = response.headers['x-ratelimit-retry-after'];
  const resetAt = header === undefined ? Number.NaN : Date.parse(header);
  return Number.isNaN(resetAt) ? undefined : Math.max(0, resetAt - Date.now());
}
