/**
 * The Tactill simulator over raw HTTP, as a third party would call it: the seed document's
 * request examples replayed, the list language (filters, operators, sort, paging), the two
 * key modes, the rate-limit headers, and every refusal with its status and message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { TACTILL_TEST_KEY, TACTILL_TEST_SALES, createTactillSimulator } from '../../../src/vendors/tactill/simulator.ts';
import { cents, productionId, raw, tactillDataset, type RawAnswer } from './support.ts';

const SALES = 300;
const dataset = tactillDataset(SALES);
const openCashbook = dataset.cashbooks.find((cashbook) => cashbook.state === 'OPEN' && cashbook.locationId === 1)!;
const closedCashbook = dataset.cashbooks.find((cashbook) => cashbook.state === 'CLOSED' && cashbook.locationId === 1)!;
const SHOP_1 = productionId('shop', 1);

let running: RunningSimulator;
let api: string;
const call = (method: string, path: string, body?: unknown, apiKey?: string | null): Promise<RawAnswer> => raw(api, method, path, body, apiKey);
const total = async (resource: string, body: unknown = {}): Promise<number> => (await call('POST', `/${resource}/request`, body)).json.total;

beforeAll(async () => {
  running = await startSimulator(createTactillSimulator({ sales: SALES }), { port: 0 });
  api = `${running.url}/v0`;
});

afterAll(async () => {
  await running.close();
});

function expectError(answer: RawAnswer, status: number, message: string | RegExp): void {
  expect(answer.status).toBe(status);
  expect(answer.json).toEqual({ status_code: status, error: expect.any(String), message: typeof message === 'string' ? message : expect.stringMatching(message) });
}

describe('authentication with X-Api-Key (seed "Authentication", "Environment Management")', () => {
  it('refuses a call without a key with 401 and the error envelope', async () => {
    const answer = await call('POST', '/sales/request', {}, null);
    expect(answer.json).toEqual({ status_code: 401, error: 'Unauthorized', message: 'Missing API key' });
    expect(answer.status).toBe(401);
  });

  it('refuses an unknown key with 401', async () => {
    expectError(await call('GET', `/sales/${productionId('sale', 1)}`, undefined, 'v5_not_a_key'), 401, 'Invalid API key');
    expectError(await call('GET', `/sales/${productionId('sale', 1)}`, undefined, 'demo_production_key'), 401, 'Invalid API key');
  });

  it('gives the production key the main dataset and the test key its own small one', async () => {
    const production = await call('POST', '/sales/request', { limit: 100 });
    expect(production.json.total).toBe(SALES);
    expect(production.json.items.every((sale: { test: boolean }) => sale.test === false)).toBe(true);

    const test = await call('POST', '/sales/request', { limit: 100 }, TACTILL_TEST_KEY);
    expect(test.json.total).toBe(TACTILL_TEST_SALES);
    expect(test.json.items.every((sale: { test: boolean }) => sale.test === true)).toBe(true);
    expect(test.json.items[0].id).not.toBe(production.json.items[0].id);
  });

  it('never lets data cross between the two modes', async () => {
    expectError(await call('GET', `/sales/${productionId('sale', 1)}`, undefined, TACTILL_TEST_KEY), 404, 'Sale not found');
    const customersBefore = await total('customers');
    const created = await call('POST', '/customers', { first_name: 'Only', last_name: 'InTest' }, TACTILL_TEST_KEY);
    expect(created.status).toBe(201);
    expect(created.json.test).toBe(true);
    expectError(await call('GET', `/customers/${created.json.id}`), 404, 'Customer not found');
    expect(await total('customers')).toBe(customersBefore);
  });

  it('answers paths outside /v0 with 404, before looking at the key', async () => {
    expectError(await raw(running.url, 'POST', '/sales/request', {}), 404, 'Cannot POST /sales/request');
    expectError(await raw(running.url, 'GET', '/', undefined, null), 404, 'Cannot GET /');
  });
});

describe('the seed document request examples, replayed', () => {
  // The seed renders nested objects collapsed (`"category": {}`); where a sample names ids
  // that do not exist here (`prod_123`, `shop_ba19…`), it is replayed once verbatim (and
  // refused as the simulator would refuse any unknown id) and once with dataset ids.

  it('creates a product (seed "Create a product")', async () => {
    const sample = { name: 'Blue shorts', buy_price: 1000, sell_price: 1200, category: {}, tax: {}, tags: [], options: [], custom_fields: [] };
    expectError(await call('POST', '/products', sample), 400, 'category: must be an id, or an object with an id or a name');

    const answer = await call('POST', '/products', { ...sample, category: { id: productionId('category', 2) }, tax: { id: productionId('tax', 1) } });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      name: 'Blue shorts', buy_price: 1000, sell_price: 1200, test: false, category_id: productionId('category', 2), tax_id: productionId('tax', 1),
      tax: { rate: 2000 }, category: { name: 'Drinks' }, tags: [], options: [], custom_fields: [],
    });
    expect((await call('GET', `/products/${answer.json.id}`)).json).toEqual(answer.json);
  });

  it('patches a product (seed "Patch a product")', async () => {
    const sample = {
      id: 'prod_123', name: 'Updated Blue Shorts', buy_price: 1100, sell_price: 1300, barcode: '1234567890123', reference: 'REF-001',
      category_id: 'ea9f3f98-6f35-41e3-8c47-92fc313be733', tax_id: 'dcc2a3cf-7357-40ab-8a3b-adc43d93afb0',
    };
    expectError(await call('PATCH', '/products', sample), 404, 'Product not found');
    const answer = await call('PATCH', '/products', { ...sample, id: productionId('product', 20), category_id: productionId('category', 3), tax_id: productionId('tax', 2) });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: productionId('product', 20), name: 'Updated Blue Shorts', sell_price: 1300, buy_price: 1100, barcode: '1234567890123', reference: 'REF-001', tax: { rate: 1000 } });
  });

  it('requests products (seed "Request products")', async () => {
    const answer = await call('POST', '/products/request', { input: {} });
    expect(answer.status).toBe(200);
    expect(answer.json.items).toHaveLength(20);
    expect(answer.json.total).toBeGreaterThanOrEqual(dataset.items.length);
    expect(typeof answer.json.next_token).toBe('string');
  });

  it('gets and deletes a product by id (seed "Get a product by ID", "Delete a product by ID")', async () => {
    expectError(await call('GET', '/products/cb75a73d-0c3b-4b38-8064-56b6ec77c10d'), 404, 'Product not found');
    expectError(await call('DELETE', '/products/cb75a73d-0c3b-4b38-8064-56b6ec77c10d'), 404, 'Product not found');
    const id = productionId('product', 999);
    const deleted = await call('DELETE', `/products/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ id, reference: 'SKU-00999', sell_price: cents(dataset.items[998]!.price) });
    expect(deleted.json).not.toHaveProperty('tax');
    expectError(await call('GET', `/products/${id}`), 404, 'Product not found');
  });

  it('creates, patches, gets and deletes a customer (seed §Customer)', async () => {
    const sample = {
      original_id: '4r5Ty67', first_name: 'John', last_name: 'Doe', email: 'john.doe@example.com', phone: '+33123456789', phone_code: '+33',
      company_name: 'Acme Corp', color: 'BLUE', icon_text: 'JD', address: {}, note: 'VIP customer', fidelity_card_number: 'FIDELITY123', custom_fields: [],
    };
    const created = await call('POST', '/customers', sample);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      original_id: '4r5Ty67', first_name: 'John', last_name: 'Doe', email: 'john.doe@example.com', phone: '+33123456789', company_name: 'Acme Corp',
      color: 'BLUE', icon_text: 'JD', address: {}, note: 'VIP customer', fidelity_card_number: 'FIDELITY123', test: false, custom_fields: [],
    });

    const patch = { id: 'cust_123', first_name: 'John', last_name: 'Doe', email: 'john.doe@example.com', phone: '+1234567890', address: {}, company_name: 'ACME Corp', company_vat_number: 'VAT123456789' };
    expectError(await call('PATCH', '/customers', patch), 404, 'Customer not found');
    const patched = await call('PATCH', '/customers', { ...patch, id: created.json.id });
    expect(patched.json).toMatchObject({ id: created.json.id, phone: '+1234567890', company_name: 'ACME Corp', company_vat_number: 'VAT123456789', note: 'VIP customer' });

    expectError(await call('GET', '/customers/c123'), 404, 'Customer not found');
    expect((await call('GET', `/customers/${created.json.id}`)).json).toEqual(patched.json);
    const deleted = await call('DELETE', `/customers/${created.json.id}`);
    expect(deleted.json).toMatchObject({ id: created.json.id, first_name: 'John' });
    expect(deleted.json).not.toHaveProperty('custom_fields');
  });

  it('requests customers, refusing the sample\'s placeholder next_token (seed "Request customers")', async () => {
    const sample = { filter: {}, sort: {}, limit: 20, next_token: 'eyJpZCI6IjEyMyJ9' };
    expectError(await call('POST', '/customers/request', sample), 400, 'Invalid next_token');
    const { next_token: _placeholder, ...firstPage } = sample;
    const answer = await call('POST', '/customers/request', firstPage);
    expect(answer.json.items).toHaveLength(20);
    expect(answer.json.total).toBeGreaterThanOrEqual(dataset.customers.length);
  });

  it('creates a category with a chosen id, patches, lists and deletes it (seed §Category)', async () => {
    const created = await call('POST', '/categories', {
      id: 'cat_123', created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-02T00:00:00Z', name: 'Beverages', color: '#FF0000', icon_text: '🍹', custom_fields: [],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'cat_123', name: 'Beverages', color: '#FF0000', icon_text: '🍹', created_at: '2024-01-01T00:00:00.000Z', test: false });
    expectError(await call('POST', '/categories', { id: 'cat_123', name: 'Again' }), 409, 'Category cat_123 already exists');

    const patched = await call('PATCH', '/categories', { id: 'cat_123', name: 'Updated Beverages', color: '#FF0000', icon_text: '🍹' });
    expect(patched.json).toMatchObject({ id: 'cat_123', name: 'Updated Beverages' });

    expectError(await call('POST', '/categories/request', { filter: {}, sort: {}, limit: 20, next_token: 'eyJpZCI6IjEyMyJ9' }), 400, 'Invalid next_token');
    const listed = await call('POST', '/categories/request', { filter: { name: { eq: 'Updated Beverages' } }, sort: {}, limit: 20 });
    expect(listed.json.items.map((category: { id: string }) => category.id)).toEqual(['cat_123']);

    expectError(await call('GET', '/categories/c123'), 404, 'Category not found');
    const deleted = await call('DELETE', '/categories/cat_123');
    expect(deleted.json).toMatchObject({ id: 'cat_123', name: 'Updated Beverages' });
    expect(deleted.json).not.toHaveProperty('custom_fields');
  });

  it('creates, patches, gets and deletes a tax (seed §Tax)', async () => {
    const created = await call('POST', '/taxes', { rate: 1900 });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ rate: 1900, test: false });
    expectError(await call('PATCH', '/taxes', { id: 'tax_123', rate: 2100 }), 404, 'Tax not found');
    expect((await call('PATCH', '/taxes', { id: created.json.id, rate: 2100 })).json).toMatchObject({ id: created.json.id, rate: 2100 });
    expect((await call('GET', `/taxes/${created.json.id}`)).json.rate).toBe(2100);
    expect((await call('DELETE', `/taxes/${created.json.id}`)).json).toMatchObject({ id: created.json.id, rate: 2100 });
    expectError(await call('GET', '/taxes/123e4567-e89b-12d3-a456-426614174000'), 404, 'Tax not found');
  });

  it('opens, closes, lists and deletes a cashbook (seed §Cashbook)', async () => {
    const sample = {
      shop_id: 'shop_ba19240a-0442-4bd9-8c15-01b8409e1346', source_id: 'pos_terminal_001', source_name: 'Main Register', number: 1, state: 'OPEN',
      total: 0, total_tax_free: 0, min_sale_number: 1001, max_sale_number: 1000, sales_count: 0, min_payment_number: 2001, max_payment_number: 2000,
      payments_count: 0, opened_at: '2023-01-01T09:00:00Z', closed_at: '2023-01-01T18:00:00Z', note: 'Starting new shift',
      opening_seller_id: 'seller_ba19240a-0442-4bd9-8c15-01b8409e1346', closing_seller_id: 'seller_ba19240a-0442-4bd9-8c15-01b8409e1346',
      total_expected: 15000, total_difference: 0, movements: [], opening_cash_fund: [], closing_cash_fund: [], custom_fields: [],
    };
    expectError(await call('POST', '/cashbooks', sample), 400, 'shop_id: shop shop_ba19240a-0442-4bd9-8c15-01b8409e1346 does not exist');
    const opened = await call('POST', '/cashbooks', { ...sample, shop_id: SHOP_1 });
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ shop_id: SHOP_1, state: 'OPEN', number: 1, min_sale_number: 1001, total_expected: 15000, note: 'Starting new shift', opened_at: '2023-01-01T09:00:00.000Z' });

    const update = {
      id: '0dd7eeee-3f87-4bd7-a950-b1f1b7fb8726', state: 'CLOSED', total: 45670, total_tax_free: 38000, min_sale_number: 1001, max_sale_number: 1045,
      sales_count: 45, min_payment_number: 2001, max_payment_number: 2087, payments_count: 87, closed_at: '2023-01-01T18:00:00Z',
      note: 'Successful busy day shift', closing_seller_id: 'seller_ba19240a-0442-4bd9-8c15-01b8409e1346', total_expected: 45000, total_difference: 670,
      movements: [], closing_cash_fund: [], custom_fields: [],
    };
    expectError(await call('PATCH', `/cashbooks/${update.id}`, update), 404, 'Cashbook not found');
    const closed = await call('PATCH', `/cashbooks/${opened.json.id}`, { ...update, id: opened.json.id });
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ id: opened.json.id, state: 'CLOSED', total: 45670, sales_count: 45, total_difference: 670, closed_at: '2023-01-01T18:00:00.000Z' });

    const filters = Object.fromEntries(
      ['created_at', 'updated_at', 'opened_at', 'closed_at', 'source_name', 'note', 'number', 'total', 'total_tax_free', 'min_sale_number', 'max_sale_number',
        'sales_count', 'min_payment_number', 'max_payment_number', 'payments_count', 'total_expected', 'total_difference', 'state', 'shop_id', 'source_id',
        'opening_seller_id', 'closing_seller_id'].map((field) => [field, {}]),
    );
    expectError(await call('POST', '/cashbooks/request', { ...filters, sort: {}, limit: 20, next_token: 'eyJpZCI6IjEyMyJ9' }), 400, 'Invalid next_token');
    const listed = await call('POST', '/cashbooks/request', { ...filters, sort: {}, limit: 20 });
    expect(listed.json.total).toBe(dataset.cashbooks.length + 1);

    expectError(await call('GET', '/cashbooks/cb_ba19240a-0442-4bd9-8c15-01b8409e1346'), 404, 'Cashbook not found');
    expect((await call('DELETE', `/cashbooks/${opened.json.id}`)).json).toEqual({ id: opened.json.id, success: true });
    expect(await total('cashbooks')).toBe(dataset.cashbooks.length);
  });

  it('requests payments with every documented filter (seed "Request payments with filters")', async () => {
    const filters = Object.fromEntries(
      ['created_at', 'updated_at', 'date', 'source_name', 'number', 'amount', 'total_tax_free', 'total_tax', 'state', 'type', 'payment_method_type', 'shop_id',
        'sale_id', 'source_id', 'payment_method_id', 'source_payment_id', 'customer_movement_id', 'cashbook_id', 'integration_payment_id', 'integration_refund_id']
        .map((field) => [field, {}]),
    );
    expectError(await call('POST', '/payments/request', { ...filters, sort: [], limit: 20, next_token: 'eyJpZCI6IjEyMyJ9' }), 400, 'Invalid next_token');
    const answer = await call('POST', '/payments/request', { ...filters, sort: [], limit: 20 });
    expect(answer.json.items).toHaveLength(20);
    expect(answer.json.total).toBeGreaterThanOrEqual(dataset.payments.length);
    expectError(await call('GET', '/payments/a1b2c3d4-e5f6-7890-abcd-ef1234567890'), 404, 'Payment not found');
    const payment = (await call('GET', `/payments/${productionId('payment', 1)}`)).json;
    expect(payment).toMatchObject({ state: 'VALID', type: 'IN', sale_id: productionId('sale', 1), amount: cents(dataset.payments[0]!.amount), number: 1 });
  });

  it('creates a sale, refusing the sample\'s decimal amounts (seed "Create a sale")', async () => {
    const sample = {
      original_id: 'SALE-001', shop_id: '123e4567-e89b-12d3-a456-426614174000', source_id: '123e4567-e89b-12d3-a456-426614174001', source_name: 'POS Terminal 1',
      cashbook_id: '123e4567-e89b-12d3-a456-426614174002', name: 'Table 5 - Lunch Service', number: 1001, state: 'OPEN', refund_status: 'NONE',
      refunded_status: 'NONE', payment_status: 'NONE', note: 'Customer requested extra napkins', target_id: '123e4567-e89b-12d3-a456-426614174003',
      opened_at: '2024-01-15T10:00:00Z', closed_at: '2024-01-15T10:30:00Z', pending_at: '2024-01-15T10:25:00Z',
      customer_id: '123e4567-e89b-12d3-a456-426614174000', seller_id: '123e4567-e89b-12d3-a456-426614174000',
      lines: [], discounts: [], payments: [], total: 125.5, total_discount: 12.5, total_tax_free: 104.17, total_tax: 21.33, total_rest: 0,
    };
    expectError(await call('POST', '/sales', sample), 400, 'total: must be an integer amount of cents');
    const inCents = { ...sample, total: 12550, total_discount: 1250, total_tax_free: 10417, total_tax: 2133 };
    expectError(await call('POST', '/sales', inCents), 400, 'shop_id: shop 123e4567-e89b-12d3-a456-426614174000 does not exist');

    const answer = await call('POST', '/sales', {
      ...inCents, shop_id: SHOP_1, cashbook_id: productionId('cashbook', openCashbook.id), target_id: productionId('sale', 1), customer_id: productionId('customer', 1),
    });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      original_id: 'SALE-001', number: 1001, state: 'OPEN', total: 12550, total_tax: 2133, name: 'Table 5 - Lunch Service', test: false,
      opened_at: '2024-01-15T10:00:00.000Z', pending_at: '2024-01-15T10:25:00.000Z', seller_id: '123e4567-e89b-12d3-a456-426614174000',
      cashbook: { id: productionId('cashbook', openCashbook.id), state: 'OPEN' }, customer: { id: productionId('customer', 1) }, seller: null, payments: [],
    });
  });

  it('updates a sale, refusing the sample\'s decimal amounts (seed "Update a sale")', async () => {
    const created = await call('POST', '/sales', {
      shop_id: SHOP_1, source_id: 'pos-1', source_name: 'POS Terminal 1', state: 'OPEN', refund_status: 'NONE', refunded_status: 'NONE', payment_status: 'NONE',
      opened_at: '2024-01-15T10:00:00Z', total: 0, total_discount: 0, total_tax_free: 0, total_tax: 0, total_rest: 0,
    });
    const sample = {
      id: '123e4567-e89b-12d3-a456-426614174000', source_id: '123e4567-e89b-12d3-a456-426614174001', source_name: 'POS Terminal 2',
      cashbook_id: '123e4567-e89b-12d3-a456-426614174002', name: 'Table 7 - Dinner Service', number: 1002, state: 'CLOSED', refund_status: 'PARTIAL',
      refunded_status: 'NONE', payment_status: 'FULL', note: 'Customer paid with cash - change given', target_id: '123e4567-e89b-12d3-a456-426614174003',
      closed_at: '2024-01-15T11:00:00Z', pending_at: '2024-01-15T10:55:00Z', customer_id: '123e4567-e89b-12d3-a456-426614174004',
      seller_id: '123e4567-e89b-12d3-a456-426614174005', lines: [], discounts: [], payments: [],
      total: 135.75, total_discount: 15.25, total_tax_free: 113.13, total_tax: 22.62, total_rest: 0,
    };
    expectError(await call('PATCH', '/sales', sample), 400, 'total: must be an integer amount of cents');
    const inCents = { ...sample, total: 13575, total_discount: 1525, total_tax_free: 11313, total_tax: 2262 };
    expectError(await call('PATCH', '/sales', inCents), 404, 'Sale not found');
    const answer = await call('PATCH', '/sales', {
      ...inCents, id: created.json.id, cashbook_id: productionId('cashbook', openCashbook.id), target_id: productionId('sale', 2), customer_id: productionId('customer', 4),
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: created.json.id, state: 'CLOSED', refund_status: 'PARTIAL', total: 13575, number: 1002, source_name: 'POS Terminal 2', closed_at: '2024-01-15T11:00:00.000Z' });
    expect((await call('GET', `/sales/${created.json.id}`)).json).toEqual(answer.json);
  });

  it('gets a sale and requests sales (seed "Get a sale by ID", "Request sales with filtering")', async () => {
    expectError(await call('GET', '/sales/123e4567-e89b-12d3-a456-426614174000'), 404, 'Sale not found');
    const sale = (await call('GET', `/sales/${productionId('sale', 1)}`)).json;
    expect(sale.lines.map((line: { unit_price: number }) => line.unit_price)).toEqual(dataset.sales[0]!.lines.map((line) => cents(line.unitPrice)));
    expectError(await call('POST', '/sales/request', { filter: {}, sort: [], limit: 20, next_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' }), 400, 'Invalid next_token');
    const answer = await call('POST', '/sales/request', { filter: {}, sort: [], limit: 20 });
    expect(answer.json.items[0].id).toBe(productionId('sale', 1));
    expect(answer.json.total).toBeGreaterThanOrEqual(SALES);
  });

  it('creates the contract\'s example sale: 2 × 12.00 paid in cash', async () => {
    const answer = await call('POST', '/sales', {
      shop_id: SHOP_1, source_id: 'gateway', source_name: 'posgraph', cashbook_id: productionId('cashbook', openCashbook.id), state: 'CLOSED',
      refund_status: 'NONE', refunded_status: 'NONE', payment_status: 'FULL', opened_at: '2026-11-20T10:00:00Z', closed_at: '2026-11-20T10:01:00Z',
      lines: [{ product_id: productionId('product', 12), name: 'Shorts', quantity: 2, unit_price: 1200, total: 2400, tax_rate: 2000 }],
      payments: [{ payment_method_id: productionId('payment_method', 1), payment_method_type: 'CASH', amount: 2400 }],
      total: 2400, total_discount: 0, total_tax_free: 2000, total_tax: 400, total_rest: 0,
    });
    expect(answer.status).toBe(201);
    expect(answer.json.lines).toEqual([{ product_id: productionId('product', 12), name: 'Shorts', quantity: 2, unit_price: 1200, discount: 0, total: 2400, tax_rate: 2000, total_tax: 400 }]);
    expect(answer.json.payments).toEqual([expect.objectContaining({
      sale_id: answer.json.id, state: 'VALID', type: 'IN', amount: 2400, total_tax: 400, total_tax_free: 2000, payment_method_name: 'Cash',
      payment_method_type: 'CASH', date: '2026-11-20T10:01:00.000Z', cashbook_id: productionId('cashbook', openCashbook.id), shop_id: SHOP_1,
    })]);
    expect(answer.json.payments[0].number).toBeGreaterThan(dataset.payments.length);
  });
});

describe('list requests: filters, operators, sort and paging', () => {
  it('answers 20 records by default, with the total and a token for the next page; the last page has none', async () => {
    const first = await call('POST', '/sales/request', {});
    expect(first.json.items).toHaveLength(20);
    expect(first.json.total).toBeGreaterThanOrEqual(SALES);
    const categories = await call('POST', '/categories/request', { limit: 100 });
    expect(categories.json.next_token).toBeNull();
    const exact = await call('POST', '/taxes/request', { limit: dataset.taxes.length, filter: { id: { in: dataset.taxes.map((tax) => productionId('tax', tax.id)) } } });
    expect(exact.json).toMatchObject({ total: dataset.taxes.length, next_token: null });
  });

  it('refuses a limit outside 1..100', async () => {
    expectError(await call('POST', '/sales/request', { limit: 101 }), 400, 'limit must be an integer between 1 and 100');
    expectError(await call('POST', '/payments/request', { limit: 0 }), 400, 'limit must be an integer between 1 and 100');
    expectError(await call('POST', '/products/request', { input: { limit: 2.5 } }), 400, 'limit must be an integer between 1 and 100');
    expect((await call('POST', '/customers/request', { limit: 100 })).json.items).toHaveLength(100);
  });

  it('fetches a batch by ids in one call: products, customers, sales by id and payments by sale_id', async () => {
    const itemIds = [5, 17, 512, 3];
    const products = await call('POST', '/products/request', { input: { filter: { id: { in: itemIds.map((n) => productionId('product', n)) } }, limit: 100 } });
    expect(products.json.items.map((product: { reference: string }) => product.reference)).toEqual(['SKU-00003', 'SKU-00005', 'SKU-00017', 'SKU-00512']);

    const customers = await call('POST', '/customers/request', { filter: { id: { in: [productionId('customer', 9), 'missing', productionId('customer', 2)] } } });
    expect(customers.json.items.map((customer: { last_name: string }) => customer.last_name)).toEqual([dataset.customers[1]!.lastName, dataset.customers[8]!.lastName]);

    const saleIds = [10, 11, 250];
    const sales = await call('POST', '/sales/request', { filter: { id: { in: saleIds.map((n) => productionId('sale', n)) } }, limit: 100 });
    expect(sales.json.items.map((sale: { total: number }) => sale.total)).toEqual(saleIds.map((n) => cents(dataset.sales[n - 1]!.total)));

    const payments = await call('POST', '/payments/request', { sale_id: { in: saleIds.map((n) => productionId('sale', n)) }, limit: 100 });
    const expected = dataset.payments.filter((payment) => saleIds.includes(payment.saleId));
    expect(payments.json.items.map((payment: { amount: number }) => payment.amount)).toEqual(expected.map((payment) => cents(payment.amount)));
  });

  it('matches strings with eq exactly and with contains/startsWith/endsWith ignoring case', async () => {
    const name = dataset.customers[0]!.lastName;
    const count = (predicate: (lastName: string) => boolean) => dataset.customers.filter((customer) => predicate(customer.lastName)).length;
    expect(await total('customers', { filter: { last_name: { eq: name } } })).toBe(count((lastName) => lastName === name));
    expect(await total('customers', { filter: { last_name: { startsWith: 'MAR' } } })).toBe(count((lastName) => lastName.toLowerCase().startsWith('mar')));
    expect(await total('customers', { filter: { last_name: { contains: 'ov' } } })).toBe(count((lastName) => lastName.includes('ov')));
    expect(await total('customers', { filter: { last_name: { endsWith: 'VA' } } })).toBe(count((lastName) => lastName.toLowerCase().endsWith('va')));
  });

  it('compares numbers and dates with gte/lte/gt/lt/eq', async () => {
    const inRange = dataset.sales.filter((sale) => cents(sale.total) >= 2000 && cents(sale.total) < 5000).length;
    expect(await total('sales', { filter: { total: { gte: 2000, lt: 5000 }, number: { lte: SALES } } })).toBe(inRange);
    const day = dataset.sales[150]!.createdAt.slice(0, 10);
    const onDay = dataset.sales.filter((sale) => sale.createdAt.startsWith(day)).length;
    expect(await total('sales', { filter: { opened_at: { gte: `${day}T00:00:00Z`, lt: `${day}T23:59:59.999+00:00` } } })).toBe(onDay);
    expect(await total('sales', { filter: { opened_at: { eq: dataset.sales[7]!.createdAt } } })).toBeGreaterThanOrEqual(1);
    expect(await total('payments', { number: { gt: 10, lte: 20 } })).toBe(10);
  });

  it('matches enums with eq and in', async () => {
    expect(await total('cashbooks', { state: { eq: 'OPEN' }, number: { lte: dataset.cashbooks.length } })).toBe(dataset.cashbooks.filter((cashbook) => cashbook.state === 'OPEN').length);
    const methodTypes = new Map(dataset.paymentMethods.map((method) => [method.id, method.type]));
    const cashOrCheque = dataset.payments.filter((payment) => ['CASH', 'CHECK'].includes(methodTypes.get(payment.methodId)!)).length;
    expect(await total('payments', { payment_method_type: { in: ['CASH', 'CHECK'] }, number: { lte: dataset.payments.length } })).toBe(cashOrCheque);
    const refunds = dataset.sales.filter((sale) => sale.isRefund).length;
    expect(await total('sales', { filter: { refunded_status: { eq: 'FULL' }, number: { lte: SALES } } })).toBe(refunds);
  });

  it('combines sale filters with and, or and not', async () => {
    const withCustomer = dataset.sales.filter((sale) => sale.customerId !== null);
    expect(await total('sales', { filter: { not: { customer_id: { eq: null } }, number: { lte: SALES } } })).toBe(withCustomer.length);
    const either = dataset.sales.filter((sale) => sale.customerId !== null || cents(sale.total) >= 10000).length;
    expect(await total('sales', { filter: { or: [{ not: { customer_id: { eq: null } } }, { total: { gte: 10000 } }], and: [{ number: { lte: SALES } }] } })).toBe(either);
  });

  it('sorts by a field and direction, products with one rule and sales with a list', async () => {
    const products = await call('POST', '/products/request', { input: { sort: { field: 'sell_price', direction: 'desc' }, limit: 3, filter: { reference: { startsWith: 'SKU-' } } } });
    // Products 20 and 999 were patched and deleted by the replays above.
    const prices = dataset.items.filter((item) => item.id !== 20 && item.id !== 999).map((item) => cents(item.price)).sort((a, b) => b - a);
    expect(products.json.items.map((product: { sell_price: number }) => product.sell_price)).toEqual(prices.slice(0, 3));

    const sales = await call('POST', '/sales/request', { sort: [{ field: 'total', direction: 'ASC' }], limit: 2, filter: { number: { lte: SALES } } });
    const totals = dataset.sales.map((sale) => cents(sale.total)).sort((a, b) => a - b);
    expect(sales.json.items.map((sale: { total: number }) => sale.total)).toEqual(totals.slice(0, 2));
  });

  it('finds a written sale by its original_id', async () => {
    const body = {
      original_id: 'posgraph:7f3c', shop_id: SHOP_1, source_id: 'gateway', source_name: 'posgraph', state: 'CLOSED', refund_status: 'NONE', refunded_status: 'NONE',
      payment_status: 'FULL', opened_at: '2026-11-20T12:00:00Z', total: 100, total_discount: 0, total_tax_free: 83, total_tax: 17, total_rest: 0,
      payments: [{ payment_method_id: 'card-terminal', payment_method_type: 'CARD', amount: 100 }],
    };
    const created = await call('POST', '/sales', body);
    const found = await call('POST', '/sales/request', { filter: { original_id: { eq: 'posgraph:7f3c' } } });
    expect(found.json).toMatchObject({ total: 1, next_token: null, items: [{ id: created.json.id, original_id: 'posgraph:7f3c' }] });
    expect(await total('sales', { filter: { original_id: { in: ['posgraph:7f3c', 'posgraph:none'] } } })).toBe(1);
    expect(await total('sales', { filter: { original_id: { eq: 'posgraph:none' } } })).toBe(0);
  });

  it('refuses unknown fields and operators, bad operands and bad sort rules with 400', async () => {
    expectError(await call('POST', '/sales/request', { filter: { colour: { eq: 'red' } } }), 400, 'Unknown filter field "colour"');
    expectError(await call('POST', '/payments/request', { sale: { eq: 'x' } }), 400, 'property sale should not exist');
    expectError(await call('POST', '/sales/request', { filters: {} }), 400, 'property filters should not exist');
    expectError(await call('POST', '/products/request', { filter: {} }), 400, 'property filter should not exist');
    expectError(await call('POST', '/sales/request', { filter: { total: { contains: '1' } } }), 400, 'Unsupported operator "contains" for total');
    expectError(await call('POST', '/cashbooks/request', { state: { eq: 'HALF_OPEN' } }), 400, 'state.eq must be one of OPEN, CLOSED');
    expectError(await call('POST', '/sales/request', { filter: { opened_at: { gte: 'yesterday' } } }), 400, 'opened_at.gte must be an ISO 8601 date');
    expectError(await call('POST', '/sales/request', { filter: { total: { gte: '10' } } }), 400, 'total.gte must be a number');
    expectError(await call('POST', '/sales/request', { filter: { id: { in: Array.from({ length: 101 }, (_, i) => `id-${i}`) } } }), 400, 'id.in must be an array of at most 100 values');
    expectError(await call('POST', '/sales/request', { sort: { field: 'total', direction: 'asc' } }), 400, 'sort must be an array of {field, direction}');
    expectError(await call('POST', '/cashbooks/request', { sort: [{ field: 'total' }] }), 400, 'sort must be an object {field, direction}');
    expectError(await call('POST', '/customers/request', { sort: { field: 'shoe_size' } }), 400, 'Cannot sort by "shoe_size"');
    expectError(await call('POST', '/customers/request', { sort: { field: 'email', direction: 'up' } }), 400, 'sort direction must be asc or desc');
    expectError(await call('POST', '/sales/request', '{"filter": '), 400, 'Invalid JSON in request body');
    expectError(await call('POST', '/sales/request', [1, 2]), 400, 'Request body must be a JSON object');
  });

  it('refuses a next_token from another query', async () => {
    const page = await call('POST', '/sales/request', { filter: { total: { gte: 1000 } }, limit: 5 });
    expect(page.json.next_token).toEqual(expect.any(String));
    const same = await call('POST', '/sales/request', { filter: { total: { gte: 1000 } }, limit: 5, next_token: page.json.next_token });
    expect(same.status).toBe(200);
    expectError(await call('POST', '/sales/request', { filter: { total: { gte: 2000 } }, limit: 5, next_token: page.json.next_token }), 400, 'Invalid next_token');
    expectError(await call('POST', '/payments/request', { limit: 5, next_token: page.json.next_token }), 400, 'Invalid next_token');
  });
});

describe('rate limit (seed "Rate limits")', () => {
  it('counts non-GET calls in X-RateLimit-Remaining and lets GET calls through uncounted', async () => {
    const first = await call('POST', '/taxes/request', {});
    const limit = Number(first.headers.get('x-ratelimit-limit'));
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    expect(limit).toBe(3000);
    const read = await call('GET', `/taxes/${productionId('tax', 1)}`);
    expect(Number(read.headers.get('x-ratelimit-remaining'))).toBe(remaining);
    const second = await call('POST', '/taxes/request', {});
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(remaining - 1);
  });

  it('answers 429 with the reset instant once an organization has used its quota, per organization', async () => {
    const limited = await startSimulator(createTactillSimulator({ sales: 20, rateLimit: { limit: 2, windowMs: 60_000 } }), { port: 0 });
    try {
      const base = `${limited.url}/v0`;
      expect((await raw(base, 'POST', '/sales/request', {})).headers.get('x-ratelimit-remaining')).toBe('1');
      expect((await raw(base, 'POST', '/sales/request', {})).headers.get('x-ratelimit-remaining')).toBe('0');
      const refused = await raw(base, 'POST', '/sales/request', {});
      expectError(refused, 429, 'Rate limit exceeded');
      const resetAt = refused.headers.get('x-ratelimit-retry-after')!;
      expect(resetAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(resetAt) - Date.now()).toBeLessThanOrEqual(60_000);
      expect((await raw(base, 'GET', `/sales/${productionId('sale', 1)}`)).status).toBe(200);
      expect((await raw(base, 'POST', '/sales/request', {}, TACTILL_TEST_KEY)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('renders an injected burst as 429 with X-RateLimit-Retry-After in ISO 8601', async () => {
    running.addFault({ route: '/v0/sales', rateLimitBurst: 1, rateLimitResetSeconds: 30 });
    try {
      const refused = await call('POST', '/sales/request', {});
      expectError(refused, 429, 'Rate limit exceeded');
      expect(Date.parse(refused.headers.get('x-ratelimit-retry-after')!)).toBeGreaterThan(Date.now());
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    } finally {
      running.reset();
    }
  });
});

describe('refused writes answer like Tactill and change nothing', () => {
  const saleBody = {
    shop_id: SHOP_1, source_id: 'gateway', source_name: 'posgraph', cashbook_id: productionId('cashbook', openCashbook.id), state: 'CLOSED',
    refund_status: 'NONE', refunded_status: 'NONE', payment_status: 'FULL', opened_at: '2026-11-20T12:00:00Z',
    lines: [{ product_id: productionId('product', 1), name: 'Walnuts', quantity: 1, unit_price: 10, total: 10, tax_rate: 1000 }],
    payments: [{ payment_method_id: productionId('payment_method', 1), payment_method_type: 'CASH', amount: 10 }],
    total: 10, total_discount: 0, total_tax_free: 9, total_tax: 1, total_rest: 0,
  };

  it('refuses bad sales with 400 and stores neither the sale nor its payments', async () => {
    const salesBefore = await total('sales');
    const paymentsBefore = await total('payments');
    const refusals: Array<[unknown, unknown]> = [
      [{ ...saleBody, total: 10.5 }, 'total: must be an integer amount of cents'],
      [{ ...saleBody, shop_id: undefined }, 'shop_id: is required'],
      [{ ...saleBody, state: 'PAID' }, expect.stringMatching(/^state: /)],
      [{ ...saleBody, opened_at: '20/11/2026' }, 'opened_at: must be an ISO 8601 date'],
      [{ ...saleBody, total_tax: 2 }, 'total: must equal total_tax_free + total_tax'],
      [{ ...saleBody, shop_id: productionId('shop', 9) }, `shop_id: shop ${productionId('shop', 9)} does not exist`],
      [{ ...saleBody, cashbook_id: productionId('cashbook', closedCashbook.id) }, `cashbook_id: cashbook ${productionId('cashbook', closedCashbook.id)} is closed`],
      [{ ...saleBody, cashbook_id: productionId('cashbook', openCashbook.id + 1) }, `cashbook_id: cashbook ${productionId('cashbook', openCashbook.id + 1)} belongs to another shop`],
      [{ ...saleBody, customer_id: 'nobody' }, 'customer_id: customer nobody does not exist'],
      [{ ...saleBody, lines: [{ ...saleBody.lines[0], product_id: 'ghost' }] }, 'lines.0.product_id: product ghost does not exist'],
      [{ ...saleBody, payments: [{ ...saleBody.payments[0], amount: '10' }] }, expect.stringMatching(/^payments\.0\.amount: /)],
    ];
    for (const [body, message] of refusals) {
      const answer = await call('POST', '/sales', body);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ status_code: 400, error: 'Bad Request', message });
    }
    expect(await total('sales')).toBe(salesBefore);
    expect(await total('payments')).toBe(paymentsBefore);
  });

  it('refuses a bad sale update and keeps the sale as it was', async () => {
    const sale = dataset.sales[2]!;
    const id = productionId('sale', sale.id);
    const otherDay = dataset.cashbooks.find((cashbook) => cashbook.state === 'CLOSED' && cashbook.locationId === sale.locationId && cashbook.id !== sale.cashbookId)!;
    const before = (await call('GET', `/sales/${id}`)).json;
    expectError(await call('PATCH', '/sales', { id, total: 1 }), 400, 'total: must equal total_tax_free + total_tax');
    expectError(await call('PATCH', '/sales', { id, payments: [{ id: 'not-mine', payment_method_id: 'x', payment_method_type: 'CASH', amount: 1 }] }), 400, `payments: payment not-mine does not belong to sale ${id}`);
    expectError(await call('PATCH', '/sales', { id, cashbook_id: productionId('cashbook', otherDay.id) }), 400, `cashbook_id: cashbook ${productionId('cashbook', otherDay.id)} is closed`);
    expectError(await call('PATCH', '/sales', { total: 1 }), 400, 'id: is required');
    expect((await call('GET', `/sales/${id}`)).json).toEqual(before);
  });

  it('refuses bad products and customers with 400 or 404', async () => {
    const productsBefore = await total('products', { input: {} });
    expectError(await call('POST', '/products', { name: 'X', buy_price: 1, sell_price: 2, category: 'nope', tax: productionId('tax', 1) }), 400, 'category: category nope does not exist');
    expectError(await call('POST', '/products', { name: 'X', buy_price: 1, sell_price: 2, category: productionId('category', 1), tax: { rate: 20000 } }), 400, /^tax/);
    expectError(await call('POST', '/products', { buy_price: 1, sell_price: 2, category: productionId('category', 1), tax: productionId('tax', 1) }), 400, 'name: is required');
    expect(await total('products', { input: {} })).toBe(productsBefore);

    const id = productionId('product', 30);
    const before = (await call('GET', `/products/${id}`)).json;
    expectError(await call('PATCH', '/products', { id, tax_id: 'ghost', sell_price: 1 }), 400, 'tax_id: tax ghost does not exist');
    expectError(await call('PATCH', '/products', { id, sell_price: -1 }), 400, /^sell_price: /);
    expect((await call('GET', `/products/${id}`)).json).toEqual(before);

    expectError(await call('POST', '/customers', { email: 'not-an-email' }), 400, 'email: Invalid email address');
    expectError(await call('DELETE', '/customers/nobody'), 404, 'Customer not found');
  });

  it('refuses to delete a category or a tax still used by products, with 403', async () => {
    const category = productionId('category', 1);
    expectError(await call('DELETE', `/categories/${category}`), 403, 'Cannot delete a category that contains products');
    expect((await call('GET', `/categories/${category}`)).status).toBe(200);
    const tax = productionId('tax', 1);
    expectError(await call('DELETE', `/taxes/${tax}`), 403, 'Cannot delete a tax that is used by products');
    expect((await call('GET', `/taxes/${tax}`)).status).toBe(200);
  });

  it('refuses to reopen, close twice, or misaddress a cashbook', async () => {
    const closed = productionId('cashbook', closedCashbook.id);
    const open = productionId('cashbook', openCashbook.id);
    const before = (await call('GET', `/cashbooks/${closed}`)).json;
    expectError(await call('PATCH', `/cashbooks/${closed}`, { id: closed, state: 'OPEN' }), 400, 'A closed cashbook cannot be reopened');
    expectError(await call('PATCH', `/cashbooks/${closed}`, { id: closed, state: 'CLOSED' }), 400, 'Cashbook is already closed');
    expectError(await call('PATCH', `/cashbooks/${closed}`, { id: open, note: 'x' }), 400, 'id: must match the cashbook id in the path');
    expectError(await call('PATCH', '/cashbooks', { id: closed, note: 'x' }), 404, 'Cannot PATCH /v0/cashbooks');
    expect((await call('GET', `/cashbooks/${closed}`)).json).toEqual(before);
    expect((await call('GET', `/cashbooks/${open}`)).json.state).toBe('OPEN');
  });

  it('answers routes Tactill does not have with 404', async () => {
    expectError(await call('DELETE', `/sales/${productionId('sale', 1)}`), 404, `Cannot DELETE /v0/sales/${productionId('sale', 1)}`);
    expectError(await call('POST', '/payments', {}), 404, 'Cannot POST /v0/payments');
    expectError(await call('GET', '/bookings/1'), 404, 'Cannot GET /v0/bookings/1');
    expectError(await call('GET', '/sales/a/b'), 404, 'Cannot GET /v0/sales/a/b');
  });
});

describe('writes as the seed describes them', () => {
  it('turns each payments[] element of a new sale into a VALID payment with the next number, and a refund into OUT', async () => {
    const before = await total('payments');
    const sale = (await call('POST', '/sales', {
      shop_id: SHOP_1, source_id: 'gateway', source_name: 'posgraph', state: 'CLOSED', refund_status: 'NONE', refunded_status: 'FULL', payment_status: 'FULL',
      opened_at: '2026-11-20T12:00:00Z', lines: [{ name: 'Refund', quantity: -1, unit_price: 1100, total: -1100, tax_rate: 1000 }],
      payments: [
        { payment_method_id: productionId('payment_method', 1), payment_method_type: 'CASH', amount: -600, date: '2026-11-20T12:05:00Z' },
        { payment_method_id: productionId('payment_method', 2), payment_method_type: 'CARD', amount: -500 },
      ],
      total: -1100, total_discount: 0, total_tax_free: -1000, total_tax: -100, total_rest: 0,
    })).json;
    expect(sale.lines[0]).toMatchObject({ product_id: null, total_tax: -100, discount: 0 });
    expect(sale.payments.map((payment: { type: string; amount: number; total_tax: number; payment_method_name: string }) => [payment.type, payment.amount, payment.total_tax, payment.payment_method_name]))
      .toEqual([['OUT', -600, -55, 'Cash'], ['OUT', -500, -45, 'Card']]);
    expect(sale.payments[1].number).toBe(sale.payments[0].number + 1);
    expect(await total('payments')).toBe(before + 2);
    const listed = await call('POST', '/payments/request', { sale_id: { eq: sale.id } });
    expect(listed.json.items).toEqual(sale.payments);
  });

  it('adds the payments a sale update sends without an id, keeping the others', async () => {
    const sale = (await call('POST', '/sales', {
      shop_id: SHOP_1, source_id: 'gateway', source_name: 'posgraph', state: 'AVAILABLE', refund_status: 'NONE', refunded_status: 'NONE', payment_status: 'PARTIAL',
      opened_at: '2026-11-20T12:00:00Z', payments: [{ payment_method_id: 'cash', payment_method_type: 'CASH', amount: 1000 }],
      total: 3000, total_discount: 0, total_tax_free: 2500, total_tax: 500, total_rest: 2000,
    })).json;
    const updated = (await call('PATCH', '/sales', {
      id: sale.id, state: 'CLOSED', payment_status: 'FULL', total_rest: 0, closed_at: '2026-11-20T12:30:00Z',
      payments: [...sale.payments, { payment_method_id: 'card', payment_method_type: 'CARD', amount: 2000 }],
    })).json;
    expect(updated.payments).toHaveLength(2);
    expect(updated.payments[0]).toEqual(sale.payments[0]);
    expect(updated.payments[1]).toMatchObject({ amount: 2000, payment_method_type: 'CARD', date: '2026-11-20T12:30:00.000Z', sale_id: sale.id });
    expect((await call('POST', '/payments/request', { sale_id: { eq: sale.id } })).json.total).toBe(2);
  });

  it('creates a product\'s category and tax on the fly when given as objects without id', async () => {
    const product = (await call('POST', '/products', { name: 'Kombucha', buy_price: 150, sell_price: 390, category: { name: 'Ferments' }, tax: { rate: 550 } })).json;
    expect(product).toMatchObject({ category: { name: 'Ferments' }, tax: { rate: 550 } });
    expect((await call('GET', `/categories/${product.category_id}`)).json.name).toBe('Ferments');
    expect((await call('GET', `/taxes/${product.tax_id}`)).json.rate).toBe(550);
  });

  it('closes a cashbook with its closing data and stamps closed_at when none is sent', async () => {
    const opened = (await call('POST', '/cashbooks', {
      shop_id: SHOP_1, source_id: 'till-9', source_name: 'Till 9', number: 900, state: 'OPEN', opened_at: '2026-11-21T07:00:00Z',
      opening_cash_fund: [{ payment_method_id: productionId('payment_method', 1), amount: 15000 }],
    })).json;
    expect(opened).toMatchObject({ state: 'OPEN', closed_at: null, sales_count: 0, min_sale_number: null, total_expected: null });
    const closed = (await call('PATCH', `/cashbooks/${opened.id}`, {
      id: opened.id, state: 'CLOSED', total_expected: 15000, total_difference: -20,
      closing_cash_fund: [{ payment_method_id: productionId('payment_method', 1), payment_method_name: 'Cash', amount: 14980 }],
    })).json;
    expect(closed).toMatchObject({ state: 'CLOSED', total_difference: -20, closing_cash_fund: [{ amount: 14980 }], opening_cash_fund: [{ amount: 15000 }] });
    expect(Date.parse(closed.closed_at)).toBeGreaterThanOrEqual(Date.parse(closed.opened_at));
  });
});
