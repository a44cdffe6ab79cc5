/**
 * Tactill API v0 on loopback. The simulator's base URL plays `https://api.tactill.com`, so
 * every vendor path carries the `/v0` prefix (a client's base URL is `<sim>/v0`).
 *
 * Two organizations live side by side, one per demo API key (seed "Environment
 * Management"): the production key sees the main dataset (`test: false`), the test key a
 * separate small one (`test: true`); nothing crosses between them. Each organization has
 * its own non-GET rate-limit window (seed "Rate limits").
 *
 * Records are stored already rendered in the wire format, indexed by id (and by the fields
 * batch loaders filter on), so a list call is one pass over the collection plus a slice;
 * sorted results are cached until the collection changes. Every write is validated in full
 * before anything is stored, so a rejected write changes nothing.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { Decimal } from '../../core/money.ts';
import { createDataset, type Dataset } from '../../simulators/dataset.ts';
import type { EntityCounts, SimRequest, SimResponse, SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';
import {
  CASHBOOK_FIELDS,
  CATEGORY_FIELDS,
  CUSTOMER_FIELDS,
  DEFAULT_LIMIT,
  ISO_8601_DATE,
  MAX_IN_VALUES,
  MAX_LIMIT,
  PAYMENT_FIELDS,
  PRODUCT_FIELDS,
  SALE_FIELDS,
  TAX_FIELDS,
  TactillCashbookCreateSchema,
  TactillCashbookUpdateSchema,
  TactillCategoryCreateSchema,
  TactillCategoryPatchSchema,
  TactillCustomerCreateSchema,
  TactillCustomerPatchSchema,
  TactillProductCreateSchema,
  TactillProductPatchSchema,
  TactillSaleCreateSchema,
  TactillSaleUpdateSchema,
  TactillTaxCreateSchema,
  TactillTaxPatchSchema,
  type TactillCashbook,
  type TactillCategory,
  type TactillCustomer,
  type TactillErrorBody,
  type TactillFieldKind,
  type TactillPage,
  type TactillPayment,
  type TactillProduct,
  type TactillSale,
  type TactillSaleLine,
  type TactillSaleLineInput,
  type TactillSalePaymentInput,
  type TactillTax,
} from './wire.ts';

export const TACTILL_PRODUCTION_KEY = 'v5_demo_production_key';
export const TACTILL_TEST_KEY = 'v5_demo_test_key';
/** Path prefix of every vendor route: the simulator plays `https://api.tactill.com`. */
export const TACTILL_API_PREFIX = '/v0';
export const TACTILL_DEFAULT_SEED = 104;
/** The test organization's dataset: its own seed and a small size. */
export const TACTILL_TEST_SEED_OFFSET = 1000;
export const TACTILL_TEST_SALES = 200;
/** seed "Rate limits": sandbox, non-GET calls, per organization. */
export const TACTILL_RATE_LIMIT = { limit: 3000, windowMs: 10 * 60 * 1000 } as const;

export interface TactillSimulatorOptions extends SimulatorOptions {
  /** Overrides the sandbox rate limit (tests use a small one). */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number };
}

export interface TactillSimulator extends VendorSimulator {
  /** Revokes an API key, as the Backoffice would: later calls with it get 401. */
  revokeApiKey(apiKey: string): void;
}

export type TactillMode = 'production' | 'test';
export type TactillIdKind = keyof typeof ID_TAGS;

const ID_TAGS = {
  product: 'prod', customer: 'cust', sale: 'sale', payment: 'paym', cashbook: 'cbok', category: 'catg', tax: 'taxe',
  shop: 'shop', source: 'srce', payment_method: 'pmth', company: 'comp', catalog: 'catl',
} as const;

/**
 * The id a dataset record gets: UUID-shaped (the seed's ids are UUIDs), readable in logs,
 * distinct per kind, dataset seed and mode, e.g. product 17 of seed 104 in production is
 * `70726f64-0068-4000-8000-000000000017`. Records created through the API get random UUIDs.
 */
export function tactillDatasetId(kind: TactillIdKind, datasetSeed: number, mode: TactillMode, n: number): string {
  return `${datasetIdPrefix(kind, datasetSeed, mode)}${String(n).padStart(12, '0')}`;
}

function datasetIdPrefix(kind: TactillIdKind, datasetSeed: number, mode: TactillMode): string {
  const tag = Buffer.from(ID_TAGS[kind], 'ascii').toString('hex');
  const seed = (datasetSeed & 0xffff).toString(16).padStart(4, '0');
  return `${tag}-${seed}-4000-${mode === 'test' ? '9' : '8'}000-`;
}

