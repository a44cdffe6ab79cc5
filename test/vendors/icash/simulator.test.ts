import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../../src/core/money.ts';
import { toLocalDate, toLocalDateTime } from '../../../src/core/time.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';
import { icashSignature } from '../../../src/vendors/icash/wire.ts';

const SALES = 600;
const dataset = createDataset({ seed: 103, sales: SALES, pricePlaces: 4 });
const DEMO = { api_key: 'demo-icash-key', secret_key: 'demo-icash-secret', WareHouseID: '785', UserID: '1' };

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { nonce?: string; status?: number; data?: any; error_message?: string };
}

type SignedFields = { api_key: string; nonce: string; signature: string; WareHouseID: string; UserID: string };

/** Speaks the wire by hand, as the vendor's PHP samples do, with its own nonce counter. */
class RawIcash {
  private nonce = Math.floor(Date.now() / 1000);
  constructor(private readonly url: string) {}

  nextNonce(): number {
    this.nonce += 1;
    return this.nonce;
  }

  /** The signed part of every request; later calls also carry ses. */
  auth(nonce = this.nextNonce(), secret = DEMO.secret_key, wareHouseId = DEMO.WareHouseID, apiKey = DEMO.api_key): SignedFields {
    return { api_key: apiKey, nonce: String(nonce), signature: icashSignature(secret, nonce, wareHouseId, apiKey), WareHouseID: wareHouseId, UserID: DEMO.UserID };
  }

