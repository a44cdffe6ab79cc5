/**
 * TactillClient against the real simulator on loopback: every call checked against the
 * dataset the simulator renders, paging as a property, every kit fault seen through the
 * client's error classes, and the API key never leaking into an error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  VendorAuthError,
  VendorConnectionError,
  VendorMalformedResponseError,
  VendorNotFoundError,
  VendorRateLimitedError,
  VendorRejectedError,
  VendorTimeoutError,
  VendorUnavailableError,
} from '../../../src/core/errors.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { TactillClient } from '../../../src/vendors/tactill/client.ts';
import { TACTILL_TEST_KEY, TACTILL_TEST_SALES, createTactillSimulator } from '../../../src/vendors/tactill/simulator.ts';
import type { TactillPage } from '../../../src/vendors/tactill/wire.ts';
import { PRODUCTION_KEY, basisPoints, cents, groupBy, productionId, tactillDataset } from './support.ts';

const dataset = tactillDataset();
const taxRate = new Map(dataset.taxes.map((tax) => [tax.id, basisPoints(tax.rate)]));
const categoryName = new Map(dataset.categories.map((category) => [category.id, category.name]));

let main: RunningSimulator;
let client: TactillClient;

function clientFor(simulator: RunningSimulator, apiKey = PRODUCTION_KEY): TactillClient {
  return new TactillClient({ connection: `tactill-${simulator.port}`, baseUrl: `${simulator.url}/v0`, credentials: { apiKey } });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

beforeAll(async () => {
  main = await startSimulator(createTactillSimulator(), { port: 0 });
  client = clientFor(main);
});

afterAll(async () => {
  await main.close();
});

describe('reading the catalog', () => {
  it('walks every product with its prices in cents, reference, barcode, tax and category', async () => {
    const products = await collect(client.iterateProducts({ limit: 100 }));
    expect(products).toHaveLength(dataset.items.length);
    products.forEach((product, index) => {
      const item = dataset.items[index]!;
      expect(product).toMatchObject({
        id: productionId('product', item.id), name: item.name, reference: item.code, barcode: item.barcode, sell_price: cents(item.price),
        buy_price: cents(item.buyPrice), bulk_type: item.soldByWeight ? 'WEIGHT' : null, test: false,
        tax_id: productionId('tax', item.taxId), tax: { rate: taxRate.get(item.taxId) }, category: { name: categoryName.get(item.categoryId) },
      });
    });
  });

  it('gets a product by id, with the awkward prices exact to the cent', async () => {
    expect((await client.getProduct(productionId('product', 1))).sell_price).toBe(10);
    expect((await client.getProduct(productionId('product', 2))).sell_price).toBe(20);
    expect((await client.getProduct(productionId('product', 5))).sell_price).toBe(268);
  });

  it('lists categories and taxes, rates in basis points', async () => {
    const categories = await client.listCategories({ limit: 100 });
    expect(categories.items.map((category) => category.name)).toEqual(dataset.categories.map((category) => category.name));
    expect(categories.next_token).toBeNull();
    expect((await client.getCategory(productionId('category', 2))).name).toBe('Drinks');
    expect((await collect(client.iterateCategories({ limit: 3 }))).length).toBe(dataset.categories.length);

    const taxes = await collect(client.iterateTaxes({ sort: { field: 'rate', direction: 'desc' }, limit: 2 }));
    expect(taxes.map((tax) => tax.rate)).toEqual([2000, 1000, 900, 550]);
    expect((await client.listTaxes({ filter: { rate: { lt: 1000 } } })).total).toBe(2);
    expect((await client.getTax(productionId('tax', 3))).rate).toBe(550);
  });
});

describe('reading customers', () => {
  it('walks every customer with names, contacts, company and address', async () => {
    const customers = await collect(client.iterateCustomers({ limit: 100 }));
    expect(customers).toHaveLength(dataset.customers.length);
    customers.forEach((customer, index) => {
      const expected = dataset.customers[index]!;
      expect(customer).toMatchObject({
        id: productionId('customer', expected.id), first_name: expected.firstName, last_name: expected.lastName, email: expected.email,
        phone: expected.phone, company_name: expected.company, company_vat_number: expected.vatNumber,
        address: { street: expected.street, zip_code: expected.zipCode, city: expected.city, country: expected.country },
      });
    });
  });

  it('gets one customer, and a batch by ids in one call', async () => {
    expect((await client.getCustomer(productionId('customer', 7))).last_name).toBe(dataset.customers[6]!.lastName);
    main.reset();
    const batch = await client.listCustomers({ filter: { id: { in: [productionId('customer', 40), productionId('customer', 3)] } } });
    expect(batch.items.map((customer) => customer.first_name)).toEqual([dataset.customers[2]!.firstName, dataset.customers[39]!.firstName]);
    expect(main.stats().total).toBe(1);
  });
});

describe('reading sales and payments', () => {
  it('lists a week of sales with exact totals, lines and payments', async () => {
    const from = '2026-10-01T00:00:00Z';
    const to = '2026-10-08T00:00:00Z';
    const expected = dataset.sales.filter((sale) => sale.createdAt >= from && sale.createdAt < to);
    const sales = await collect(client.iterateSales({ filter: { opened_at: { gte: from, lt: to } }, limit: 100 }));
    expect(sales.map((sale) => sale.number)).toEqual(expected.map((sale) => sale.id));
    const paymentsBySale = groupBy(dataset.payments, (payment) => payment.saleId);
    sales.forEach((sale, index) => {
      const source = expected[index]!;
      expect(sale).toMatchObject({
        total: cents(source.total), total_tax: cents(source.tax), total_discount: cents(source.discount), total_tax_free: cents(source.total) - cents(source.tax),
        total_rest: 0, customer_id: source.customerId === null ? null : productionId('customer', source.customerId), note: source.note,
        cashbook_id: productionId('cashbook', source.cashbookId), shop_id: productionId('shop', source.locationId),
      });
      expect(sale.lines.map((line) => [line.product_id, line.quantity, line.unit_price, line.discount, line.total, line.total_tax])).toEqual(
        source.lines.map((line) => [productionId('product', line.itemId), Number(line.quantity), cents(line.unitPrice), cents(line.discount), cents(line.total), cents(line.tax)]),
      );
      expect(sale.payments.map((payment) => payment.amount)).toEqual(paymentsBySale.get(source.id)!.map((payment) => cents(payment.amount)));
    });
  });

  it('gets a sale with its customer and cashbook embedded, and its split payments adding up to the total', async () => {
    const paymentsBySale = groupBy(dataset.payments, (payment) => payment.saleId);
    const source = dataset.sales.find((sale) => sale.customerId !== null && paymentsBySale.get(sale.id)!.length === 2)!;
    const sale = await client.getSale(productionId('sale', source.id));
    expect(sale.customer?.id).toBe(productionId('customer', source.customerId!));
    expect(sale.cashbook?.id).toBe(productionId('cashbook', source.cashbookId));
    expect(sale.payments).toHaveLength(2);
    expect(sale.payments[0]!.amount + sale.payments[1]!.amount).toBe(sale.total);
    expect(sale.payments[0]!.total_tax + sale.payments[1]!.total_tax).toBe(sale.total_tax);
  });

  it('fetches 100 sales by id, and all their payments by sale_id, in one call each', async () => {
    const saleNumbers = Array.from({ length: 100 }, (_, i) => 1 + i * 37);
    main.reset();
    const sales = await client.listSales({ filter: { id: { in: saleNumbers.map((n) => productionId('sale', n)) } }, limit: 100 });
    expect(sales.items.map((sale) => sale.number)).toEqual(saleNumbers);
    expect(sales.next_token).toBeNull();
    const wanted = new Set(saleNumbers);
    const expectedPayments = dataset.payments.filter((payment) => wanted.has(payment.saleId));
    const payments = await collect(client.iteratePayments({ sale_id: { in: saleNumbers.map((n) => productionId('sale', n)) }, limit: 100 }));
    expect(payments.map((payment) => payment.number)).toEqual(expectedPayments.map((payment) => payment.id));
    expect(main.stats().byRoute['POST /v0/sales/request']).toBe(1);
    expect(main.stats().byRoute['POST /v0/payments/request']).toBe(Math.ceil(expectedPayments.length / 100));
  });

  it('walks every payment; refunds are OUT and negative, and the cents add up to the sales', async () => {
    const payments = await collect(client.iteratePayments({ limit: 100 }));
    expect(payments).toHaveLength(dataset.payments.length);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(payments.map((payment) => payment.amount))).toBe(sum(dataset.sales.map((sale) => cents(sale.total))));
    expect(payments.every((payment) => (payment.amount < 0) === (payment.type === 'OUT'))).toBe(true);
    const refund = dataset.payments.find((payment) => payment.amount.startsWith('-'))!;
    expect(await client.getPayment(productionId('payment', refund.id))).toMatchObject({ type: 'OUT', amount: cents(refund.amount), payment_method_type: 'CASH' });
  });
});

describe('reading cashbooks', () => {
  it('walks every cashbook with its state, counters and cash counts', async () => {
    const cashbooks = await collect(client.iterateCashbooks({ limit: 100 }));
    expect(cashbooks).toHaveLength(dataset.cashbooks.length);
    const salesPerCashbook = groupBy(dataset.sales, (sale) => sale.cashbookId);
    cashbooks.forEach((cashbook, index) => {
      const source = dataset.cashbooks[index]!;
      const sales = salesPerCashbook.get(source.id) ?? [];
      expect(cashbook).toMatchObject({
        number: source.number, state: source.state, shop_id: productionId('shop', source.locationId), sales_count: sales.length,
        total: sales.reduce((sum, sale) => sum + cents(sale.total), 0), opening_cash_fund: [{ amount: cents(source.openingAmount) }],
        total_expected: source.closingAmount === null ? null : cents(source.closingAmount), closed_at: source.closedAt === null ? null : new Date(source.closedAt).toISOString(),
      });
    });
  });

  it('finds the open sessions with a top-level state filter and gets one by id', async () => {
    const open = await client.listCashbooks({ state: { eq: 'OPEN' }, sort: { field: 'number', direction: 'asc' } });
    expect(open.items.map((cashbook) => cashbook.number)).toEqual(dataset.cashbooks.filter((cashbook) => cashbook.state === 'OPEN').map((cashbook) => cashbook.number));
    expect((await client.getCashbook(open.items[0]!.id)).state).toBe('OPEN');
  });
});

describe('test and production keys', () => {
  it('reads the separate test dataset with the test key, and nothing of production', async () => {
    const testClient = clientFor(main, TACTILL_TEST_KEY);
    const sales = await testClient.listSales({ limit: 5 });
    expect(sales.total).toBe(TACTILL_TEST_SALES);
    expect(sales.items.every((sale) => sale.test)).toBe(true);
    const error = await failure(testClient.getSale(productionId('sale', 1)));
    expect(error).toBeInstanceOf(VendorNotFoundError);
    expect(error).toMatchObject({ status: 404, vendorMessage: 'Sale not found', vendor: 'tactill' });
  });

  it('reports the rate-limit quota the last call announced', async () => {
    await client.listTaxes();
    const quota = client.rateLimit!;
    expect(quota.limit).toBe(3000);
    await client.getTax(productionId('tax', 1));
    expect(client.rateLimit).toEqual(quota);
    await client.listTaxes();
    expect(client.rateLimit?.remaining).toBe(quota.remaining - 1);
  });
});

describe('writing', () => {
  let writable: RunningSimulator;
  let writer: TactillClient;
  const small = tactillDataset(60);
  const openCashbook = small.cashbooks.find((cashbook) => cashbook.state === 'OPEN' && cashbook.locationId === 2)!;

  beforeAll(async () => {
    writable = await startSimulator(createTactillSimulator({ sales: 60 }), { port: 0 });
    writer = clientFor(writable);
  });

  afterAll(async () => {
    await writable.close();
  });

  it('creates, patches and deletes a product', async () => {
    const created = await writer.createProduct({ name: 'Cold brew', buy_price: 120, sell_price: 350, category: productionId('category', 9), tax: { id: productionId('tax', 2) }, barcode: '2000000000015' });
    expect(created).toMatchObject({ name: 'Cold brew', sell_price: 350, barcode: '2000000000015', category: { name: 'Coffee' }, tax: { rate: 1000 } });
    const patched = await writer.patchProduct({ id: created.id, sell_price: 375, reference: 'CB-1' });
    expect(patched).toMatchObject({ sell_price: 375, reference: 'CB-1', name: 'Cold brew' });
    expect((await writer.listProducts({ filter: { reference: { eq: 'CB-1' } } })).items.map((product) => product.id)).toEqual([created.id]);
    expect(await writer.deleteProduct(created.id)).toMatchObject({ id: created.id, sell_price: 375 });
    expect(await failure(writer.getProduct(created.id))).toBeInstanceOf(VendorNotFoundError);
  });

  it('creates, patches and deletes a customer', async () => {
    const created = await writer.createCustomer({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: { city: 'London' } });
    const patched = await writer.patchCustomer({ id: created.id, phone: '+44123', address: { zip_code: 'N1' } });
    expect(patched).toMatchObject({ first_name: 'Ada', phone: '+44123', address: { city: 'London', zip_code: 'N1' } });
    expect(await writer.getCustomer(created.id)).toEqual(patched);
    expect((await writer.deleteCustomer(created.id)).id).toBe(created.id);
  });

  it('creates, patches and deletes categories and taxes, and refuses to delete ones in use with 403', async () => {
    const category = await writer.createCategory({ name: 'Seasonal' });
    expect((await writer.patchCategory({ id: category.id, color: 'RED' })).color).toBe('RED');
    const tax = await writer.createTax({ rate: 2100 });
    expect((await writer.patchTax({ id: tax.id, rate: 2200 })).rate).toBe(2200);
    const product = await writer.createProduct({ name: 'Pumpkin', buy_price: 1, sell_price: 2, category: category.id, tax: tax.id });

    const refused = await failure(writer.deleteCategory(category.id));
    expect(refused).toBeInstanceOf(VendorRejectedError);
    expect(refused).toMatchObject({ status: 403, vendorMessage: 'Cannot delete a category that contains products' });
    expect(await failure(writer.deleteTax(tax.id))).toMatchObject({ status: 403, vendorMessage: 'Cannot delete a tax that is used by products' });

    await writer.deleteProduct(product.id);
    expect((await writer.deleteCategory(category.id)).name).toBe('Seasonal');
    expect((await writer.deleteTax(tax.id)).rate).toBe(2200);
  });

  it('creates a sale whose tenders become payments, finds it again by original_id, and adds a payment later', async () => {
    const sale = await writer.createSale({
      original_id: 'posgraph:req-42', shop_id: productionId('shop', 2), source_id: 'posgraph', source_name: 'posgraph gateway',
      cashbook_id: productionId('cashbook', openCashbook.id), customer_id: productionId('customer', 5), state: 'AVAILABLE', refund_status: 'NONE',
      refunded_status: 'NONE', payment_status: 'PARTIAL', opened_at: '2026-11-20T15:00:00Z',
      lines: [{ product_id: productionId('product', 3), name: 'Whole Cake slice 3', quantity: 3, unit_price: 30, total: 90, tax_rate: 1000 }],
      payments: [{ payment_method_id: productionId('payment_method', 1), payment_method_type: 'CASH', amount: 50 }],
      total: 90, total_discount: 0, total_tax_free: 82, total_tax: 8, total_rest: 40,
    });
    expect(sale).toMatchObject({ original_id: 'posgraph:req-42', number: 61, test: false, customer: { id: productionId('customer', 5) }, cashbook: { state: 'OPEN' } });
    expect(sale.payments).toEqual([expect.objectContaining({ amount: 50, state: 'VALID', type: 'IN', number: small.payments.length + 1, sale_id: sale.id })]);

    const found = await writer.listSales({ filter: { original_id: { eq: 'posgraph:req-42' } } });
    expect(found.items.map((candidate) => candidate.id)).toEqual([sale.id]);

    const paid = await writer.patchSale({
      id: sale.id, state: 'CLOSED', payment_status: 'FULL', total_rest: 0, closed_at: '2026-11-20T15:10:00Z',
      payments: [{ payment_method_id: productionId('payment_method', 2), payment_method_type: 'CARD', amount: 40 }],
    });
    expect(paid.payments.map((payment) => [payment.amount, payment.payment_method_name, payment.number])).toEqual([[50, 'Cash', small.payments.length + 1], [40, 'Card', small.payments.length + 2]]);
    expect(await writer.getSale(sale.id)).toEqual(paid);
    expect((await writer.getPayment(paid.payments[1]!.id)).sale_id).toBe(sale.id);
  });

  it('opens, closes and deletes a cashbook', async () => {
    const opened = await writer.createCashbook({
      shop_id: productionId('shop', 3), source_id: 'till-3b', source_name: 'Second till', number: 1000, state: 'OPEN', opened_at: '2026-11-20T08:00:00Z',
      opening_cash_fund: [{ payment_method_id: productionId('payment_method', 1), amount: 10000 }],
    });
    expect(opened).toMatchObject({ state: 'OPEN', test: false, opening_cash_fund: [{ amount: 10000 }] });
    const closed = await writer.updateCashbook({
      id: opened.id, state: 'CLOSED', closed_at: '2026-11-20T20:00:00Z', total_expected: 10000, total_difference: 0, closing_seller_id: 'seller-1',
      closing_cash_fund: [{ payment_method_id: productionId('payment_method', 1), amount: 10000 }],
    });
    expect(closed).toMatchObject({ state: 'CLOSED', closed_at: '2026-11-20T20:00:00.000Z', closing_seller_id: 'seller-1' });
    expect((await writer.listCashbooks({ source_id: { eq: 'till-3b' } })).items).toEqual([closed]);
    expect(await writer.deleteCashbook(opened.id)).toEqual({ id: opened.id, success: true });
  });

  it('reports a refused write as VendorRejectedError with the vendor\'s message, and an unknown id as VendorNotFoundError', async () => {
    const rejected = await failure(writer.createSale({
      shop_id: productionId('shop', 2), source_id: 'posgraph', source_name: 'posgraph', state: 'CLOSED', refund_status: 'NONE', refunded_status: 'NONE',
      payment_status: 'FULL', opened_at: '2026-11-20T15:00:00Z', total: 100, total_discount: 0, total_tax_free: 80, total_tax: 10, total_rest: 0,
    }));
    expect(rejected).toBeInstanceOf(VendorRejectedError);
    expect(rejected).toMatchObject({ status: 400, vendorMessage: 'total: must equal total_tax_free + total_tax', code: 'VENDOR_REJECTED', retryable: false });
    expect(await failure(writer.updateCashbook({ id: 'nope', note: 'x' }))).toMatchObject({ status: 404, vendorMessage: 'Cashbook not found' });
    expect(await failure(writer.patchCustomer({ id: 'nope' }))).toBeInstanceOf(VendorNotFoundError);
  });
});

describe('paging returns every record exactly once, for any page size and sort', () => {
  const SALES = 300;
  const pagedData = tactillDataset(SALES);
  let paged: RunningSimulator;
  let pager: TactillClient;

  beforeAll(async () => {
    paged = await startSimulator(createTactillSimulator({ sales: SALES, rateLimit: { limit: 1_000_000, windowMs: 60_000 } }), { port: 0 });
    pager = clientFor(paged);
  });

  afterAll(async () => {
    await paged.close();
  });

  /** Pages with the one-page call, checking that `total` holds on every page. */
  async function pageAll<T extends { id: string }>(fetchPage: (nextToken: string | undefined) => Promise<TactillPage<T>>): Promise<T[]> {
    const all: T[] = [];
    let token: string | undefined;
    let total: number | undefined;
    do {
      const page = await fetchPage(token);
      total ??= page.total;
      expect(page.total).toBe(total);
      all.push(...page.items);
      token = page.next_token ?? undefined;
    } while (token !== undefined);
    expect(all).toHaveLength(total);
    return all;
  }

  function expectExactlyOnce(ids: string[], expected: string[]): void {
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected].sort());
  }

  const direction = fc.constantFrom('asc' as const, 'desc' as const);
  const ids = (kind: Parameters<typeof productionId>[0], count: number) => Array.from({ length: count }, (_, i) => productionId(kind, i + 1));

  it('holds for products, sorted by any field', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 25, max: 100 }), fc.constantFrom('category_id', 'sell_price', 'name' as const), direction, async (limit, field, dir) => {
      const all = await pageAll((next_token) => pager.listProducts({ limit, next_token, sort: { field, direction: dir } }));
      expectExactlyOnce(all.map((product) => product.id), ids('product', pagedData.items.length));
    }), { numRuns: 15 });
  });

  it('holds for customers', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 8, max: 100 }), fc.constantFrom('last_name', 'email', 'created_at' as const), direction, async (limit, field, dir) => {
      const all = await pageAll((next_token) => pager.listCustomers({ limit, next_token, sort: { field, direction: dir } }));
      expectExactlyOnce(all.map((customer) => customer.id), ids('customer', pagedData.customers.length));
    }), { numRuns: 15 });
  });

  it('holds for sales, in the requested order', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 8, max: 100 }), fc.constantFrom('customer_id', 'total', 'opened_at' as const), direction, async (limit, field, dir) => {
      const all = await pageAll((next_token) => pager.listSales({ limit, next_token, sort: [{ field, direction: dir }] }));
      expectExactlyOnce(all.map((sale) => sale.id), ids('sale', SALES));
      const values = all.map((sale) => sale[field]);
      const ordered = [...values].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
      expect(values).toEqual(dir === 'asc' ? ordered : ordered.reverse());
    }), { numRuns: 15 });
  });

  it('holds for payments', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 8, max: 100 }), fc.constantFrom('amount', 'payment_method_type', 'date' as const), direction, async (limit, field, dir) => {
      const all = await pageAll((next_token) => pager.listPayments({ limit, next_token, sort: [{ field, direction: dir }] }));
      expectExactlyOnce(all.map((payment) => payment.id), ids('payment', pagedData.payments.length));
    }), { numRuns: 15 });
  });

  it('holds for cashbooks', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 8, max: 100 }), fc.constantFrom('state', 'total', 'closed_at' as const), direction, async (limit, field, dir) => {
      const all = await pageAll((next_token) => pager.listCashbooks({ limit, next_token, sort: { field, direction: dir } }));
      expectExactlyOnce(all.map((cashbook) => cashbook.id), ids('cashbook', pagedData.cashbooks.length));
    }), { numRuns: 15 });
  });

  it('holds for categories and taxes', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 12 }), direction, async (limit, dir) => {
      const categories = await pageAll((next_token) => pager.listCategories({ limit, next_token, sort: { field: 'name', direction: dir } }));
      expectExactlyOnce(categories.map((category) => category.id), ids('category', pagedData.categories.length));
      const taxes = await pageAll((next_token) => pager.listTaxes({ limit, next_token, sort: { field: 'rate', direction: dir } }));
      expectExactlyOnce(taxes.map((tax) => tax.id), ids('tax', pagedData.taxes.length));
    }), { numRuns: 15 });
  });

  it('holds for a filtered walk over one shop\'s sales while a sale is created mid-walk', async () => {
    const shop = productionId('shop', 1);
    const expected = pagedData.sales.filter((sale) => sale.locationId === 1).map((sale) => productionId('sale', sale.id));
    const seen: string[] = [];
    let created: string | undefined;
    for await (const sale of pager.iterateSales({ filter: { shop_id: { eq: shop } }, sort: [{ field: 'opened_at', direction: 'asc' }], limit: 25 })) {
      seen.push(sale.id);
      if (seen.length === 30) {
        created = (await pager.createSale({
          shop_id: shop, source_id: 'posgraph', source_name: 'posgraph', state: 'CLOSED', refund_status: 'NONE', refunded_status: 'NONE', payment_status: 'FULL',
          opened_at: '2030-01-01T00:00:00Z', total: 0, total_discount: 0, total_tax_free: 0, total_tax: 0, total_rest: 0,
        })).id;
      }
    }
    expectExactlyOnce(seen, [...expected, created!]);
  });
});