export function createTactillSimulator(options: TactillSimulatorOptions = {}): TactillSimulator {
  const seed = options.seed ?? TACTILL_DEFAULT_SEED;
  const rateLimit = options.rateLimit ?? TACTILL_RATE_LIMIT;
  const production = buildOrganization(
    createDataset({ seed, sales: options.sales, lastDay: options.lastDay, pricePlaces: 2, currency: 'EUR' }),
    'production',
  );
  const test = buildOrganization(
    createDataset({ seed: seed + TACTILL_TEST_SEED_OFFSET, sales: TACTILL_TEST_SALES, lastDay: options.lastDay, pricePlaces: 2, currency: 'EUR' }),
    'test',
  );
  const organizations = new Map<string, Organization>([[TACTILL_PRODUCTION_KEY, production], [TACTILL_TEST_KEY, test]]);
  const revoked = new Set<string>();
  const tokens = new PageTokens();

  return {
    vendor: 'tactill',
    credentials: () => ({ apiKey: TACTILL_PRODUCTION_KEY, testApiKey: TACTILL_TEST_KEY }),
    counts: (): EntityCounts => ({
      items: production.products.size,
      customers: production.customers.size,
      sales: production.sales.size,
      payments: production.payments.size,
      cashbooks: production.cashbooks.size,
      bookings: 0,
    }),
    handle: (request) => handle(request, organizations, revoked, rateLimit, tokens),
    errorResponse: (status, message) => errorResponse(status, message),
    rateLimitResponse: (resetAt) => ({
      ...errorResponse(429, 'Rate limit exceeded'),
      headers: { 'X-RateLimit-Limit': String(rateLimit.limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Retry-After': resetAt.toISOString() },
    }),
    // Tactill authenticates with static API keys: there is no token or session to expire.
    expireTokens: () => {},
    revokeApiKey: (apiKey) => {
      revoked.add(apiKey);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Organizations: one per API key, rendered from a dataset

interface Shop { id: string; name: string; sourceId: string; sourceName: string }
interface PaymentMethod { name: string; type: TactillPayment['payment_method_type'] }
/** A product as stored: its tax and category are embedded when rendered. */
type StoredProduct = Omit<TactillProduct, 'tax' | 'category'>;
/** A sale as stored: cashbook, customer and seller are embedded when rendered. */
type StoredSale = Omit<TactillSale, 'cashbook' | 'customer' | 'seller'>;

class Organization {
  readonly taxes = new Collection<TactillTax>('Tax', TAX_FIELDS);
  readonly categories = new Collection<TactillCategory>('Category', CATEGORY_FIELDS);
  readonly products = new Collection<StoredProduct>('Product', PRODUCT_FIELDS, ['category_id', 'tax_id']);
  readonly customers = new Collection<TactillCustomer>('Customer', CUSTOMER_FIELDS);
  readonly cashbooks = new Collection<TactillCashbook>('Cashbook', CASHBOOK_FIELDS);
  readonly sales = new Collection<StoredSale>('Sale', SALE_FIELDS, ['original_id', 'cashbook_id']);
  readonly payments = new Collection<TactillPayment>('Payment', PAYMENT_FIELDS, ['sale_id']);
  readonly shops = new Map<string, Shop>();
  readonly paymentMethods = new Map<string, PaymentMethod>();
  readonly rateWindow = { startedAt: 0, used: 0 };
  nextSaleNumber = 1;
  nextPaymentNumber = 1;

  constructor(
    readonly mode: TactillMode,
    readonly companyId: string,
    readonly catalogId: string,
  ) {}

  get test(): boolean {
    return this.mode === 'test';
  }

  renderProduct(product: StoredProduct): TactillProduct {
    return { ...product, tax: this.taxes.get(product.tax_id)!, category: this.categories.get(product.category_id)! };
  }

  renderSale(sale: StoredSale): TactillSale {
    return {
      ...sale,
      cashbook: sale.cashbook_id === null ? null : this.cashbooks.get(sale.cashbook_id) ?? null,
      customer: sale.customer_id === null ? null : this.customers.get(sale.customer_id) ?? null,
      // The dataset has no sellers, and the simulator no seller resource.
      seller: null,
    };
  }
}

function toCents(amount: string): number {
  return Number(Decimal.parse(amount).toMinorUnits(2));
}

/** A percentage ("5.5") in basis points (550). */
function toBasisPoints(percent: string): number {
  return Number(Decimal.parse(percent).toMinorUnits(2));
}

const WHOLE_SECOND_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** One rendering for every date (`…T07:21:54.000Z`), so ISO strings compare chronologically. */
function toIso(date: string): string {
  // The dataset's own form is rewritten without a Date round trip: it is most of the build.
  return WHOLE_SECOND_UTC.test(date) ? `${date.slice(0, -1)}.000Z` : new Date(date).toISOString();
}

/** Tax included in a gross amount at a rate in basis points, rounded half away from zero. */
function includedTax(grossCents: number, rateBasisPoints: number): number {
  return divideRounded(BigInt(grossCents) * BigInt(rateBasisPoints), BigInt(10_000 + rateBasisPoints));
}

function divideRounded(numerator: bigint, denominator: bigint): number {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let quotient = n / d;
  if ((n % d) * 2n >= d) quotient += 1n;
  return Number(negative ? -quotient : quotient);
}

/** A sale's tax spread over its payments in proportion to their amounts; the last takes the remainder. */
function splitTax(saleTotal: number, saleTax: number, amounts: readonly number[]): number[] {
  const shares: number[] = [];
  let assigned = 0;
  amounts.forEach((amount, index) => {
    const share = index === amounts.length - 1
      ? saleTax - assigned
      : saleTotal === 0 ? 0 : divideRounded(BigInt(saleTax) * BigInt(amount), BigInt(saleTotal));
    shares.push(share);
    assigned += share;
  });
  return shares;
}

function buildOrganization(dataset: Dataset, mode: TactillMode): Organization {
  const prefixes = new Map(Object.keys(ID_TAGS).map((kind) => [kind, datasetIdPrefix(kind as TactillIdKind, dataset.seed, mode)]));
  const id = (kind: TactillIdKind, n: number): string => `${prefixes.get(kind)!}${String(n).padStart(12, '0')}`;
  const org = new Organization(mode, id('company', 1), id('catalog', 1));
  const test = org.test;
  const catalogCreatedAt = toIso(dataset.items.reduce((earliest, item) => (item.createdAt < earliest ? item.createdAt : earliest), dataset.items[0]!.createdAt));

  for (const tax of dataset.taxes) {
    org.taxes.insert({ id: id('tax', tax.id), catalog_id: org.catalogId, test, rate: toBasisPoints(tax.rate), created_at: catalogCreatedAt, updated_at: catalogCreatedAt });
  }
  for (const category of dataset.categories) {
    org.categories.insert({
      id: id('category', category.id), catalog_id: org.catalogId, test, name: category.name, color: null, icon_text: null,
      created_at: catalogCreatedAt, updated_at: catalogCreatedAt, custom_fields: [],
    });
  }
  for (const item of dataset.items) {
    const createdAt = toIso(item.createdAt);
    org.products.insert({
      id: id('product', item.id), created_at: createdAt, updated_at: createdAt, catalog_id: org.catalogId, test,
      name: item.name, color: null, icon_text: null, category_id: id('category', item.categoryId), tax_id: id('tax', item.taxId),
      bulk_type: item.soldByWeight ? 'WEIGHT' : null, buy_price: toCents(item.buyPrice), sell_price: toCents(item.price),
      barcode: item.barcode, reference: item.code, variations: [], variants_count: 0, tags: [], custom_fields: [], options: [],
    });
  }
  for (const customer of dataset.customers) {
    const createdAt = toIso(customer.createdAt);
    org.customers.insert({
      id: id('customer', customer.id), created_at: createdAt, updated_at: createdAt, company_id: org.companyId, original_id: null,
      first_name: customer.firstName, last_name: customer.lastName, email: customer.email, phone: customer.phone,
      company_name: customer.company, company_vat_number: customer.vatNumber, color: null, icon_text: null,
      address: { street: customer.street, zip_code: customer.zipCode, city: customer.city, country: customer.country },
      note: null, fidelity_card_number: null, test, custom_fields: [],
    });
  }
  for (const location of dataset.locations) {
    const shop: Shop = { id: id('shop', location.id), name: location.name, sourceId: id('source', location.id), sourceName: `${location.name} register` };
    org.shops.set(shop.id, shop);
  }
  for (const method of dataset.paymentMethods) org.paymentMethods.set(id('payment_method', method.id), { name: method.name, type: method.type });

  const paymentsBySale = new Map<number, Dataset['payments']>();
  for (const payment of dataset.payments) {
    const list = paymentsBySale.get(payment.saleId);
    if (list) list.push(payment);
    else paymentsBySale.set(payment.saleId, [payment]);
  }

  // A cashbook's counters are what the till sent when it closed the session: they sum its sales.
  const counters = new Map<number, { total: number; taxFree: number; sales: number[]; payments: number[] }>();
  const renderedSales: StoredSale[] = [];
  for (const sale of dataset.sales) {
    const shop = org.shops.get(id('shop', sale.locationId))!;
    const total = toCents(sale.total);
    const totalTax = toCents(sale.tax);
    const openedAt = toIso(sale.createdAt);
    const cashbookId = id('cashbook', sale.cashbookId);
    const tenders = paymentsBySale.get(sale.id) ?? [];
    const amounts = tenders.map((tender) => toCents(tender.amount));
    const taxes = splitTax(total, totalTax, amounts);
    const payments: TactillPayment[] = tenders.map((tender, index) => {
      const method = dataset.paymentMethods.find((candidate) => candidate.id === tender.methodId)!;
      const amount = amounts[index]!;
      return {
        id: id('payment', tender.id), original_id: null, created_at: toIso(tender.createdAt), updated_at: toIso(tender.createdAt), deprecated: false,
        company_id: org.companyId, shop_id: shop.id, test, sale_id: id('sale', sale.id), source_id: shop.sourceId, source_name: shop.sourceName,
        state: 'VALID', type: amount < 0 ? 'OUT' : 'IN', date: toIso(tender.createdAt), number: tender.id,
        payment_method_id: id('payment_method', method.id), payment_method_name: method.name, payment_method_type: method.type,
        source_payment_id: null, customer_movement_id: null, cashbook_id: cashbookId,
        amount, total_tax_free: amount - taxes[index]!, total_tax: taxes[index]!,
        integration_payment_id: null, integration_refund_id: null, taxes: [],
      };
    });
    const lines: TactillSaleLine[] = sale.lines.map((line) => ({
      product_id: id('product', line.itemId), name: line.name, quantity: Decimal.parse(line.quantity).toJsonNumber(),
      unit_price: toCents(line.unitPrice), discount: toCents(line.discount), total: toCents(line.total),
      tax_rate: toBasisPoints(line.taxRate), total_tax: toCents(line.tax),
    }));
    renderedSales.push({
      id: id('sale', sale.id), original_id: null, created_at: openedAt, updated_at: openedAt, deprecated: false,
      company_id: org.companyId, shop_id: shop.id, test, source_id: shop.sourceId, source_name: shop.sourceName,
      cashbook_id: cashbookId, name: null, number: sale.id, state: 'CLOSED', refund_status: 'NONE',
      refunded_status: sale.isRefund ? 'FULL' : 'NONE', payment_status: 'FULL', note: sale.note, target_id: null,
      opened_at: openedAt, closed_at: openedAt, pending_at: null,
      customer_id: sale.customerId === null ? null : id('customer', sale.customerId), seller_id: null,
      total, total_discount: toCents(sale.discount), total_tax_free: total - totalTax, total_tax: totalTax, total_rest: 0,
      lines, discounts: [], payments,
    });
    const counter = counters.get(sale.cashbookId) ?? { total: 0, taxFree: 0, sales: [], payments: [] };
    counter.total += total;
    counter.taxFree += total - totalTax;
    counter.sales.push(sale.id);
    counter.payments.push(...tenders.map((tender) => tender.id));
    counters.set(sale.cashbookId, counter);
  }

  const cashMethod = dataset.paymentMethods.find((method) => method.type === 'CASH')!;
  const cashFund = (amount: string) => [{ payment_method_id: id('payment_method', cashMethod.id), payment_method_name: cashMethod.name, amount: toCents(amount) }];
  for (const cashbook of dataset.cashbooks) {
    const shop = org.shops.get(id('shop', cashbook.locationId))!;
    const counter = counters.get(cashbook.id) ?? { total: 0, taxFree: 0, sales: [], payments: [] };
    const openedAt = toIso(cashbook.openedAt);
    const closedAt = cashbook.closedAt === null ? null : toIso(cashbook.closedAt);
    org.cashbooks.insert({
      id: id('cashbook', cashbook.id), original_id: null, created_at: openedAt, updated_at: closedAt ?? openedAt, deprecated: false,
      company_id: org.companyId, shop_id: shop.id, test, source_id: shop.sourceId, source_name: shop.sourceName,
      number: cashbook.number, state: cashbook.state, total: counter.total, total_tax_free: counter.taxFree,
      min_sale_number: counter.sales.length === 0 ? null : Math.min(...counter.sales),
      max_sale_number: counter.sales.length === 0 ? null : Math.max(...counter.sales),
      sales_count: counter.sales.length,
      min_payment_number: counter.payments.length === 0 ? null : Math.min(...counter.payments),
      max_payment_number: counter.payments.length === 0 ? null : Math.max(...counter.payments),
      payments_count: counter.payments.length,
      opened_at: openedAt, closed_at: closedAt, opening_seller_id: null, closing_seller_id: null, note: null,
      total_expected: cashbook.closingAmount === null ? null : toCents(cashbook.closingAmount),
      total_difference: cashbook.closingAmount === null ? null : 0,
      movements: [], opening_cash_fund: cashFund(cashbook.openingAmount),
      closing_cash_fund: cashbook.closingAmount === null ? [] : cashFund(cashbook.closingAmount), custom_fields: [],
    });
  }
  for (const sale of renderedSales) {
    org.sales.insert(sale);
    for (const payment of sale.payments) org.payments.insert(payment);
  }
  org.nextSaleNumber = dataset.sales.length + 1;
  org.nextPaymentNumber = dataset.payments.length + 1;
  return org;
}

// ---------------------------------------------------------------------------------------
// Collections: records in insertion order, indexed by id and by a few filter fields

interface Entry<T> {
  readonly seq: number;
  record: T;
}

class Collection<T extends { id: string }> {
  private readonly byId = new Map<string, Entry<T>>();
  private ordered: Entry<T>[] = [];
  private readonly indexes = new Map<string, Map<unknown, Set<Entry<T>>>>();
  private nextSeq = 0;
  /** Bumped on every write; cached list results are only valid for one version. */
  version = 0;

  constructor(
    /** Singular name used in messages ("Product not found"). */
    readonly label: string,
    readonly fields: Readonly<Record<string, TactillFieldKind>>,
    indexedFields: readonly string[] = [],
  ) {
    for (const field of indexedFields) this.indexes.set(field, new Map());
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id)?.record;
  }

  entries(): readonly Entry<T>[] {
    return this.ordered;
  }

  /** Entries whose indexed `field` equals one of `values`, or undefined when the field is not indexed. */
  lookup(field: string, values: readonly unknown[]): Entry<T>[] | undefined {
    if (field === 'id') return values.flatMap((value) => (typeof value === 'string' && this.byId.has(value) ? [this.byId.get(value)!] : []));
    const index = this.indexes.get(field);
    if (!index) return undefined;
    return values.flatMap((value) => [...(index.get(value) ?? [])]);
  }

  insert(record: T): void {
    const entry: Entry<T> = { seq: this.nextSeq++, record };
    this.byId.set(record.id, entry);
    this.ordered.push(entry);
    this.index(entry, 'add');
    this.version += 1;
  }

  replace(record: T): void {
    const entry = this.byId.get(record.id)!;
    this.index(entry, 'delete');
    entry.record = record;
    this.index(entry, 'add');
    this.version += 1;
  }

  remove(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.index(entry, 'delete');
    this.byId.delete(id);
    this.ordered = this.ordered.filter((candidate) => candidate !== entry);
    this.version += 1;
  }

  private index(entry: Entry<T>, action: 'add' | 'delete'): void {
    for (const [field, index] of this.indexes) {
      const value = (entry.record as Record<string, unknown>)[field];
      let bucket = index.get(value);
      if (action === 'add') {
        if (!bucket) index.set(value, (bucket = new Set()));
        bucket.add(entry);
      } else {
        bucket?.delete(entry);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// HTTP: auth, rate limit, routing

class TactillHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (label: string): TactillHttpError => new TactillHttpError(404, `${label} not found`);
const badRequest = (message: string): TactillHttpError => new TactillHttpError(400, message);

function errorBody(status: number, message: string): TactillErrorBody {
  return { status_code: status, error: STATUS_CODES[status] ?? 'Error', message };
}

function errorResponse(status: number, message: string): SimResponse {
  return { status, body: errorBody(status, message) };
}

function handle(
  request: SimRequest,
  organizations: ReadonlyMap<string, Organization>,
  revoked: ReadonlySet<string>,
  rateLimit: { readonly limit: number; readonly windowMs: number },
  tokens: PageTokens,
): SimResponse {
  if (!request.path.startsWith(`${TACTILL_API_PREFIX}/`)) return errorResponse(404, `Cannot ${request.method} ${request.path}`);

  const header = request.headers['x-api-key'];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (apiKey === undefined || apiKey === '') return errorResponse(401, 'Missing API key');
  const org = revoked.has(apiKey) ? undefined : organizations.get(apiKey);
  if (!org) return errorResponse(401, 'Invalid API key');

  // seed "Rate limits": only non-GET calls count, in a window per organization.
  const now = Date.now();
  const window = org.rateWindow;
  if (now >= window.startedAt + rateLimit.windowMs) {
    window.startedAt = now;
    window.used = 0;
  }
  if (request.method !== 'GET') {
    if (window.used >= rateLimit.limit) {
      return {
        ...errorResponse(429, 'Rate limit exceeded'),
        headers: {
          'X-RateLimit-Limit': String(rateLimit.limit),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Retry-After': new Date(window.startedAt + rateLimit.windowMs).toISOString(),
        },
      };
    }
    window.used += 1;
  }
  const rateHeaders = { 'X-RateLimit-Limit': String(rateLimit.limit), 'X-RateLimit-Remaining': String(rateLimit.limit - window.used) };

  try {
    const { status, body } = route(request, org, tokens);
    return { status, body, headers: rateHeaders };
  } catch (error) {
    if (error instanceof TactillHttpError) return { ...errorResponse(error.status, error.message), headers: rateHeaders };
    throw error;
  }
}

type Routed = { status: number; body: unknown };
type ResourceName = 'products' | 'customers' | 'sales' | 'payments' | 'cashbooks' | 'categories' | 'taxes';

interface ResourceRoutes {
  list(org: Organization, body: Record<string, unknown>, tokens: PageTokens): TactillPage<unknown>;
  get(org: Organization, id: string): unknown;
  create?(org: Organization, body: Record<string, unknown>): unknown;
  /** PATCH /{resource} with the id in the body (cashbooks: PATCH /cashbooks/{id}). */
  patch?(org: Organization, body: Record<string, unknown>, pathId?: string): unknown;
  remove?(org: Organization, id: string): unknown;
}

function route(request: SimRequest, org: Organization, tokens: PageTokens): Routed {
  const unknownRoute = new TactillHttpError(404, `Cannot ${request.method} ${request.path}`);
  let segments: string[];
  try {
    segments = request.path.slice(TACTILL_API_PREFIX.length + 1).split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw unknownRoute;
  }
  const [resourceName, id, extra] = segments;
  const resource = Object.hasOwn(RESOURCES, resourceName ?? '') ? RESOURCES[resourceName as ResourceName] : undefined;
  if (!resource || extra !== undefined || id === '') throw unknownRoute;

  switch (request.method) {
    case 'POST':
      if (id === 'request') return { status: 200, body: resource.list(org, jsonBody(request), tokens) };
      if (id === undefined && resource.create) return { status: 201, body: resource.create(org, jsonBody(request)) };
      break;
    case 'GET':
      if (id !== undefined) return { status: 200, body: resource.get(org, id) };
      break;
    case 'PATCH':
      if (resource.patch && (id === undefined) === (resourceName !== 'cashbooks')) return { status: 200, body: resource.patch(org, jsonBody(request), id) };
      break;
    case 'DELETE':
      if (id !== undefined && resource.remove) return { status: 200, body: resource.remove(org, id) };
      break;
  }
  throw unknownRoute;
}

function jsonBody(request: SimRequest): Record<string, unknown> {
  if (request.body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    throw badRequest('Invalid JSON in request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('Request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Validates a write body; the first problem becomes the 400 message ("total: must be an integer amount of cents"). */
function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.join('.');
  const message = issue.code === 'invalid_type' && issue.message.endsWith('received undefined') ? 'is required' : issue.message;
  throw badRequest(path ? `${path}: ${message}` : message);
}

function found<T>(collection: Collection<T & { id: string }>, id: string): T {
  const record = collection.get(id);
  if (record === undefined) throw notFound(collection.label);
  return record;
}

function mustExist(collection: Collection<{ id: string }>, id: string | null | undefined, field: string): void {
  if (id !== null && id !== undefined && collection.get(id) === undefined) throw badRequest(`${field}: ${collection.label.toLowerCase()} ${id} does not exist`);
}

const now = (): string => new Date().toISOString();
const normalizeDate = (date: string | null | undefined): string | null => (date === null || date === undefined ? null : toIso(date));

// ---------------------------------------------------------------------------------------
// Resources

const RESOURCES: Record<ResourceName, ResourceRoutes> = {
  // seed §Product
  products: {
    list: (org, body, tokens) => {
      const input = body.input ?? {};
      rejectUnknownKeys(body, ['input']);
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('input must be an object');
      const page = listRecords(org.products, input as Record<string, unknown>, { style: 'logical', sort: 'object', resource: 'products' }, tokens);
      return { ...page, items: page.items.map((product) => org.renderProduct(product)) };
    },
    get: (org, id) => org.renderProduct(found(org.products, id)),
    create: (org, body) => {
      const input = validate(TactillProductCreateSchema, body);
      const category = resolveReference(org.categories, input.category, 'category', (fields) => {
        if (!('name' in fields) || fields.name === undefined) throw badRequest('category: must be an id, or an object with an id or a name');
        return { name: fields.name, color: fields.color ?? null, icon_text: fields.icon_text ?? null };
      });
      const tax = resolveReference(org.taxes, input.tax, 'tax', (fields) => {
        if (!('rate' in fields) || fields.rate === undefined) throw badRequest('tax: must be an id, or an object with an id or a rate');
        return { rate: fields.rate };
      });
      const timestamp = now();
      const categoryId = category.existing ?? newCategory(org, category.create!, timestamp).id;
      const taxId = tax.existing ?? newTax(org, tax.create!.rate, timestamp).id;
      const product: StoredProduct = {
        id: randomUUID(), created_at: timestamp, updated_at: timestamp, catalog_id: org.catalogId, test: org.test,
        name: input.name, color: null, icon_text: null, category_id: categoryId, tax_id: taxId, bulk_type: null,
        buy_price: input.buy_price, sell_price: input.sell_price, barcode: input.barcode ?? null, reference: input.reference ?? null,
        variations: [], variants_count: 0, tags: input.tags, custom_fields: input.custom_fields, options: input.options,
      };
      org.products.insert(product);
      return org.renderProduct(product);
    },
    patch: (org, body) => {
      const input = validate(TactillProductPatchSchema, body);
      const product = found(org.products, input.id);
      mustExist(org.categories, input.category_id, 'category_id');
      mustExist(org.taxes, input.tax_id, 'tax_id');
      const { id: _id, ...changes } = input;
      const updated: StoredProduct = { ...product, ...definedOnly(changes), updated_at: now() };
      org.products.replace(updated);
      return org.renderProduct(updated);
    },
    remove: (org, id) => {
      const { tags: _tags, custom_fields: _customFields, options: _options, ...deleted } = found(org.products, id);
      org.products.remove(id);
      return deleted;
    },
  },

  // seed §Customer
  customers: {
    list: (org, body, tokens) => listRecords(org.customers, body, { style: 'logical', sort: 'object', resource: 'customers' }, tokens),
    get: (org, id) => found(org.customers, id),
    create: (org, body) => {
      const input = validate(TactillCustomerCreateSchema, body);
      const timestamp = now();
      const customer: TactillCustomer = {
        id: randomUUID(), created_at: timestamp, updated_at: timestamp, company_id: org.companyId,
        original_id: input.original_id ?? null, first_name: input.first_name ?? null, last_name: input.last_name ?? null,
        email: input.email ?? null, phone: input.phone ?? null, company_name: input.company_name ?? null,
        company_vat_number: input.company_vat_number ?? null, color: input.color ?? null, icon_text: input.icon_text ?? null,
        address: input.address ?? null, note: input.note ?? null, fidelity_card_number: input.fidelity_card_number ?? null,
        test: org.test, custom_fields: input.custom_fields,
      };
      org.customers.insert(customer);
      return customer;
    },
    patch: (org, body) => {
      const input = validate(TactillCustomerPatchSchema, body);
      const customer = found(org.customers, input.id);
      const { id: _id, address, ...changes } = input;
      const updated: TactillCustomer = {
        ...customer,
        ...definedOnly(changes),
        address: address === undefined ? customer.address : { ...customer.address, ...address },
        updated_at: now(),
      };
      org.customers.replace(updated);
      return updated;
    },
    remove: (org, id) => {
      const { custom_fields: _customFields, ...deleted } = found(org.customers, id);
      org.customers.remove(id);
      return deleted;
    },
  },

  // seed §Category
  categories: {
    list: (org, body, tokens) => listRecords(org.categories, body, { style: 'logical', sort: 'object', resource: 'categories' }, tokens),
    get: (org, id) => found(org.categories, id),
    create: (org, body) => {
      const input = validate(TactillCategoryCreateSchema, body);
      if (input.id && org.categories.get(input.id)) throw new TactillHttpError(409, `Category ${input.id} already exists`);
      const timestamp = now();
      return newCategory(org, { name: input.name, color: input.color ?? null, icon_text: input.icon_text ?? null }, timestamp, {
        id: input.id ?? undefined,
        created_at: normalizeDate(input.created_at) ?? timestamp,
        updated_at: normalizeDate(input.updated_at) ?? timestamp,
        custom_fields: input.custom_fields,
      });
    },
    patch: (org, body) => {
      const input = validate(TactillCategoryPatchSchema, body);
      const category = found(org.categories, input.id);
      const { id: _id, ...changes } = input;
      const updated: TactillCategory = { ...category, ...definedOnly(changes), updated_at: now() };
      org.categories.replace(updated);
      return updated;
    },
    remove: (org, id) => {
      const { custom_fields: _customFields, ...deleted } = found(org.categories, id);
      // seed §Category "Edge Cases": a category that contains products cannot be deleted.
      if ((org.products.lookup('category_id', [id]) ?? []).length > 0) throw new TactillHttpError(403, 'Cannot delete a category that contains products');
      org.categories.remove(id);
      return deleted;
    },
  },

  // seed §Tax
  taxes: {
    list: (org, body, tokens) => listRecords(org.taxes, body, { style: 'logical', sort: 'object', resource: 'taxes' }, tokens),
    get: (org, id) => found(org.taxes, id),
    create: (org, body) => newTax(org, validate(TactillTaxCreateSchema, body).rate, now()),
    patch: (org, body) => {
      const input = validate(TactillTaxPatchSchema, body);
      const tax = found(org.taxes, input.id);
      const updated: TactillTax = { ...tax, rate: input.rate ?? tax.rate, updated_at: now() };
      org.taxes.replace(updated);
      return updated;
    },
    remove: (org, id) => {
      const tax = found(org.taxes, id);
      // seed §Tax "Edge Cases": a tax used by products cannot be deleted.
      if ((org.products.lookup('tax_id', [id]) ?? []).length > 0) throw new TactillHttpError(403, 'Cannot delete a tax that is used by products');
      org.taxes.remove(id);
      return tax;
    },
  },

  // seed §Sale
  sales: {
    list: (org, body, tokens) => {
      const page = listRecords(org.sales, body, { style: 'logical', sort: 'array', resource: 'sales' }, tokens);
      return { ...page, items: page.items.map((sale) => org.renderSale(sale)) };
    },
    get: (org, id) => org.renderSale(found(org.sales, id)),
    create: (org, body) => {
      const input = validate(TactillSaleCreateSchema, body);
      checkTotals(input);
      if (!org.shops.has(input.shop_id)) throw badRequest(`shop_id: shop ${input.shop_id} does not exist`);
      checkSaleReferences(org, input.shop_id, input);
      const timestamp = now();
      const id = randomUUID();
      const number = input.number ?? org.nextSaleNumber;
      const openedAt = toIso(input.opened_at);
      const closedAt = normalizeDate(input.closed_at);
      const sale: StoredSale = {
        id, original_id: input.original_id ?? null, created_at: timestamp, updated_at: timestamp, deprecated: false,
        company_id: org.companyId, shop_id: input.shop_id, test: org.test, source_id: input.source_id, source_name: input.source_name,
        cashbook_id: input.cashbook_id ?? null, name: input.name ?? null, number, state: input.state,
        refund_status: input.refund_status, refunded_status: input.refunded_status, payment_status: input.payment_status,
        note: input.note ?? null, target_id: input.target_id ?? null, opened_at: openedAt, closed_at: closedAt,
        pending_at: normalizeDate(input.pending_at), customer_id: input.customer_id ?? null, seller_id: input.seller_id ?? null,
        total: input.total, total_discount: input.total_discount, total_tax_free: input.total_tax_free, total_tax: input.total_tax,
        total_rest: input.total_rest, lines: input.lines.map(toSaleLine), discounts: input.discounts, payments: [],
      };
      sale.payments = newPayments(org, sale, input.payments, closedAt ?? openedAt, timestamp);
      org.nextSaleNumber = Math.max(org.nextSaleNumber, number + 1);
      org.sales.insert(sale);
      for (const payment of sale.payments) org.payments.insert(payment);
      return org.renderSale(sale);
    },
    patch: (org, body) => {
      const input = validate(TactillSaleUpdateSchema, body);
      const sale = found(org.sales, input.id);
      const { id: _id, lines, payments, closed_at, pending_at, ...changes } = input;
      const merged = { ...sale, ...definedOnly(changes) };
      checkTotals(merged);
      if (input.cashbook_id !== undefined && input.cashbook_id !== sale.cashbook_id) checkSaleReferences(org, sale.shop_id, { cashbook_id: input.cashbook_id });
      checkSaleReferences(org, sale.shop_id, { customer_id: input.customer_id, target_id: input.target_id, lines });
      const kept = (payments ?? []).filter((payment) => payment.id !== undefined);
      for (const payment of kept) {
        if (!sale.payments.some((existing) => existing.id === payment.id)) throw badRequest(`payments: payment ${payment.id} does not belong to sale ${sale.id}`);
      }
      const timestamp = now();
      const updated: StoredSale = {
        ...merged,
        closed_at: closed_at === undefined ? sale.closed_at : toIso(closed_at),
        pending_at: pending_at === undefined ? sale.pending_at : toIso(pending_at),
        lines: lines === undefined ? sale.lines : lines.map(toSaleLine),
        updated_at: timestamp,
      };
      const added = newPayments(org, updated, (payments ?? []).filter((payment) => payment.id === undefined), updated.closed_at ?? updated.opened_at, timestamp);
      updated.payments = [...sale.payments, ...added];
      org.sales.replace(updated);
      for (const payment of added) org.payments.insert(payment);
      return org.renderSale(updated);
    },
  },

  // seed §Payment: read-only; payments are created with their sale.
  payments: {
    list: (org, body, tokens) => listRecords(org.payments, body, { style: 'top-level', sort: 'array', resource: 'payments' }, tokens),
    get: (org, id) => found(org.payments, id),
  },

  // seed §Cashbook: opening a session = create with state OPEN; closing = update with state CLOSED.
  cashbooks: {
    list: (org, body, tokens) => listRecords(org.cashbooks, body, { style: 'top-level', sort: 'object', resource: 'cashbooks' }, tokens),
    get: (org, id) => found(org.cashbooks, id),
    create: (org, body) => {
      const input = validate(TactillCashbookCreateSchema, body);
      if (!org.shops.has(input.shop_id)) throw badRequest(`shop_id: shop ${input.shop_id} does not exist`);
      const timestamp = now();
      const cashbook: TactillCashbook = {
        id: randomUUID(), original_id: null, created_at: timestamp, updated_at: timestamp, deprecated: false, company_id: org.companyId,
        shop_id: input.shop_id, test: org.test, source_id: input.source_id, source_name: input.source_name, number: input.number,
        state: input.state, total: input.total ?? 0, total_tax_free: input.total_tax_free ?? 0,
        min_sale_number: input.min_sale_number ?? null, max_sale_number: input.max_sale_number ?? null, sales_count: input.sales_count ?? 0,
        min_payment_number: input.min_payment_number ?? null, max_payment_number: input.max_payment_number ?? null,
        payments_count: input.payments_count ?? 0, opened_at: toIso(input.opened_at), closed_at: normalizeDate(input.closed_at),
        opening_seller_id: input.opening_seller_id ?? null, closing_seller_id: input.closing_seller_id ?? null, note: input.note ?? null,
        total_expected: input.total_expected ?? null, total_difference: input.total_difference ?? null, movements: input.movements,
        opening_cash_fund: input.opening_cash_fund, closing_cash_fund: input.closing_cash_fund, custom_fields: input.custom_fields,
      };
      org.cashbooks.insert(cashbook);
      return cashbook;
    },
    patch: (org, body, pathId) => {
      const input = validate(TactillCashbookUpdateSchema, body);
      if (input.id !== pathId) throw badRequest('id: must match the cashbook id in the path');
      const cashbook = found(org.cashbooks, input.id);
      if (cashbook.state === 'CLOSED' && input.state === 'OPEN') throw badRequest('A closed cashbook cannot be reopened');
      if (cashbook.state === 'CLOSED' && input.state === 'CLOSED') throw badRequest('Cashbook is already closed');
      const timestamp = now();
      const { id: _id, closed_at, ...changes } = input;
      const closing = cashbook.state === 'OPEN' && input.state === 'CLOSED';
      const updated: TactillCashbook = {
        ...cashbook,
        ...definedOnly(changes),
        closed_at: closed_at !== undefined ? toIso(closed_at) : closing ? timestamp : cashbook.closed_at,
        updated_at: timestamp,
      };
      org.cashbooks.replace(updated);
      return updated;
    },
    remove: (org, id) => {
      found(org.cashbooks, id);
      org.cashbooks.remove(id);
      return { id, success: true };
    },
  },
};

/** Drops keys whose value is undefined, so a patch only touches what it names. */
function definedOnly<T extends Record<string, unknown>>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** An id, or an object naming an existing record by id, or the fields of one to create. */
function resolveReference<F extends Record<string, unknown>, C>(
  collection: Collection<{ id: string }>,
  reference: string | (F & { id?: string | undefined }),
  field: string,
  toCreate: (fields: F) => C,
): { existing?: string; create?: C } {
  const id = typeof reference === 'string' ? reference : reference.id;
  if (id !== undefined) {
    mustExist(collection, id, field);
    return { existing: id };
  }
  return { create: toCreate(reference as F) };
}

function newCategory(
  org: Organization,
  fields: { name: string; color: string | null; icon_text: string | null },
  timestamp: string,
  extra: { id?: string | undefined; created_at?: string; updated_at?: string; custom_fields?: Record<string, unknown>[] } = {},
): TactillCategory {
  const category: TactillCategory = {
    id: extra.id ?? randomUUID(), catalog_id: org.catalogId, test: org.test, ...fields,
    created_at: extra.created_at ?? timestamp, updated_at: extra.updated_at ?? timestamp, custom_fields: extra.custom_fields ?? [],
  };
  org.categories.insert(category);
  return category;
}

function newTax(org: Organization, rate: number, timestamp: string): TactillTax {
  const tax: TactillTax = { id: randomUUID(), catalog_id: org.catalogId, test: org.test, rate, created_at: timestamp, updated_at: timestamp };
  org.taxes.insert(tax);
  return tax;
}

function checkTotals(sale: { total: number; total_tax_free: number; total_tax: number }): void {
  if (sale.total !== sale.total_tax_free + sale.total_tax) throw badRequest('total: must equal total_tax_free + total_tax');
}

/** Every id naming a resource of this API must exist; a sale's cashbook must be an open session of its shop. */
function checkSaleReferences(
  org: Organization,
  shopId: string,
  refs: { cashbook_id?: string | undefined; customer_id?: string | undefined; target_id?: string | undefined; lines?: TactillSaleLineInput[] | undefined },
): void {
  if (refs.cashbook_id !== undefined) {
    const cashbook = org.cashbooks.get(refs.cashbook_id);
    if (!cashbook) throw badRequest(`cashbook_id: cashbook ${refs.cashbook_id} does not exist`);
    if (cashbook.shop_id !== shopId) throw badRequest(`cashbook_id: cashbook ${refs.cashbook_id} belongs to another shop`);
    if (cashbook.state !== 'OPEN') throw badRequest(`cashbook_id: cashbook ${refs.cashbook_id} is closed`);
  }
  mustExist(org.customers, refs.customer_id, 'customer_id');
  mustExist(org.sales, refs.target_id, 'target_id');
  refs.lines?.forEach((line, index) => mustExist(org.products, line.product_id, `lines.${index}.product_id`));
}

function toSaleLine(line: TactillSaleLineInput): TactillSaleLine {
  return {
    product_id: line.product_id ?? null, name: line.name, quantity: line.quantity, unit_price: line.unit_price,
    discount: line.discount ?? 0, total: line.total, tax_rate: line.tax_rate, total_tax: line.total_tax ?? includedTax(line.total, line.tax_rate),
  };
}

/** Each tender sent with a sale becomes a Payment: VALID, IN (OUT when negative), next number [assumed]. */
function newPayments(org: Organization, sale: StoredSale, tenders: readonly TactillSalePaymentInput[], defaultDate: string, timestamp: string): TactillPayment[] {
  const taxes = splitTax(sale.total, sale.total_tax, tenders.map((tender) => tender.amount));
  return tenders.map((tender, index) => ({
    id: randomUUID(), original_id: null, created_at: timestamp, updated_at: timestamp, deprecated: false, company_id: org.companyId,
    shop_id: sale.shop_id, test: org.test, sale_id: sale.id, source_id: sale.source_id, source_name: sale.source_name,
    state: 'VALID', type: tender.amount < 0 ? 'OUT' : 'IN', date: tender.date === undefined ? defaultDate : toIso(tender.date),
    number: org.nextPaymentNumber++, payment_method_id: tender.payment_method_id,
    payment_method_name: tender.payment_method_name ?? org.paymentMethods.get(tender.payment_method_id)?.name ?? null,
    payment_method_type: tender.payment_method_type, source_payment_id: null, customer_movement_id: null, cashbook_id: sale.cashbook_id,
    amount: tender.amount, total_tax_free: tender.amount - taxes[index]!, total_tax: taxes[index]!,
    integration_payment_id: null, integration_refund_id: null, taxes: [],
  }));
}

// ---------------------------------------------------------------------------------------
// Lists: filters, sort, keyset pages

interface ListSpec {
  /** `logical`: `{filter: {…, and, or, not}}`; `top-level`: one key per field beside sort/limit/next_token. */
  readonly style: 'logical' | 'top-level';
  /** The seed has `sort` as one rule for some resources and a list of rules for others. */
  readonly sort: 'object' | 'array';
  readonly resource: ResourceName;
}

interface SortRule { field: string; descending: boolean }
type Predicate = (record: Record<string, unknown>) => boolean;
type SortKey = (string | number | null)[];

const PAGING_KEYS = ['sort', 'limit', 'next_token'];

function rejectUnknownKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw badRequest(`property ${unknown} should not exist`);
}

function listRecords<T extends { id: string }>(collection: Collection<T>, body: Record<string, unknown>, spec: ListSpec, tokens: PageTokens): TactillPage<T> {
  let filter: Record<string, unknown>;
  if (spec.style === 'logical') {
    rejectUnknownKeys(body, ['filter', ...PAGING_KEYS]);
    const raw = body.filter ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('filter must be an object');
    filter = raw as Record<string, unknown>;
  } else {
    rejectUnknownKeys(body, [...Object.keys(collection.fields), ...PAGING_KEYS]);
    filter = Object.fromEntries(Object.entries(body).filter(([key]) => !PAGING_KEYS.includes(key)));
  }
  const predicate = compileFilter(filter, collection.fields, spec.style === 'logical');
  const sort = parseSort(body.sort, spec.sort, collection.fields);
  const limit = body.limit ?? DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw badRequest(`limit must be an integer between 1 and ${MAX_LIMIT}`);
  }
  const fingerprint = createHash('sha256').update(JSON.stringify([spec.resource, filter, body.sort ?? null])).digest('base64url').slice(0, 16);

  const ordered = sortedMatches(collection, filter, predicate, sort, fingerprint);
  let start = 0;
  if (body.next_token !== undefined) {
    const after = typeof body.next_token === 'string' ? tokens.read(body.next_token, fingerprint, sort.length + 1) : undefined;
    if (!after) throw badRequest('Invalid next_token');
    start = firstAfter(ordered, after, sort);
  }
  const page = ordered.slice(start, start + limit);
  const last = page.at(-1);
  const more = start + limit < ordered.length;
  return {
    items: page.map((entry) => entry.record),
    next_token: more && last ? tokens.write(fingerprint, sortKey(last, sort)) : null,
    total: ordered.length,
  };
}

const resultCache = new WeakMap<Collection<{ id: string }>, Map<string, { version: number; entries: Entry<unknown>[] }>>();
const CACHED_RESULTS_PER_COLLECTION = 16;

/** Matching entries in page order; cached per (query, collection version) so paging stays linear. */
function sortedMatches<T extends { id: string }>(collection: Collection<T>, filter: Record<string, unknown>, predicate: Predicate, sort: readonly SortRule[], fingerprint: string): Entry<T>[] {
  let cache = resultCache.get(collection);
  if (!cache) resultCache.set(collection, (cache = new Map()));
  const cached = cache.get(fingerprint);
  if (cached && cached.version === collection.version) return cached.entries as Entry<T>[];

  const candidates = indexedCandidates(collection, filter);
  const matches = (candidates ?? collection.entries()).filter((entry) => predicate(entry.record as Record<string, unknown>));
  if (candidates || sort.length > 0) {
    const keyed = matches.map((entry) => ({ entry, key: sortKey(entry, sort) }));
    keyed.sort((a, b) => compareKeys(a.key, b.key, sort));
    matches.splice(0, matches.length, ...keyed.map(({ entry }) => entry));
  }
  if (cache.size >= CACHED_RESULTS_PER_COLLECTION) cache.clear();
  cache.set(fingerprint, { version: collection.version, entries: matches as Entry<unknown>[] });
  return matches;
}

/** Batch lookups (`id: {in}`, `sale_id: {in}`…) go through an index instead of a scan. */
function indexedCandidates<T extends { id: string }>(collection: Collection<T>, filter: Record<string, unknown>): Entry<T>[] | undefined {
  for (const [field, operators] of Object.entries(filter)) {
    if (typeof operators !== 'object' || operators === null) continue;
    const { eq, in: within } = operators as { eq?: unknown; in?: unknown };
    const values = Array.isArray(within) ? within : eq !== undefined ? [eq] : undefined;
    if (!values) continue;
    const entries = collection.lookup(field, values);
    if (entries) return [...new Set(entries)];
  }
  return undefined;
}

function sortKey(entry: Entry<unknown>, sort: readonly SortRule[]): SortKey {
  const record = entry.record as Record<string, unknown>;
  return [...sort.map((rule) => (record[rule.field] ?? null) as string | number | null), entry.seq];
}

/** Nulls first; the entry's insertion sequence breaks ties, so the order is total and pages never overlap. */
function compareKeys(a: SortKey, b: SortKey, sort: readonly SortRule[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return sort[i]?.descending ? -order : order;
  }
  return 0;
}

function firstAfter(ordered: readonly Entry<unknown>[], after: SortKey, sort: readonly SortRule[]): number {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys(sortKey(ordered[middle]!, sort), after, sort) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function parseSort(raw: unknown, shape: 'object' | 'array', fields: Readonly<Record<string, TactillFieldKind>>): SortRule[] {
  if (raw === undefined) return [];
  if (shape === 'array' && !Array.isArray(raw)) throw badRequest('sort must be an array of {field, direction}');
  if (shape === 'object' && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) throw badRequest('sort must be an object {field, direction}');
  const rules = (shape === 'array' ? raw : [raw]) as unknown[];
  return rules.flatMap((rule): SortRule[] => {
    if (typeof rule !== 'object' || rule === null) throw badRequest('sort rules must be objects {field, direction}');
    const { field, direction = 'asc' } = rule as { field?: unknown; direction?: unknown };
    // The seed's own samples send `"sort": {}`: no rule.
    if (field === undefined && Object.keys(rule).length === 0) return [];
    if (typeof field !== 'string' || !Object.hasOwn(fields, field)) throw badRequest(`Cannot sort by ${JSON.stringify(field)}`);
    if (typeof direction !== 'string' || !['asc', 'desc'].includes(direction.toLowerCase())) throw badRequest('sort direction must be asc or desc');
    return [{ field, descending: direction.toLowerCase() === 'desc' }];
  });
}

const NUMERIC_OPERATORS = ['gte', 'lte', 'gt', 'lt', 'eq'] as const;
const STRING_OPERATORS = ['eq', 'contains', 'startsWith', 'endsWith'] as const;
const MEMBERSHIP_OPERATORS = ['eq', 'in'] as const;

function compileFilter(filter: Record<string, unknown>, fields: Readonly<Record<string, TactillFieldKind>>, logical: boolean): Predicate {
  const predicates: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (logical && (key === 'and' || key === 'or')) {
      if (!Array.isArray(value) || value.some((part) => typeof part !== 'object' || part === null || Array.isArray(part))) {
        throw badRequest(`filter.${key} must be an array of filters`);
      }
      const parts = value.map((part: Record<string, unknown>) => compileFilter(part, fields, true));
      predicates.push(key === 'and' ? (record) => parts.every((part) => part(record)) : (record) => parts.some((part) => part(record)));
    } else if (logical && key === 'not') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('filter.not must be a filter');
      const inner = compileFilter(value as Record<string, unknown>, fields, true);
      predicates.push((record) => !inner(record));
    } else {
      const kind = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (kind === undefined) throw badRequest(`Unknown filter field ${JSON.stringify(key)}`);
      predicates.push(...compileField(key, kind, value));
    }
  }
  return (record) => predicates.every((predicate) => predicate(record));
}

function compileField(field: string, kind: TactillFieldKind, operators: unknown): Predicate[] {
  if (typeof operators !== 'object' || operators === null || Array.isArray(operators)) throw badRequest(`${field} must be an object of operators`);
  const allowed: readonly string[] = kind === 'number' || kind === 'date' ? NUMERIC_OPERATORS : kind === 'string' ? STRING_OPERATORS : MEMBERSHIP_OPERATORS;
  return Object.entries(operators).map(([operator, operand]): Predicate => {
    if (!allowed.includes(operator)) throw badRequest(`Unsupported operator ${JSON.stringify(operator)} for ${field}`);
    const invalid = (expected: string) => badRequest(`${field}.${operator} must be ${expected}`);
    if (operator === 'in') {
      if (!Array.isArray(operand) || operand.length > MAX_IN_VALUES) throw invalid(`an array of at most ${MAX_IN_VALUES} values`);
      if (Array.isArray(kind) && operand.some((value) => !kind.includes(value))) throw invalid(`a list of ${kind.join(', ')}`);
      if (operand.some((value) => typeof value !== 'string')) throw invalid('an array of strings');
      const set = new Set<unknown>(operand);
      return (record) => set.has(record[field]);
    }
    if (kind === 'number') {
      if (typeof operand !== 'number' || !Number.isFinite(operand)) throw invalid('a number');
      return comparison(field, operator, operand);
    }
    if (kind === 'date') {
      if (typeof operand !== 'string' || !ISO_8601_DATE.test(operand) || Number.isNaN(Date.parse(operand))) throw invalid('an ISO 8601 date');
      return comparison(field, operator, toIso(operand));
    }
    if (Array.isArray(kind)) {
      if (!kind.includes(operand as string)) throw invalid(`one of ${kind.join(', ')}`);
      return (record) => record[field] === operand;
    }
    if (operator === 'eq') {
      if (typeof operand !== 'string' && operand !== null) throw invalid('a string or null');
      return (record) => (record[field] ?? null) === operand;
    }
    if (typeof operand !== 'string') throw invalid('a string');
    const needle = operand.toLowerCase();
    const test = operator === 'contains'
      ? (value: string) => value.includes(needle)
      : operator === 'startsWith'
      ? (value: string) => value.startsWith(needle)
      : (value: string) => value.endsWith(needle);
    return (record) => {
      const value = record[field];
      return typeof value === 'string' && test(value.toLowerCase());
    };
  });
}

/** Numbers compare as numbers; dates as normalized ISO strings, which sort chronologically. */
function comparison(field: string, operator: string, operand: number | string): Predicate {
  switch (operator) {
    case 'gte': return (record) => record[field] !== null && record[field] !== undefined && (record[field] as number | string) >= operand;
    case 'lte': return (record) => record[field] !== null && record[field] !== undefined && (record[field] as number | string) <= operand;
    case 'gt': return (record) => record[field] !== null && record[field] !== undefined && (record[field] as number | string) > operand;
    case 'lt': return (record) => record[field] !== null && record[field] !== undefined && (record[field] as number | string) < operand;
    default: return (record) => record[field] === operand;
  }
}

/**
 * Opaque `next_token`s: the sort key of the page's last record and a fingerprint of the
 * query, signed so a forged or foreign token is refused. Keyset paging means a record
 * created while a client pages is never returned twice.
 */
class PageTokens {
  private readonly secret = randomBytes(32);

  write(fingerprint: string, after: SortKey): string {
    const payload = Buffer.from(JSON.stringify({ q: fingerprint, k: after })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  read(token: string, fingerprint: string, keyLength: number): SortKey | undefined {
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined || signature !== this.sign(payload)) return undefined;
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { q?: unknown; k?: unknown };
    if (decoded.q !== fingerprint || !Array.isArray(decoded.k) || decoded.k.length !== keyLength) return undefined;
    return decoded.k as SortKey;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}
