/**
 * Kash's `/workers/*.php` webservices on loopback, over the shared dataset (seed 102).
 *
 * Like the PHP original, every worker reads its parameters from the query string and the
 * form body alike (POST wins on a name clash), authenticates with `idboutique` (or its alias
 * `shopID`) plus `key`, and reports every failure as HTTP 200 `{"result":"ERROR","message"}`.
 * Nothing paginates: lists come back whole. Dataset sales are the shop's paid orders
 * ("terminated"); webapp.php appends new orders, quotes or inline customers, after checking
 * the whole request first so a rejected sale changes nothing.
 */
import { Decimal, sumDecimals } from '../../core/money.ts';
import { fromLocalDateTime, toLocalDateTime } from '../../core/time.ts';
import { createDataset, type Dataset } from '../../simulators/dataset.ts';
import type { EntityCounts, SimRequest, SimResponse, SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';
import {
  KASH_INLINE_CLIENT_KEYS,
  KASH_MESSAGES,
  KEY_PARAM,
  MAX_DECLINAISONS,
  SHOP_ID_ALIAS_PARAM,
  SHOP_ID_PARAM,
  type KashCashbox,
  type KashClientRecord,
  type KashDepartment,
  type KashOrder,
  type KashOrderDetail,
  type KashOrderStatus,
  type KashPaymentMode,
  type KashPlu,
  type KashWebhookPayload,
} from './wire.ts';

export const KASH_DEFAULT_SEED = 102;
export const KASH_DEMO_SHOP_ID = '4242';
export const KASH_DEMO_API_KEY = 'demo-kash-key';
export const KASH_DEMO_LOGIN = 'demo@posgraph.test';
export const KASH_DEMO_PASSWORD = 'demo-password';
/** The demo connection's webhook secret (its settings' `webhookSecret`), like the demo key: for loopback demos only. */
export const KASH_DEMO_WEBHOOK_SECRET = 'demo-kash-webhook-secret';
/** The shop's wall clock: local-time inputs (a date without offset) are read in it, order dates carry its offset. */
export const KASH_SHOP_TIME_ZONE = 'Europe/Paris';

export interface KashSimulatorOptions extends SimulatorOptions {
  /**
   * The shop's webhook (Configuration → "Interface options"): each recorded sale POSTs a
   * form-encoded notice, `validated` for payment -1, `validated` then `terminated` for a paid one.
   */
  readonly webhookUrl?: string;
}

export interface KashSimulator extends VendorSimulator {
  /** Configuration → Webservices → regenerate: the old key stops working; getAuthToken hands out the new one. */
  regenerateApiKey(): string;
  /** Configuration → "Interface options" → webhook: where later sales are notified (undefined: nowhere). */
  setWebhookUrl(url: string | undefined): void;
}

interface StoredLine {
  idArticle: number | null;
  departmentId: number | null;
  title: string;
  quantity: string;
  price: string;
  discount: string;
  total: string;
  vatRate: string;
  tax: string;
  declinaisons: number[];
}

interface StoredOrder {
  internalId: number;
  orderId: string;
  /** Value date for orders, creation date for quotes: what getOrders filters on. */
  dateMs: number;
  status: KashOrderStatus;
  clientId: number | null;
  cashBoxId: number | null;
  deliveryMethod: number;
  isRefund: boolean;
  total: string;
  vat: string;
  lines: StoredLine[];
  payments: Array<{ modeId: number; amount: string }>;
  publicComment: string | null;
  privateComment: string | null;
  /** Rendered on first use; orders never change once recorded. */
  summary?: KashOrder;
}

class KashRequestError extends Error {}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Free lines (`Free_…`) fall into the shop's default rate. */
const DEFAULT_VAT_RATE = '20';
/** Dataset categories carry no VAT; French rates by kind of goods stand in as department defaults. */
const DEPARTMENT_VAT_RATES: Record<string, string> = { Household: '20', Services: '20', Coffee: '10' };
/** Dataset sales carry no delivery method; each location sells one way. */
const DELIVERY_METHOD_BY_LOCATION: Record<number, number> = { 1: 4, 2: 0, 3: 2 };
const DECIMAL_TEXT = /^-?\d{1,9}(\.\d{1,4})?$/;
const POSITIVE_INT = /^[1-9]\d{0,9}$/;
/** Beyond this an order total no longer fits a JSON number exactly (15 significant digits). */
const MAX_ORDER_AMOUNT = Decimal.parse('999999999.99');

export function createKashSimulator(options: KashSimulatorOptions = {}): KashSimulator {
  const dataset = createDataset({
    seed: options.seed ?? KASH_DEFAULT_SEED,
    sales: options.sales,
    lastDay: options.lastDay,
    pricePlaces: 2,
    currency: 'EUR',
  });
  return new KashShop(dataset, options.webhookUrl);
}

class KashShop implements KashSimulator {
  readonly vendor = 'kash' as const;
  private apiKey = KASH_DEMO_API_KEY;
  private keyGeneration = 0;

  private readonly plus: KashPlu[];
  private readonly pluById: Map<number, KashPlu>;
  private readonly departments: KashDepartment[];
  private readonly departmentById: Map<number, KashDepartment>;
  private readonly paymentModes: KashPaymentMode[];
  private readonly paymentModeIds: Set<number>;
  private readonly cashboxes: KashCashbox[];
  private readonly cashboxIds: Set<number>;
  private readonly clients: KashClientRecord[];
  private readonly clientById: Map<number, KashClientRecord>;
  private readonly orderById = new Map<number, StoredOrder>();
  /** Validated and terminated orders, sorted by (dateMs, internalId). */
  private readonly orders: StoredOrder[] = [];
  /** Quotes (payment -2), sorted by (dateMs, internalId). */
  private readonly quotes: StoredOrder[] = [];
  private nextOrderId: number;
  private paymentCount = 0;

  constructor(dataset: Dataset, private webhookUrl: string | undefined) {
    const taxRate = new Map(dataset.taxes.map((tax) => [tax.id, tax.rate]));
    this.plus = dataset.items.map((item) => ({
      id: item.id,
      title: item.name,
      price: Decimal.parse(item.price).toJsonNumber(),
      departmentId: item.categoryId,
      vatRate: Decimal.parse(taxRate.get(item.taxId)!).toJsonNumber(),
      barcode: item.barcode,
    }));
    this.pluById = new Map(this.plus.map((plu) => [plu.id, plu]));
    this.departments = dataset.categories.map((category) => ({
      id: category.id,
      title: category.name,
      vatRate: Decimal.parse(DEPARTMENT_VAT_RATES[category.name] ?? '5.5').toJsonNumber(),
    }));
    this.departmentById = new Map(this.departments.map((department) => [department.id, department]));
    this.paymentModes = dataset.paymentMethods.map((method) => ({ id: method.id, title: method.name }));
    this.paymentModeIds = new Set(this.paymentModes.map((mode) => mode.id));
    this.cashboxes = dataset.locations.map((location) => ({ id: location.id, title: location.name }));
    this.cashboxIds = new Set(this.cashboxes.map((cashbox) => cashbox.id));

    const paidSalesByCustomer = new Map<number, number>();
    for (const sale of dataset.sales) {
      if (sale.customerId !== null && !sale.isRefund) paidSalesByCustomer.set(sale.customerId, (paidSalesByCustomer.get(sale.customerId) ?? 0) + 1);
    }
    this.clients = dataset.customers.map((customer) => ({
      id: customer.id,
      nom: customer.lastName,
      prenom: customer.firstName,
      email: customer.email,
      telephone: customer.phone,
      adresseligne1: customer.street,
      adresseligne2: null,
      codepostal: customer.zipCode,
      ville: customer.city,
      pays: customer.country,
      numtva: customer.vatNumber,
      codeBarre: null,
      loyaltyPoints: paidSalesByCustomer.get(customer.id) ?? 0,
    }));
    this.clientById = new Map(this.clients.map((client) => [client.id, client]));

    const paymentsBySale = new Map<number, Array<{ modeId: number; amount: string }>>();
    for (const payment of dataset.payments) {
      let list = paymentsBySale.get(payment.saleId);
      if (!list) paymentsBySale.set(payment.saleId, (list = []));
      list.push({ modeId: payment.methodId, amount: payment.amount });
    }
    const itemCategory = new Map(dataset.items.map((item) => [item.id, item.categoryId]));
    // Dataset sales are already sorted by time with ids following time: push keeps the order.
    for (const sale of dataset.sales) {
      const order: StoredOrder = {
        internalId: sale.id,
        orderId: sale.number,
        dateMs: Date.parse(sale.createdAt),
        status: 'terminated',
        clientId: sale.customerId,
        cashBoxId: sale.locationId,
        deliveryMethod: DELIVERY_METHOD_BY_LOCATION[sale.locationId] ?? 4,
        isRefund: sale.isRefund,
        total: sale.total,
        vat: sale.tax,
        lines: sale.lines.map((line) => ({
          idArticle: line.itemId,
          departmentId: itemCategory.get(line.itemId) ?? null,
          title: line.name,
          quantity: line.quantity,
          price: line.unitPrice,
          discount: line.discount,
          total: line.total,
          vatRate: line.taxRate,
          tax: line.tax,
          declinaisons: [],
        })),
        payments: paymentsBySale.get(sale.id) ?? [],
        publicComment: sale.note,
        privateComment: null,
      };
      this.orders.push(order);
      this.orderById.set(order.internalId, order);
      this.paymentCount += order.payments.length;
    }
    this.nextOrderId = dataset.sales.length + 1;
  }

  credentials(_baseUrl: string): Record<string, string> {
    return { shopId: KASH_DEMO_SHOP_ID, apiKey: this.apiKey, login: KASH_DEMO_LOGIN, password: KASH_DEMO_PASSWORD };
  }

  counts(): EntityCounts {
    return {
      items: this.plus.length,
      customers: this.clients.length,
      sales: this.orderById.size,
      payments: this.paymentCount,
      // Kash exposes registers (getCashbox), not cashbook sessions.
      cashbooks: this.cashboxes.length,
      bookings: 0,
    };
  }

  errorResponse(status: number, message: string): SimResponse {
    return { status, body: { result: 'ERROR', message }, contentType: JSON_TYPE };
  }

  /** Kash documents no rate limit; a limiting proxy would answer 429 in the usual envelope, with no retry hint. */
  rateLimitResponse(_resetAt: Date): SimResponse {
    return this.errorResponse(429, KASH_MESSAGES.tooManyRequests);
  }

  /** The API key is static until regenerated in the back office: there is nothing to expire. */
  expireTokens(): void {}

  regenerateApiKey(): string {
    this.keyGeneration += 1;
    this.apiKey = `${KASH_DEMO_API_KEY}-${this.keyGeneration}`;
    return this.apiKey;
  }

  setWebhookUrl(url: string | undefined): void {
    this.webhookUrl = url;
  }

  handle(request: SimRequest): SimResponse {
    const params = requestParams(request);
    try {
      switch (request.path) {
        case '/workers/getAuthToken.php':
          return this.authToken(params);
        case '/workers/getPlus.php':
          return this.list(params, this.plus);
        case '/workers/getDepartments.php':
          return this.list(params, this.departments);
        case '/workers/getClients.php':
          return this.list(params, this.clients);
        case '/workers/getPaymentModes.php':
          return this.list(params, this.paymentModes);
        case '/workers/getCashbox.php':
          return this.list(params, this.cashboxes);
        case '/workers/getOrders.php':
          return this.listOrders(params);
        case '/workers/getOrder.php':
          return this.order(params);
        case '/workers/webapp.php':
          return this.recordSale(params, request.baseUrl);
        default:
          return { status: 404, body: '<html><body><h1>404 Not Found</h1></body></html>', contentType: 'text/html; charset=utf-8' };
      }
    } catch (error) {
      if (error instanceof KashRequestError) return ok({ result: 'ERROR', message: error.message });
      throw error;
    }
  }

  // POST /workers/getAuthToken.php — login,password → the shop's (static) key (public api_auth.md).
  private authToken(params: URLSearchParams): SimResponse {
    if (params.get('login') !== KASH_DEMO_LOGIN || params.get('password') !== KASH_DEMO_PASSWORD) {
      throw new KashRequestError(KASH_MESSAGES.invalidLogin);
    }
    return ok({ result: 'OK', APIKEY: this.apiKey, SHOPID: KASH_DEMO_SHOP_ID });
  }

  private authenticate(params: URLSearchParams): void {
    const shopId = params.get(SHOP_ID_PARAM) ?? params.get(SHOP_ID_ALIAS_PARAM);
    if (shopId !== KASH_DEMO_SHOP_ID || params.get(KEY_PARAM) !== this.apiKey) throw new KashRequestError(KASH_MESSAGES.invalidKey);
  }

  // GET /workers/get<List>.php?format=json|csv|html (public api_data.md).
  private list(params: URLSearchParams, rows: readonly object[]): SimResponse {
    this.authenticate(params);
    const format = params.get('format') ?? 'json';
    switch (format) {
      case 'json':
        return ok(rows);
      case 'csv':
        return { status: 200, body: toCsv(rows), contentType: 'text/csv; charset=utf-8' };
      case 'html':
        return { status: 200, body: toHtmlTable(rows), contentType: 'text/html; charset=utf-8' };
      default:
        throw new KashRequestError('Invalid parameter format');
    }
  }

  // GET /workers/getOrders.php (public api_sales.md): orders by value date, or quotes by creation date.
  private listOrders(params: URLSearchParams): SimResponse {
    this.authenticate(params);
    const validated = parseBoolean(params.get('validatedOrders'), 'validatedOrders') ?? true;
    const fromMs = parseFilterDate(params.get('from_date_ISO8601'), 'from_date_ISO8601', 'start');
    const toMs = parseFilterDate(params.get('to_date_ISO8601'), 'to_date_ISO8601', 'end');
    const deliveryText = params.get('filterDeliveryMethod');
    const deliveryMethod = deliveryText === null || deliveryText === '' ? undefined : parseDeliveryMethod(deliveryText, 'filterDeliveryMethod');
    const source = validated ? this.orders : this.quotes;
    const start = fromMs === undefined ? 0 : firstIndexAtOrAfter(source, fromMs);
    const end = toMs === undefined ? source.length : firstIndexAtOrAfter(source, toMs + 1);
    const result: KashOrder[] = [];
    for (let index = start; index < end; index += 1) {
      const order = source[index]!;
      if (deliveryMethod === undefined || order.deliveryMethod === deliveryMethod) result.push(this.summary(order));
    }
    return ok(result);
  }

  // GET /workers/getOrder.php?order_id=<orderInternalID> (MCP data.ts).
  private order(params: URLSearchParams): SimResponse {
    this.authenticate(params);
    const idText = params.get('order_id') ?? '';
    const order = POSITIVE_INT.test(idText) ? this.orderById.get(Number(idText)) : undefined;
    if (!order) throw new KashRequestError(KASH_MESSAGES.orderNotFound);
    return ok(this.detail(order));
  }

  // POST (or GET) /workers/webapp.php (public api_record_sale.md; seed "Recording of sales").
  private recordSale(params: URLSearchParams, baseUrl: string): SimResponse {
    this.authenticate(params);
    const paymentText = params.get('payment');
    if (paymentText === null || paymentText === '') throw new KashRequestError('Missing parameter payment');
    if (!/^-?\d{1,10}$/.test(paymentText)) throw new KashRequestError('Invalid parameter payment');
    const payment = Number(paymentText);
    if (payment !== -2 && payment !== -1 && !this.paymentModeIds.has(payment)) throw new KashRequestError('Unknown payment mode');

    const deliveryText = params.get('deliveryMethod');
    const deliveryMethod = deliveryText === null || deliveryText === '' ? 0 : parseDeliveryMethod(deliveryText, 'deliveryMethod');
    for (const name of ['idUser', 'idtable', 'numcouverts', 'pagerNum']) optionalPositiveInt(params, name);
    const cashBoxId = optionalPositiveInt(params, 'idcaisse') ?? null;
    if (cashBoxId !== null && !this.cashboxIds.has(cashBoxId)) throw new KashRequestError('Unknown cashbox');

    const idClient = optionalPositiveInt(params, 'idClient');
    if (idClient !== undefined && !this.clientById.has(idClient)) throw new KashRequestError('Unknown client');
    const inlineClient = idClient === undefined ? readInlineClient(params) : undefined;

    const dateValeurText = params.get('dateValeur');
    if (dateValeurText !== null && dateValeurText !== '' && !/^\d{1,11}$/.test(dateValeurText)) {
      throw new KashRequestError('Invalid parameter dateValeur');
    }

    const entries = params.getAll('itemsList[]');
    if (entries.length === 0) throw new KashRequestError('Missing parameter itemsList');
    const lines = entries.map((entry) => this.parseItemsListEntry(entry));
    const total = sumDecimals(lines.map((line) => Decimal.parse(line.total)));
    if ([total, ...lines.map((line) => Decimal.parse(line.total))].some(tooLarge)) throw new KashRequestError('Invalid amount');

    // Everything is checked: from here on the sale is recorded.
    const nowMs = Math.floor(Date.now() / 1000) * 1000;
    const status: KashOrderStatus = payment === -2 ? 'quote' : payment === -1 ? 'validated' : 'terminated';
    let clientId = idClient ?? null;
    if (inlineClient) {
      const client = { id: this.clients.length === 0 ? 1 : this.clients.at(-1)!.id + 1, ...inlineClient };
      this.clients.push(client);
      this.clientById.set(client.id, client);
      clientId = client.id;
    }
    const internalId = this.nextOrderId;
    this.nextOrderId += 1;
    const order: StoredOrder = {
      internalId,
      orderId: `WS-${String(internalId).padStart(6, '0')}`,
      // A quote has no value date yet: it is dated (and listed) by its creation.
      dateMs: status !== 'quote' && dateValeurText ? Number(dateValeurText) * 1000 : nowMs,
      status,
      clientId,
      cashBoxId,
      deliveryMethod,
      isRefund: total.isNegative(),
      total: total.toFixedAtLeast(2),
      vat: sumDecimals(lines.map((line) => Decimal.parse(line.tax))).round(2).toFixedAtLeast(2),
      lines,
      payments: status === 'terminated' ? [{ modeId: payment, amount: total.toFixedAtLeast(2) }] : [],
      publicComment: nonEmpty(params.get('publicComment')),
      privateComment: nonEmpty(params.get('privateComment')),
    };
    this.orderById.set(internalId, order);
    insertSorted(status === 'quote' ? this.quotes : this.orders, order);
    this.paymentCount += order.payments.length;
    if (status === 'terminated' && !order.isRefund && clientId !== null) this.clientById.get(clientId)!.loyaltyPoints += 1;
    if (this.webhookUrl !== undefined && status !== 'quote') void this.notify(this.webhookUrl, order, baseUrl);
    return ok({ result: 'OK', orderInternalID: internalId, orderID: order.orderId, price: total.toJsonNumber() });
  }

  /** `<id>[_<qty>[_<title>[_<price>[_<decl>…]]]]`, `-<dept>_<price>_<title>` or `Free_<price>_<title>`. */
  private parseItemsListEntry(entry: string): StoredLine {
    if (entry.startsWith('Free_') || entry.startsWith('-')) {
      const free = entry.startsWith('Free_');
      let department: KashDepartment | undefined;
      let rest: string | undefined = entry.slice(free ? 'Free_'.length : '-'.length);
      if (!free) {
        const [departmentText, afterDepartment] = splitAtFirstUnderscore(rest);
        department = POSITIVE_INT.test(departmentText) ? this.departmentById.get(Number(departmentText)) : undefined;
        if (!department) throw new KashRequestError(`Unknown department ${departmentText}`);
        rest = afterDepartment;
      }
      // The title is everything after the price, "_" included.
      const [priceText, title] = splitAtFirstUnderscore(rest ?? '');
      if (title === undefined) throw new KashRequestError(`Invalid item ${entry}`);
      return computeLine({
        idArticle: null,
        departmentId: department?.id ?? null,
        title: title === '' ? (department?.title ?? 'Free') : title,
        quantity: Decimal.parse('1'),
        price: parseDecimal(priceText, 'price', entry),
        vatRate: department ? String(department.vatRate) : DEFAULT_VAT_RATE,
        declinaisons: [],
      });
    }
    const [idText = '', quantityText = '', titleText = '', priceText = '', ...declinaisonTexts] = entry.split('_');
    const plu = POSITIVE_INT.test(idText) ? this.pluById.get(Number(idText)) : undefined;
    if (!plu) throw new KashRequestError(`Unknown article ${idText}`);
    const declinaisons = declinaisonTexts.filter((text) => text !== '');
    if (declinaisons.length > MAX_DECLINAISONS) throw new KashRequestError(`Too many declinaisons in item ${entry}`);
    if (declinaisons.some((text) => !POSITIVE_INT.test(text))) throw new KashRequestError(`Invalid declinaison in item ${entry}`);
    const quantity = quantityText === '' ? Decimal.parse('1') : parseDecimal(quantityText, 'quantity', entry);
    if (quantity.isZero()) throw new KashRequestError(`Invalid quantity in item ${entry}`);
    return computeLine({
      idArticle: plu.id,
      departmentId: plu.departmentId,
      title: titleText === '' ? plu.title : titleText,
      quantity,
      price: priceText === '' ? Decimal.fromJsonNumber(plu.price) : parseDecimal(priceText, 'price', entry),
      vatRate: String(plu.vatRate),
      declinaisons: declinaisons.map(Number),
    });
  }

  private summary(order: StoredOrder): KashOrder {
    order.summary ??= {
      orderInternalID: order.internalId,
      orderID: order.orderId,
      date: shopDateTime(order.dateMs),
      price: Decimal.parse(order.total).toJsonNumber(),
      VAT: Decimal.parse(order.vat).toJsonNumber(),
      clientID: order.clientId,
      cashBoxID: order.cashBoxId,
      deliveryMethod: order.deliveryMethod,
      isRefund: order.isRefund,
      status: order.status,
      payments: order.payments.map((payment) => ({ paymentModeID: payment.modeId, amount: Decimal.parse(payment.amount).toJsonNumber() })),
      publicComment: order.publicComment,
      privateComment: order.privateComment,
    };
    return order.summary;
  }

  private detail(order: StoredOrder): KashOrderDetail {
    const vatByRate = new Map<string, Decimal>();
    for (const line of order.lines) {
      const rate = Decimal.parse(line.vatRate).normalize().toString();
      vatByRate.set(rate, (vatByRate.get(rate) ?? Decimal.zero).add(Decimal.parse(line.tax)));
    }
    return {
      ...this.summary(order),
      items: order.lines.map((line) => ({
        idArticle: line.idArticle,
        departmentId: line.departmentId,
        title: line.title,
        quantity: Decimal.parse(line.quantity).toJsonNumber(),
        price: Decimal.parse(line.price).toJsonNumber(),
        discount: Decimal.parse(line.discount).toJsonNumber(),
        total: Decimal.parse(line.total).toJsonNumber(),
        vatRate: Decimal.parse(line.vatRate).toJsonNumber(),
        declinaisons: line.declinaisons,
      })),
      VATs: [...vatByRate].map(([rate, amount]) => ({ rate: Decimal.parse(rate).toJsonNumber(), amount: amount.toJsonNumber() })),
      client: order.clientId === null ? null : (this.clientById.get(order.clientId) ?? null),
    };
  }

  /**
   * Fires the shop's webhook as the seed describes, after the sale is answered (the POS does
   * not wait for the receiver): `validated`, then `terminated` once paid.
   */
  private async notify(webhookUrl: string, order: StoredOrder, baseUrl: string): Promise<void> {
    const detail = this.detail(order);
    const types: Array<KashWebhookPayload['type']> = order.status === 'terminated' ? ['validated', 'terminated'] : ['validated'];
    for (const type of types) {
      const payload: KashWebhookPayload = {
        type,
        orderID: detail.orderID,
        orderInternalID: String(detail.orderInternalID),
        price: String(detail.price),
        clientID: detail.clientID === null ? '' : String(detail.clientID),
        customer: JSON.stringify(detail.client),
        cashBoxID: detail.cashBoxID === null ? '' : String(detail.cashBoxID),
        deliveryMethod: String(detail.deliveryMethod),
        // The simulator renders no PDF; the link only has the shape of one.
        PDFinvoice: `${baseUrl}/invoices/${detail.orderInternalID}.pdf`,
        items: JSON.stringify(detail.items),
        VATs: JSON.stringify(detail.VATs),
        VAT: String(detail.VAT),
        isRefund: detail.isRefund ? 'true' : 'false',
      };
      try {
        await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...payload }).toString(),
          signal: AbortSignal.timeout(5_000),
        });
      } catch {
        // A receiver that is down does not undo the sale, and the POS does not retry.
      }
    }
  }
}