describe('kit faults, seen through the client', () => {
  let faulty: RunningSimulator;
  let target: TactillClient;

  beforeAll(async () => {
    faulty = await startSimulator(createTactillSimulator({ sales: 50 }), { port: 0 });
    target = clientFor(faulty);
  });

  afterEach(() => {
    faulty.reset();
  });

  afterAll(async () => {
    await faulty.close();
  });

  it('latency: a call aborted by its signal is a VendorTimeoutError', async () => {
    faulty.addFault({ latencyMs: 2_000 });
    const error = await failure(target.listSales({}, { signal: AbortSignal.timeout(50) }));
    expect(error).toBeInstanceOf(VendorTimeoutError);
  });

  it.each([
    [500, 'VendorUnavailableError', VendorUnavailableError],
    [503, 'VendorUnavailableError', VendorUnavailableError],
    [400, 'VendorRejectedError', VendorRejectedError],
    [403, 'VendorRejectedError', VendorRejectedError],
    [404, 'VendorNotFoundError', VendorNotFoundError],
    [401, 'VendorAuthError', VendorAuthError],
  ] as const)('errorRate 1 with status %i: a %s carrying the vendor message, after one request', async (status, _name, errorClass) => {
    faulty.addFault({ errorRate: 1, errorStatus: status });
    const error = await failure(target.getSale(productionId('sale', 1)));
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, vendorMessage: 'Injected failure', vendor: 'tactill' });
    expect(faulty.stats().total).toBe(1);
  });

  it('rateLimitBurst: a VendorRateLimitedError whose retryAfterMs comes from X-RateLimit-Retry-After', async () => {
    faulty.addFault({ rateLimitBurst: 1, rateLimitResetSeconds: 30 });
    const error = await failure(target.listPayments());
    expect(error).toBeInstanceOf(VendorRateLimitedError);
    const { retryAfterMs } = error as VendorRateLimitedError;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(error).toMatchObject({ status: 429, vendorMessage: 'Rate limit exceeded', retryable: true });
    expect((await target.listPayments()).items.length).toBeGreaterThan(0);
  });

  it('the real sandbox limit: a VendorRateLimitedError with the time left in the window', async () => {
    const limited = await startSimulator(createTactillSimulator({ sales: 20, rateLimit: { limit: 1, windowMs: 120_000 } }), { port: 0 });
    try {
      const limitedClient = clientFor(limited);
      await limitedClient.listSales();
      const error = await failure(limitedClient.listSales());
      expect(error).toBeInstanceOf(VendorRateLimitedError);
      expect((error as VendorRateLimitedError).retryAfterMs).toBeLessThanOrEqual(120_000);
      expect(limitedClient.rateLimit).toEqual({ limit: 1, remaining: 0 });
      expect((await limitedClient.getSale(productionId('sale', 1))).number).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it('expireTokens: a static API key does not expire, so calls keep working with no extra request', async () => {
    await target.listSales({ limit: 1 });
    faulty.reset();
    faulty.addFault({ expireTokens: true });
    expect((await target.listSales({ limit: 1 })).items).toHaveLength(1);
    expect(faulty.stats()).toMatchObject({ total: 1, byRoute: { 'POST /v0/sales/request': 1 } });
  });

  it('malformed "invalid": a VendorMalformedResponseError', async () => {
    faulty.addFault({ malformed: 'invalid' });
    expect(await failure(target.getSale(productionId('sale', 2)))).toBeInstanceOf(VendorMalformedResponseError);
  });

  it('malformed "truncated": a VendorConnectionError or VendorMalformedResponseError', async () => {
    faulty.addFault({ malformed: 'truncated' });
    const error = await failure(target.listSales({ limit: 10 }));
    expect(error instanceof VendorConnectionError || error instanceof VendorMalformedResponseError).toBe(true);
  });

  it('resetConnection: a VendorConnectionError', async () => {
    faulty.addFault({ resetConnection: true });
    expect(await failure(target.listCustomers())).toBeInstanceOf(VendorConnectionError);
  });

  it('a body that breaks the documented shape is a VendorMalformedResponseError naming the field', async () => {
    const server: Server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ items: 'none', next_token: null, total: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const odd = new TactillClient({ connection: 'odd', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v0`, credentials: { apiKey: PRODUCTION_KEY } });
      const error = await failure(odd.listSales());
      expect(error).toBeInstanceOf(VendorMalformedResponseError);
      expect((error as VendorMalformedResponseError).vendorMessage).toMatch(/^unexpected POST \/sales\/request response: items: /);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('authentication', () => {
  it('sends the key with every call and needs no login: concurrent first calls are exactly their own requests', async () => {
    const fresh = clientFor(main);
    main.reset();
    await Promise.all(Array.from({ length: 8 }, (_, i) => fresh.getSale(productionId('sale', i + 1))));
    const stats = main.stats();
    expect(stats.total).toBe(8);
    expect(Object.keys(stats.byRoute).every((route) => route.startsWith('GET /v0/sales/'))).toBe(true);
  });

  it('fails with VendorAuthError on a refused key, once, without retrying', async () => {
    const revocable = await startSimulator(createTactillSimulator({ sales: 20 }), { port: 0 });
    try {
      const victim = clientFor(revocable);
      expect((await victim.listSales({ limit: 1 })).items).toHaveLength(1);
      (revocable.simulator as ReturnType<typeof createTactillSimulator>).revokeApiKey(PRODUCTION_KEY);
      revocable.reset();
      const error = await failure(victim.listSales({ limit: 1 }));
      expect(error).toBeInstanceOf(VendorAuthError);
      expect(error).toMatchObject({ status: 401, vendorMessage: 'Invalid API key', code: 'VENDOR_AUTH_FAILED' });
      expect(revocable.stats().total).toBe(1);
    } finally {
      await revocable.close();
    }
  });

  it('never puts the API key in an error, whatever failed', async () => {
    const secretKey = 'v5_top_secret_organization_key';
    const errors = [
      await failure(clientFor(main, secretKey).listSales()),
      await failure(client.getSale('missing')),
      await failure(client.listSales({ limit: 500 })),
      await failure(new TactillClient({ connection: 'down', baseUrl: 'http://127.0.0.1:9/v0', credentials: { apiKey: secretKey } }).listSales()),
    ];
    expect(errors[0]).toBeInstanceOf(VendorAuthError);
    expect(errors[3]).toBeInstanceOf(VendorConnectionError);
    for (const error of errors) {
      for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? '']) {
        expect(text).not.toContain('top_secret_organization_key');
        expect(text).not.toContain('demo_production_key');
      }
    }
  });
});