  async post(method: string, fields: Record<string, string> | string, contentType = 'application/x-www-form-urlencoded'): Promise<Answer> {
    const response = await fetch(`${this.url}/clientapi/v1/${method}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  }

  async login(): Promise<string> {
    const answer = await this.post('login', this.auth());
    return answer.body.data.session_id as string;
  }

  async call(method: string, ses: string, params: Record<string, string> = {}): Promise<Answer['body']> {
    return (await this.post(method, { ...this.auth(), ses, ...params })).body;
  }
}

let running: RunningSimulator;
let raw: RawIcash;
let ses: string;

beforeAll(async () => {
  running = await startSimulator(createIcashSimulator({ sales: SALES }), { port: 0 });
  raw = new RawIcash(running.url);
  ses = await raw.login();
});

afterAll(async () => {
  await running.close();
});

afterEach(() => {
  running.reset();
});

describe('what the simulator holds', () => {
  it('counts the dataset as iCash exposes it: one cash register per store, no bookings', async () => {
    const info = (await (await fetch(`${running.url}/__sim/info`)).json()) as { vendor: string; credentials: unknown; counts: unknown };
    expect(info.vendor).toBe('icash');
    expect(info.credentials).toEqual(DEMO);
    expect(info.counts).toEqual({
      items: dataset.items.length,
      customers: dataset.customers.length,
      sales: SALES,
      payments: dataset.payments.length,
      cashbooks: dataset.locations.length,
      bookings: 0,
    });
  });
});

describe('replaying the seed document (3.12 List of items)', () => {
  const DOCUMENTED_ROW_KEYS = [
    'SaleItemID', 'SaleItemBarcodeBarcode', 'SaleItemInventoryID', 'SaleItemName', 'SaleItemCashRegisterName', 'SaleItemType',
    'SaleItemPrimaryMeasureUnitID', 'SaleItemTaxGroupID', 'SaleItemSellPrice', 'SaleItemForbidSupplements', 'SaleItemForbidSales',
    'SaleItemForbidRefund', 'SaleItemStatus', 'SaleItemComment', 'SaleItemGroupName', 'SaleItemGroupID',
  ];

  it('answers api_key, nonce, signature and ses with the documented envelope and item structure', async () => {
    const fields = { ...raw.auth(), ses };
    const answer = await raw.post('get-sale-items', fields);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body)).toEqual(['nonce', 'status', 'data']);
    expect(answer.body.nonce).toBe(fields.nonce);
    expect(answer.body.status).toBe(1);
    expect(answer.body.data.TotalRecords).toBe(dataset.items.length);
    expect(answer.body.data.Data).toHaveLength(10);
    const first = answer.body.data.Data[0];
    expect(Object.keys(first)).toEqual(DOCUMENTED_ROW_KEYS);
    const item = dataset.items[0]!;
    expect(first).toMatchObject({
      SaleItemID: item.id,
      SaleItemInventoryID: item.code,
      SaleItemName: item.name,
      SaleItemSellPrice: '0.100000',
      SaleItemForbidSupplements: 0,
      SaleItemStatus: 'Normal',
      SaleItemComment: '',
      SaleItemGroupName: dataset.categories[item.categoryId - 1]!.name,
      SaleItemGroupID: String(item.categoryId),
    });
    for (const row of answer.body.data.Data) expect(row.SaleItemSellPrice).toMatch(/^\d+\.\d{6}$/);
  });

  it('filters by every documented parameter', async () => {
    const ids = async (params: Record<string, string>): Promise<number[]> => {
      const body = await raw.call('get-sale-items', ses, { count: '100', ...params });
      expect(body.status).toBe(1);
      return body.data.Data.map((row: { SaleItemID: number }) => row.SaleItemID);
    };
    const withBarcode = dataset.items.find((item) => item.barcode !== null)!;
    const services = dataset.items.filter((item) => item.categoryId === dataset.categories.find((c) => c.name === 'Services')!.id);
    const feta = dataset.items.filter((item) => item.name.toLowerCase().includes('feta'));

    expect((await raw.call('get-sale-items', ses, { StoreID: '2' })).data.TotalRecords).toBe(dataset.items.length);
    expect(await ids({ SaleItemID: '5' })).toEqual([5]);
    expect(await ids({ SaleItemInventoryID: 'SKU-00007' })).toEqual([7]);
    expect(await ids({ SaleItemBarcode: withBarcode.barcode! })).toContain(withBarcode.id);
    expect((await raw.call('get-sale-items', ses, { SaleItemName: 'FETA' })).data.TotalRecords).toBe(feta.length);
    expect((await raw.call('get-sale-items', ses, { SaleItemCashRegisterName: 'feta' })).data.TotalRecords).toBe(feta.length);
    expect((await raw.call('get-sale-items', ses, { SaleItemType: 'SERVICE' })).data.TotalRecords).toBe(services.length);
    expect((await raw.call('get-sale-items', ses, { SaleItemStatus: 'Normal' })).data.TotalRecords).toBe(dataset.items.length);
    expect((await raw.call('get-sale-items', ses, { SaleItemStatus: 'Deleted' })).data.TotalRecords).toBe(0);
  });

  it('sorts by a sortable column in either order and pages with offset and count', async () => {
    const body = await raw.call('get-sale-items', ses, { sort: 'SaleItemName', order: 'DESC', offset: '5', count: '3' });
    const expected = [...dataset.items]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id))
      .reverse()
      .slice(5, 8)
      .map((item) => item.id);
    expect(body.data.Data.map((row: { SaleItemID: number }) => row.SaleItemID)).toEqual(expected);
  });

  it('defaults count to 10 and clamps it to 100', async () => {
    expect((await raw.call('get-sale-items', ses)).data.Data).toHaveLength(10);
    expect((await raw.call('get-sale-items', ses, { count: '500' })).data.Data).toHaveLength(100);
  });

  it('answers an expired session exactly as the failure example does', async () => {
    running.simulator.expireTokens();
    const fields = { ...raw.auth(), ses };
    const answer = await raw.post('get-sale-items', fields);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ nonce: fields.nonce, status: 0, error_message: 'Session expired' });
    ses = await raw.login();
  });
});

describe('the public login and sale examples (3.01, api_example.sale.php)', () => {
  it('logs in with the PHP sample fields and returns a 32-hex session', async () => {
    const fields = raw.auth();
    const answer = await raw.post('login', fields);
    expect(answer.body).toEqual({ nonce: fields.nonce, status: 1, data: { session_id: expect.stringMatching(/^[0-9a-f]{32}$/) } });
  });

  it('refuses a call whose ses is left out with "Missing value for ses"', async () => {
    const fields = {
      ...raw.auth(),
      SaleItemBarcode: '34443', SaleItemInventoryID: '34443', SaleItemName: 'СУПЕр е 34443', SaleItemType: 'PRODUCT',
      SaleItemCashRegisterName: 'Мед от злато номер 34443', SaleItemPrimaryMeasureUnitID: '1', SaleItemTaxGroupID: '1', SaleItemSellPrice: '2.00',
    };
    const answer = await raw.post('add-sale-item', fields);
    expect(answer.body).toEqual({ nonce: fields.nonce, status: 0, error_message: 'Missing value for ses' });
  });

  it('runs the documented sale: item, contragent, operation, line, payment, print', async () => {
    const item = await raw.call('add-sale-item', ses, {
      SaleItemBarcode: '34443', SaleItemInventoryID: '34443', SaleItemName: 'СУПЕр е 34443', SaleItemType: 'PRODUCT',
      SaleItemCashRegisterName: 'Мед от злато номер 34443', SaleItemPrimaryMeasureUnitID: '1', SaleItemTaxGroupID: '1', SaleItemSellPrice: '2.00',
    });
    expect(item).toMatchObject({ status: 1, data: { SaleItemID: dataset.items.length + 1 } });
    const contragent = await raw.call('add-contragent', ses, {
      ContragentName: 'Иван Иванов', ContragentType: 'CLIENT', ContragentCountryCode: 'BG', ContragentCityName: 'София',
      ContragentTaxNum: 'BG131047312', ContragentVatRegistered: '1', ContragentAddress: 'София', ContragentPhone: '0889447481',
    });
    expect(contragent.status).toBe(1);
    const operation = await raw.call('new-operation', ses, {
      ImportSource: 'sample', ImportRefID: 'sample-1', OperationType: 'Sell', CashRegisterID: '39', StoreID: '1', ContragentID: String(contragent.data.ContragentID),
    });
    expect(operation.data).toEqual({ OperationID: expect.any(Number), OperationFiskBonUUID: expect.stringMatching(/^[a-zA-Z0-9]{8}-[a-zA-Z0-9]{4}-\d{7}$/) });
    const OperationID = String(operation.data.OperationID);
    const line = await raw.call('add-operation-sale-item', ses, { OperationID, SaleItemID: String(item.data.SaleItemID), Qty: '3', SaleItemSinglePrice: '2.00' });
    expect(line.data).toEqual({ OperationSaleItemID: expect.any(Number) });
    const payment = await raw.call('add-operation-payment', ses, { OperationID, PayTypeID: '1', PaymentSum: '6.00' });
    expect(payment.data).toEqual({ result: 'OK', PaymentID: expect.stringMatching(/^\d+$/) });
    const printed = await raw.call('print-operation', ses, { OperationID, PayTypeID: '1' });
    expect(printed).toMatchObject({ status: 1, data: operation.data.OperationID });

    const read = await raw.call('get-operation', ses, { OperationID });
    expect(read.data).toMatchObject({
      OperationType: 'Sell',
      OperationStatus: 'NORMAL',
      OperationContragentID: contragent.data.ContragentID,
      OperationPrice: '6.00000',
      // Tax group 1 is 20 %: 6.00 × 20 / 120.
      OperationTotalVat: '1.00000',
      OperationPriceWithoutVat: '5.00000',
      OperationPayedSum: '6.00000',
      OperationCompleteUserID: 1,
      SaleItems: [{ OperationSaleItemID: line.data.OperationSaleItemID, SaleItemID: item.data.SaleItemID, Qty: '3.00000', SaleItemSinglePrice: '2.00000', SaleItemDiscount: '0.00' }],
      Payments: [{ PaymentID: payment.data.PaymentID, PayTypeID: 1, PaymentSum: '6.00' }],
    });
    expect(read.data.OperationCompleteDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
});

describe('authentication', () => {
  const refusal = async (fields: Record<string, string>, method = 'get-pay-types'): Promise<Answer> => raw.post(method, { ...fields, ses });

  it('refuses an unknown api_key and a wrong secret alike with "Authentication Error", on HTTP 200', async () => {
    const unknownKey = await refusal(raw.auth(undefined, DEMO.secret_key, DEMO.WareHouseID, 'someone-else'));
    const wrongSecret = await refusal(raw.auth(undefined, 'not-the-secret'));
    for (const answer of [unknownKey, wrongSecret]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 0, error_message: 'Authentication Error' });
    }
  });

  it('refuses a signature written in lowercase hex', async () => {
    const fields = raw.auth();
    const answer = await refusal({ ...fields, signature: fields.signature.toLowerCase() });
    expect(answer.body.error_message).toBe('Authentication Error');
  });

  it('refuses a replayed or stale nonce with "Invalid nonce"', async () => {
    const fields = raw.auth();
    expect((await refusal(fields)).body.status).toBe(1);
    expect((await refusal(fields)).body).toMatchObject({ status: 0, error_message: 'Invalid nonce' });
    const stale = Number(fields.nonce) - 10;
    expect((await refusal(raw.auth(stale))).body.error_message).toBe('Invalid nonce');
  });

  it('refuses a nonce that is not a positive integer, even correctly signed', async () => {
    const nonce = '12ab';
    const fields = { ...raw.auth(), nonce, signature: icashSignature(DEMO.secret_key, nonce, DEMO.WareHouseID, DEMO.api_key) };
    expect((await refusal(fields)).body.error_message).toBe('Invalid nonce');
  });

  it('does not burn a nonce on a request whose signature fails', async () => {
    const nonce = raw.nextNonce();
    expect((await refusal(raw.auth(nonce, 'wrong'))).body.error_message).toBe('Authentication Error');
    expect((await refusal(raw.auth(nonce))).body.status).toBe(1);
  });

  it('signs a later call that leaves out WareHouseID with the warehouse of the key', async () => {
    const { WareHouseID: _, ...fields } = raw.auth();
    expect((await refusal(fields)).body.status).toBe(1);
  });

  it('refuses a correctly signed login for another warehouse or user', async () => {
    expect((await raw.post('login', raw.auth(undefined, DEMO.secret_key, '786'))).body.error_message).toBe('Wrong value for WareHouseID');
    expect((await raw.post('login', { ...raw.auth(), UserID: '2' })).body.error_message).toBe('Wrong value for UserID');
  });

  it('answers "Session expired" for a session it never issued', async () => {
    expect((await raw.post('get-pay-types', { ...raw.auth(), ses: 'f'.repeat(32) })).body.error_message).toBe('Session expired');
  });

  it('reads only form bodies, like PHP: JSON carries no parameters', async () => {
    const answer = await raw.post('get-pay-types', JSON.stringify({ ...raw.auth(), ses }), 'application/json');
    expect(answer.body).toMatchObject({ status: 0, error_message: 'Missing value for api_key' });
  });

  it('answers an unknown method with 404 and the error envelope', async () => {
    const answer = await raw.post('get-everything', { ...raw.auth(), ses });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 0, error_message: 'Unknown method' });
  });
});

describe('rejected writes', () => {
  let tempOperationId: string;
  let emptyOperationId: string;

  beforeAll(async () => {
    const open = await raw.call('new-operation', ses, { ImportSource: 'test', OperationType: 'Sell', CashRegisterID: '40', StoreID: '2' });
    tempOperationId = String(open.data.OperationID);
    await raw.call('add-operation-sale-item', ses, { OperationID: tempOperationId, SaleItemID: '1', Qty: '2', SaleItemSinglePrice: '0.10' });
    const empty = await raw.call('new-operation', ses, { ImportSource: 'test', OperationType: 'Sell', CashRegisterID: '40', StoreID: '2' });
    emptyOperationId = String(empty.data.OperationID);
  });

  const snapshot = async (): Promise<unknown> => ({
    counts: running.simulator.counts(),
    items: (await raw.call('get-sale-items', ses, { sort: 'SaleItemInventoryID', count: '100' })).data,
    contragents: (await raw.call('get-contragents', ses, { count: '1', order: 'DESC' })).data,
    temp: (await raw.call('operations-list', ses, { OperationStatus: 'TEMP', count: '100' })).data,
    open: (await raw.call('get-operation', ses, { OperationID: tempOperationId })).data,
    empty: (await raw.call('get-operation', ses, { OperationID: emptyOperationId })).data,
    printed: (await raw.call('get-operation', ses, { OperationID: '1' })).data,
  });

  const item = { SaleItemInventoryID: 'NEW-1', SaleItemName: 'New', SaleItemCashRegisterName: 'New', SaleItemPrimaryMeasureUnitID: '1', SaleItemTaxGroupID: '1', SaleItemSellPrice: '1.50' };
  const contragent = { ContragentName: 'Ana', ContragentType: 'CLIENT', ContragentCountryCode: 'BG', ContragentCityName: 'Sofia', ContragentTaxNum: '123', ContragentVatRegistered: '0' };
  const sell = { ImportSource: 'test', OperationType: 'Sell', CashRegisterID: '39', StoreID: '1' };
  const cases: Array<[string, string, () => Record<string, string>, string]> = [
    ['an unknown tax group', 'add-sale-item', () => ({ ...item, SaleItemTaxGroupID: '9' }), 'Wrong value for SaleItemTaxGroupID'],
    ['a price finer than DECIMAL(14,6)', 'add-sale-item', () => ({ ...item, SaleItemSellPrice: '1.1234567' }), 'Wrong value for SaleItemSellPrice'],
    ['an inventory number already taken', 'add-sale-item', () => ({ ...item, SaleItemInventoryID: 'SKU-00001' }), 'Wrong value for SaleItemInventoryID'],
    ['an item without a name', 'add-sale-item', () => ({ ...item, SaleItemName: '' }), 'Missing value for SaleItemName'],
    ['an edit of an unknown item', 'add-sale-item', () => ({ ...item, EditSaleItemID: '999999' }), 'Wrong value for EditSaleItemID'],
    ['a contragent without a name', 'add-contragent', () => ({ ...contragent, ContragentName: '' }), 'Missing value for ContragentName'],
    ['a lowercase country code', 'add-contragent', () => ({ ...contragent, ContragentCountryCode: 'bg' }), 'Wrong value for ContragentCountryCode'],
    ['a register of another store', 'new-operation', () => ({ ...sell, CashRegisterID: '40' }), 'Wrong value for CashRegisterID'],
    ['an operation without ImportSource', 'new-operation', () => ({ ...sell, ImportSource: '' }), 'Missing value for ImportSource'],
    ['a return without its receipt', 'new-operation', () => ({ ...sell, OperationType: 'ReturnClient' }), 'Missing value for FiskBonRcpNum'],
    ['a quantity finer than DECIMAL(10,5)', 'add-operation-sale-item', () => ({ OperationID: tempOperationId, SaleItemID: '2', Qty: '1.123456', SaleItemSinglePrice: '1' }), 'Wrong value for Qty'],
    ['an unknown item on a line', 'add-operation-sale-item', () => ({ OperationID: tempOperationId, SaleItemID: '999999', Qty: '1', SaleItemSinglePrice: '1' }), 'Wrong value for SaleItemID'],
    ['a line on a printed operation', 'add-operation-sale-item', () => ({ OperationID: '1', SaleItemID: '2', Qty: '1', SaleItemSinglePrice: '1' }), 'Wrong value for OperationID'],
    ['removing a line of a printed operation', 'del-operation-sale-item', () => ({ OperationSaleItemID: '1' }), 'Wrong value for OperationSaleItemID'],
    ['a payment finer than cents', 'add-operation-payment', () => ({ OperationID: tempOperationId, PayTypeID: '1', PaymentSum: '1.005' }), 'Wrong value for PaymentSum'],
    ['an unknown pay type', 'add-operation-payment', () => ({ OperationID: tempOperationId, PayTypeID: '99', PaymentSum: '1.00' }), 'Wrong value for PayTypeID'],
    ['printing an operation without lines', 'print-operation', () => ({ OperationID: emptyOperationId, PayTypeID: '1' }), 'Wrong value for OperationID'],
    ['an unknown cash movement type', 'add-cash-register-amount', () => ({ CashRegisterID: '39', ServiceIssuedSumSum: '10', ServiceIssuedSumType: '7' }), 'Wrong value for ServiceIssuedSumType'],
  ];

  it.each(cases)('refuse %s (%s) and change nothing', async (_, method, params, message) => {
    const before = await snapshot();
    const answer = await raw.post(method, { ...raw.auth(), ses, ...params() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 0, error_message: message });
    expect(await snapshot()).toEqual(before);
  });

  it('answers an unknown operation id with "Wrong value for OperationID"', async () => {
    expect(await raw.call('get-operation', ses, { OperationID: '999999' })).toMatchObject({ status: 0, error_message: 'Wrong value for OperationID' });
  });
});

describe('operations', () => {
  it('renders a sale with its lines and payments at the documented scales', async () => {
    const sale = dataset.sales[0]!;
    const body = await raw.call('get-operation', ses, { OperationID: String(sale.id) });
    expect(body.data).toMatchObject({
      OperationID: sale.id,
      OperationType: 'Sell',
      OperationStoreID: sale.locationId,
      OperationDate: toLocalDate(sale.createdAt, 'Europe/Sofia'),
      OperationStatus: 'NORMAL',
      OperationPrice: Decimal.parse(sale.total).round(5).toString(),
      OperationTotalVat: Decimal.parse(sale.tax).round(5).toString(),
      OperationCurrencyCode: 'EUR',
    });
    expect(body.data.SaleItems.map((line: { Qty: string; SaleItemSinglePrice: string }) => [line.Qty, line.SaleItemSinglePrice])).toEqual([
      ['1.00000', '0.10000'],
      ['1.00000', '0.20000'],
      ['1.00000', '0.30000'],
    ]);
  });

  it('shows a refund as a ReturnClient operation with positive amounts', async () => {
    const refund = dataset.sales.find((sale) => sale.isRefund)!;
    const body = await raw.call('get-operation', ses, { OperationID: String(refund.id) });
    expect(body.data.OperationType).toBe('ReturnClient');
    expect(body.data.OperationPrice).toBe(Decimal.parse(refund.total).negate().round(5).toString());
    for (const line of body.data.SaleItems) expect(line.Qty).not.toMatch(/^-/);
  });

  it('keeps an unprinted operation TEMP, out of default lists, yet findable by status and ImportRefID', async () => {
    const created = await raw.call('new-operation', ses, { ImportSource: 'gateway', ImportRefID: 'ref-temp-1', OperationType: 'Sell', CashRegisterID: '41', StoreID: '3' });
    const byRef = { ImportSource: 'gateway', ImportRefID: 'ref-temp-1' };
    expect((await raw.call('operations-list', ses, byRef)).data.TotalRecords).toBe(0);
    const temp = await raw.call('operations-list', ses, { ...byRef, OperationStatus: 'TEMP' });
    expect(temp.data.Data.map((row: { OperationID: number }) => row.OperationID)).toEqual([created.data.OperationID]);
    expect(temp.data.Data[0]).toMatchObject({ OperationStatus: 'TEMP', OperationCompleteDate: null, OperationCompleteUserID: 0 });
  });

  it('pays what is still unpaid with the PayTypeID of print-operation', async () => {
    const created = await raw.call('new-operation', ses, { ImportSource: 'gateway', OperationType: 'Sell', CashRegisterID: '39', StoreID: '1' });
    const OperationID = String(created.data.OperationID);
    // 3 × 0.1 = 0.30 gross, 10 % off = 0.27.
    await raw.call('add-operation-sale-item', ses, { OperationID, SaleItemID: '1', Qty: '3', SaleItemSinglePrice: '0.1', SaleItemDiscount: '10' });
    await raw.call('add-operation-payment', ses, { OperationID, PayTypeID: '2', PaymentSum: '0.20' });
    await raw.call('print-operation', ses, { OperationID, PayTypeID: '1' });
    const body = await raw.call('get-operation', ses, { OperationID });
    expect(body.data).toMatchObject({ OperationPrice: '0.27000', OperationTotalDiscount: '0.03000', OperationPayedSum: '0.27000', OperationStatus: 'NORMAL' });
    expect(body.data.Payments.map((payment: { PayTypeID: number; PaymentSum: string }) => [payment.PayTypeID, payment.PaymentSum])).toEqual([[2, '0.20'], [1, '0.07']]);
  });

  it('filters by local dates in Sofia and by store', async () => {
    const day = toLocalDate(dataset.sales[300]!.createdAt, 'Europe/Sofia');
    const expected = dataset.sales.filter((sale) => toLocalDate(sale.createdAt, 'Europe/Sofia') === day).length;
    const body = await raw.call('operations-list', ses, { OperationDateFrom: day, OperationDateTo: day });
    expect(body.data.TotalRecords).toBe(expected);
    // Bounded by the last dataset sale, so operations written by other tests stay out.
    const lastSale = toLocalDateTime(dataset.sales.at(-1)!.createdAt, 'Europe/Sofia');
    const store = await raw.call('operations-list', ses, { OperationStoreID: '3', OperationCreateDateTo: lastSale });
    expect(store.data.TotalRecords).toBe(dataset.sales.filter((sale) => sale.locationId === 3).length);
  });

  it.each([
    [{ count: '0' }, 'Wrong value for count'],
    [{ offset: '-1' }, 'Wrong value for offset'],
    [{ sort: 'OperationPrice' }, 'Wrong value for sort'],
    [{ order: 'UP' }, 'Wrong value for order'],
    [{ OperationStatus: 'NORMAL,BOGUS' }, 'Wrong value for OperationStatus'],
    [{ OperationType: 'Delivery' }, 'Wrong value for OperationType'],
    [{ OperationDateFrom: '20-11-2026' }, 'Wrong value for OperationDateFrom'],
    [{ OperationCreateDateFrom: '2026-11-20' }, 'Wrong value for OperationCreateDateFrom'],
  ])('refuses the list parameters %o with "%s"', async (params, message) => {
    expect(await raw.call('operations-list', ses, params)).toMatchObject({ status: 0, error_message: message });
  });
});

describe('faults in the iCash dialect', () => {
  it('renders an injected failure with its HTTP status and the error envelope', async () => {
    running.addFault({ route: '/clientapi/v1/get-pay-types', errorRate: 1, errorStatus: 503 });
    const answer = await raw.post('get-pay-types', { ...raw.auth(), ses });
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ nonce: '', status: 0, error_message: 'Injected failure' });
  });

  it('renders a rate limit as 429 with the envelope and no retry hint, since iCash documents none', async () => {
    running.addFault({ rateLimitBurst: 1 });
    const answer = await raw.post('get-pay-types', { ...raw.auth(), ses });
    expect(answer.status).toBe(429);
    expect(answer.body).toEqual({ nonce: '', status: 0, error_message: 'Too many requests' });
    expect(answer.headers.get('retry-after')).toBeNull();
  });
});