/** PHP's $_REQUEST: query and form body together, the body winning for a name it carries. */
function requestParams(request: SimRequest): URLSearchParams {
  const isForm = request.method !== 'GET' && !/json/i.test(String(request.headers['content-type'] ?? ''));
  const body = new URLSearchParams(isForm ? request.body : '');
  const params = new URLSearchParams(body);
  for (const [name, value] of request.query) {
    if (!body.has(name)) params.append(name, value);
  }
  return params;
}

function ok(body: unknown): SimResponse {
  return { status: 200, body, contentType: JSON_TYPE };
}

function tooLarge(amount: Decimal): boolean {
  return (amount.isNegative() ? amount.negate() : amount).compare(MAX_ORDER_AMOUNT) > 0;
}

function splitAtFirstUnderscore(text: string): [string, string | undefined] {
  const index = text.indexOf('_');
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

function parseBoolean(text: string | null, name: string): boolean | undefined {
  if (text === null || text === '') return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new KashRequestError(`Invalid parameter ${name}`);
}

function parseDeliveryMethod(text: string, name: string): number {
  if (!/^[0-6]$/.test(text)) throw new KashRequestError(`Invalid parameter ${name}`);
  return Number(text);
}

function optionalPositiveInt(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  if (!POSITIVE_INT.test(text)) throw new KashRequestError(`Invalid parameter ${name}`);
  return Number(text);
}

function parseDecimal(text: string, what: 'quantity' | 'price', entry: string): Decimal {
  if (!DECIMAL_TEXT.test(text)) throw new KashRequestError(`Invalid ${what} in item ${entry}`);
  return Decimal.parse(text);
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An ISO 8601 bound, inclusive. A time without offset, or a bare day (whole day), is the
 * shop's local time. An unencoded "+01:00" arrives as " 01:00" (a form-encoded "+" is a
 * space), so a space before the offset is read as "+", as PHP's date parser does.
 */
function parseFilterDate(text: string | null, name: string, bound: 'start' | 'end'): number | undefined {
  if (text === null || text === '') return undefined;
  const normalized = text.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  let epochMs = Number.NaN;
  const instant = INSTANT.exec(normalized);
  if (instant) {
    const [, day = '', time = '', offset] = instant;
    if (offset) {
      epochMs = Date.parse(`${day}T${time}${offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset}`);
    } else if (!Number.isNaN(Date.parse(`${day}T${time}Z`))) {
      epochMs = Date.parse(fromLocalDateTime(`${day} ${time.slice(0, 8)}`, KASH_SHOP_TIME_ZONE));
    }
  } else if (DAY.test(normalized) && !Number.isNaN(Date.parse(`${normalized}T00:00:00Z`))) {
    epochMs = Date.parse(fromLocalDateTime(`${normalized} ${bound === 'start' ? '00:00:00' : '23:59:59'}`, KASH_SHOP_TIME_ZONE));
    if (bound === 'end') epochMs += 999;
  }
  if (Number.isNaN(epochMs)) throw new KashRequestError(`Invalid parameter ${name}`);
  return epochMs;
}

/** The shop's UTC offset in minutes, per UTC hour: DST changes fall on whole hours, and Intl is slow per call. */
const shopOffsetByHour = new Map<number, number>();

function shopOffsetMinutes(epochMs: number): number {
  const hourStartMs = Math.floor(epochMs / 3_600_000) * 3_600_000;
  let offset = shopOffsetByHour.get(hourStartMs);
  if (offset === undefined) {
    const local = toLocalDateTime(new Date(hourStartMs), KASH_SHOP_TIME_ZONE).replace(' ', 'T');
    offset = Math.round((Date.parse(`${local}Z`) - hourStartMs) / 60_000);
    shopOffsetByHour.set(hourStartMs, offset);
  }
  return offset;
}

/** An instant in the shop's zone with its offset, as PHP's date('c') prints it. */
function shopDateTime(epochMs: number): string {
  const offsetMinutes = shopOffsetMinutes(epochMs);
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`;
}

function readInlineClient(params: URLSearchParams): Omit<KashClientRecord, 'id'> | undefined {
  const values = new Map<string, string>();
  for (const key of KASH_INLINE_CLIENT_KEYS) {
    const value = params.get(`client[${key}]`);
    if (value !== null && value.trim() !== '') values.set(key, value);
  }
  if (values.size === 0) return undefined;
  const field = (key: string): string | null => values.get(key) ?? null;
  return {
    nom: field('nom'),
    prenom: field('prenom'),
    email: field('email'),
    telephone: field('telephone'),
    adresseligne1: field('adresseligne1'),
    adresseligne2: field('adresseligne2'),
    codepostal: field('codepostal'),
    ville: field('ville'),
    pays: field('pays'),
    numtva: field('numtva'),
    codeBarre: field('codeBarre'),
    loyaltyPoints: 0,
  };
}

/** The dataset's arithmetic (dataset.ts header): total = round2(qty × price); VAT included = round2(total × r / (100 + r)). */
function computeLine(line: {
  idArticle: number | null;
  departmentId: number | null;
  title: string;
  quantity: Decimal;
  price: Decimal;
  vatRate: string;
  declinaisons: number[];
}): StoredLine {
  const total = line.quantity.mul(line.price).round(2);
  const rate = Decimal.parse(line.vatRate);
  return {
    idArticle: line.idArticle,
    departmentId: line.departmentId,
    title: line.title,
    quantity: line.quantity.normalize().toString(),
    price: line.price.normalize().toFixedAtLeast(2),
    discount: '0.00',
    total: total.toFixedAtLeast(2),
    vatRate: rate.normalize().toString(),
    tax: includedTax(total, rate).toFixedAtLeast(2),
    declinaisons: line.declinaisons,
  };
}

function includedTax(gross: Decimal, ratePercent: Decimal): Decimal {
  const numerator = gross.mul(ratePercent);
  const denominator = ratePercent.add(Decimal.parse('100'));
  // Divide exactly to 8 places, then round half away from zero to cents.
  const scaled = numerator.units * 10n ** BigInt(8 + denominator.scale);
  const quotient = scaled / (denominator.units * 10n ** BigInt(numerator.scale));
  return Decimal.of(quotient, 8).round(2);
}

function compareOrders(a: StoredOrder, b: StoredOrder): number {
  return a.dateMs - b.dateMs || a.internalId - b.internalId;
}

function insertSorted(list: StoredOrder[], order: StoredOrder): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareOrders(list[middle]!, order) <= 0) low = middle + 1;
    else high = middle;
  }
  list.splice(low, 0, order);
}

function firstIndexAtOrAfter(list: readonly StoredOrder[], epochMs: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]!.dateMs < epochMs) low = middle + 1;
    else high = middle;
  }
  return low;
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[;"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `;`-separated with a header row, as French spreadsheet exports are. */
function toCsv(rows: readonly object[]): string {
  const columns = rows.length === 0 ? [] : Object.keys(rows[0]!);
  const lines = [columns.join(';')];
  for (const row of rows) lines.push(columns.map((column) => csvCell((row as Record<string, unknown>)[column])).join(';'));
  return `${lines.join('\r\n')}\r\n`;
}

function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function toHtmlTable(rows: readonly object[]): string {
  const columns = rows.length === 0 ? [] : Object.keys(rows[0]!);
  const header = `<tr>${columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${columns.map((column) => `<td>${escapeHtml((row as Record<string, unknown>)[column])}</td>`).join('')}</tr>`);
  return `<table>${header}${body.join('')}</table>`;
}
