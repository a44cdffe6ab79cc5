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
import { Decimal, DecimalError, sumDecimals } from '../../../src/core/money.ts';
import { toLocalDate, toLocalDateTime } from '../../../src/core/time.ts';
import { createDataset } from '../../../src/simulators/dataset.ts';
import { startSimulator, type RunningSimulator, type VendorSimulator } from '../../../src/simulators/server.ts';
import { IcashClient } from '../../../src/vendors/icash/client.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';
import { IcashCredentialsSchema, icashSignature, toFixedScale, type IcashCredentials } from '../../../src/vendors/icash/wire.ts';

const SALES = 400;
const TZ = 'Europe/Sofia';
const dataset = createDataset({ seed: 103, sales: SALES, pricePlaces: 4 });
const PAY_TYPES = '/clientapi/v1/get-pay-types';
const LOGIN_ROUTE = 'POST /clientapi/v1/login';

let running: RunningSimulator;
let client: IcashClient;

function credentialsOf(simulator: RunningSimulator): IcashCredentials {
  return IcashCredentialsSchema.parse(simulator.simulator.credentials(simulator.url));
}

function clientFor(simulator: RunningSimulator, connection = 'shop-bg', credentials: Partial<IcashCredentials> = {}): IcashClient {
  return new IcashClient({ connection, baseUrl: simulator.url, credentials: { ...credentialsOf(simulator), ...credentials } });
}

const logins = (): number => running.stats().byRoute[LOGIN_ROUTE] ?? 0;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

const absolute = (text: string): Decimal => {
  const value = Decimal.parse(text);
  return value.isNegative() ? value.negate() : value;
};

beforeAll(async () => {
  running = await startSimulator(createIcashSimulator({ sales: SALES }), { port: 0 });
  client = clientFor(running);
  await client.login();
});

afterAll(async () => {
  await running.close();
});

afterEach(() => {
  running.reset();
});

describe('reading sale items', () => {
  it('lists items with the dataset codes, prices at 6 places, tax groups, units and groups', async () => {
    const page = await client.getSaleItems({ count: 100 });
    expect(page.TotalRecords).toBe(dataset.items.length);
    expect(page.Data).toHaveLength(100);
    page.Data.forEach((row, index) => {
      const item = dataset.items[index]!;
      expect(row).toEqual({
        SaleItemID: item.id,
        SaleItemBarcodeBarcode: item.barcode ?? '',
        SaleItemInventoryID: item.code,
        SaleItemName: item.name,
        SaleItemCashRegisterName: item.name,
        SaleItemType: item.categoryId === 8 ? 'SERVICE' : 'PRODUCT',
        SaleItemPrimaryMeasureUnitID: item.soldByWeight ? 2 : 1,
        SaleItemTaxGroupID: item.taxId,
        SaleItemSellPrice: toFixedScale(item.price, 6),
        SaleItemForbidSupplements: 0,
        SaleItemForbidSales: 0,
        SaleItemForbidRefund: 0,
        SaleItemStatus: 'Normal',
        SaleItemComment: '',
        SaleItemGroupName: dataset.categories[item.categoryId - 1]!.name,
        SaleItemGroupID: String(item.categoryId),
      });
    });
    expect(page.Data.slice(0, 3).map((row) => row.SaleItemSellPrice)).toEqual(['0.100000', '0.200000', '0.300000']);
  });

  it('walks every item exactly once', async () => {
    const rows = await collect(client.allSaleItems());
    expect(rows.map((row) => row.SaleItemID)).toEqual(dataset.items.map((item) => item.id));
  });

  it('finds an item by barcode and by inventory number', async () => {
    const item = dataset.items.find((candidate) => candidate.barcode !== null && candidate.id > 20)!;
    expect((await client.getSaleItems({ SaleItemBarcode: item.barcode! })).Data.map((row) => row.SaleItemID)).toContain(item.id);
    expect((await client.getSaleItems({ SaleItemInventoryID: item.code })).Data.map((row) => row.SaleItemID)).toEqual([item.id]);
  });
});

describe('reading contragents, pay types and cash registers', () => {
  it('renders customers as CLIENT contragents, companies with their VAT numbers', async () => {
    const rows = await collect(client.allContragents({ ContragentType: 'CLIENT' }));
    expect(rows).toHaveLength(dataset.customers.length);
    const company = dataset.customers.find((customer) => customer.company !== null)!;
    const person = dataset.customers.find((customer) => customer.company === null)!;
    expect(rows.find((row) => row.ContragentID === company.id)).toMatchObject({
      ContragentName: company.company,
      ContragentMOL: `${company.firstName} ${company.lastName}`,
      ContragentVatRegistered: 1,
      ContragentVatNum: company.vatNumber,
      ContragentTaxNum: company.vatNumber!.slice(2),
      ContragentCountryCode: company.country,
    });
    expect(rows.find((row) => row.ContragentID === person.id)).toMatchObject({
      ContragentName: `${person.firstName} ${person.lastName}`,
      ContragentVatRegistered: 0,
      ContragentEmail: person.email ?? '',
      ContragentPhone: person.phone ?? '',
      ContragentActive: 1,
    });
  });

  it('lists the pay types by their `value` names', async () => {
    expect(await client.getPayTypes()).toEqual(dataset.paymentMethods.map((method) => ({ id: method.id, value: method.name })));
  });

  it('lists one cash register per store', async () => {
    const registers = await client.getCashRegisters();
    expect(registers.map((register) => register.storeID)).toEqual(dataset.locations.map((location) => location.id));
    expect(new Set(registers.map((register) => register.id)).size).toBe(dataset.locations.length);
  });
});

describe('reading sales', () => {
  it('reads operations with exact lines, payments and totals, refunds with positive amounts', async () => {
    const split = dataset.sales.find((sale) => dataset.payments.filter((payment) => payment.saleId === sale.id).length === 2)!;
    const refund = dataset.sales.find((sale) => sale.isRefund)!;
    const discounted = dataset.sales.find((sale) => sale.lines.some((line) => line.discount !== '0.00'))!;
    for (const sale of [dataset.sales[0]!, dataset.sales[1]!, split, refund, discounted]) {
      const operation = await client.getOperation(sale.id);
      expect(operation.OperationType).toBe(sale.isRefund ? 'ReturnClient' : 'Sell');
      expect(operation.OperationCreateDate).toBe(toLocalDateTime(sale.createdAt, TZ));
      expect(operation.OperationContragentID).toBe(sale.customerId ?? 0);
      expect(Decimal.parse(operation.OperationPrice).equals(absolute(sale.total))).toBe(true);
      expect(Decimal.parse(operation.OperationTotalVat).equals(absolute(sale.tax))).toBe(true);
      expect(Decimal.parse(operation.OperationTotalDiscount).equals(absolute(sale.discount))).toBe(true);
      expect(operation.SaleItems.map((line) => [line.SaleItemID, Decimal.parse(line.Qty).toString(), line.SaleItemDiscount])).toEqual(
        sale.lines.map((line) => [line.itemId, absolute(line.quantity).round(5).toString(), line.discount === '0.00' ? '0.00' : '10.00']),
      );
      const payments = dataset.payments.filter((payment) => payment.saleId === sale.id);
      expect(operation.Payments).toEqual(payments.map((payment) => ({ PaymentID: String(payment.id), PayTypeID: payment.methodId, PaymentSum: absolute(payment.amount).round(2).toString() })));
    }
  });

  it('lists every sale once, and the totals signed by type add up to the dataset', async () => {
    const operations = await collect(client.allOperations());
    expect(operations.map((operation) => operation.OperationID)).toEqual(dataset.sales.map((sale) => sale.id));
    const signed = sumDecimals(operations.map((operation) => {
      const price = Decimal.parse(operation.OperationPrice);
      return operation.OperationType === 'ReturnClient' ? price.negate() : price;
    }));
    expect(signed.equals(sumDecimals(dataset.sales.map((sale) => Decimal.parse(sale.total))))).toBe(true);
  });

  it('filters by local day, and renders instants in the connection time zone', async () => {
    const sale = dataset.sales[200]!;
    const day = toLocalDate(sale.createdAt, TZ);
    const byDay = await collect(client.allOperations({ OperationDateFrom: day, OperationDateTo: day }));
    expect(byDay.map((operation) => operation.OperationID)).toEqual(
      dataset.sales.filter((candidate) => toLocalDate(candidate.createdAt, TZ) === day).map((candidate) => candidate.id),
    );
    const instant = new Date(sale.createdAt);
    const byInstant = await client.operationsList({ OperationCreateDateFrom: instant, OperationCreateDateTo: instant });
    expect(byInstant.Data.map((operation) => operation.OperationID)).toContain(sale.id);
    expect(byInstant.Data.every((operation) => operation.OperationCreateDate === toLocalDateTime(sale.createdAt, TZ))).toBe(true);
  });

  it('filters by contragent and store', async () => {
    const customerId = dataset.sales.find((sale) => sale.customerId !== null)!.customerId!;
    const rows = await collect(client.allOperations({ OperationContragentID: customerId, OperationStoreID: 1 }));
    expect(rows.map((row) => row.OperationID)).toEqual(dataset.sales.filter((sale) => sale.customerId === customerId && sale.locationId === 1).map((sale) => sale.id));
  });
});

describe('writing', () => {
  it('creates a sale step by step, findable afterwards by its ImportRefID', async () => {
    const [register] = await client.getCashRegisters();
    const created = await client.newOperation({ ImportSource: 'gateway', ImportRefID: 'gw-sale-1', OperationType: 'Sell', CashRegisterID: register!.id, StoreID: register!.storeID, ContragentID: 3 });
    const OperationID = created.OperationID;
    await client.addOperationSaleItem({ OperationID, SaleItemID: 1, Qty: Decimal.parse('1'), SaleItemSinglePrice: '0.10' });
    await client.addOperationSaleItem({ OperationID, SaleItemInventoryID: 'SKU-00002', Qty: '1', SaleItemSinglePrice: Decimal.parse('0.20') });
    const payment = await client.addOperationPayment({ OperationID, PayTypeID: 2, PaymentSum: Decimal.parse('0.1').add(Decimal.parse('0.2')) });
    expect(payment).toEqual({ result: 'OK', PaymentID: expect.stringMatching(/^\d+$/) });
    expect(await client.printOperation({ OperationID, PayTypeID: 1 })).toBe(OperationID);

    const found = await client.operationsList({ ImportSource: 'gateway', ImportRefID: 'gw-sale-1' });
    expect(found.Data.map((row) => row.OperationID)).toEqual([OperationID]);
    const operation = await client.getOperation(OperationID);
    expect(operation).toMatchObject({ OperationStatus: 'NORMAL', OperationPrice: '0.30000', OperationPayedSum: '0.30000', OperationFiskBonUUID: created.OperationFiskBonUUID, OperationContragentID: 3 });
    expect(operation.Payments).toEqual([{ PaymentID: payment.PaymentID, PayTypeID: 2, PaymentSum: '0.30' }]);
  });

  it('leaves an unfinished sale TEMP, and discarding it empties it so that it can never be printed', async () => {
    const created = await client.newOperation({ ImportSource: 'gateway', ImportRefID: 'gw-sale-2', OperationType: 'Sell', CashRegisterID: 40, StoreID: 2 });
    const OperationID = created.OperationID;
    await client.addOperationSaleItem({ OperationID, SaleItemID: 5, Qty: '2', SaleItemSinglePrice: '3.5' });
    await client.addOperationSaleItem({ OperationID, SaleItemID: 6, Qty: '0.125', SaleItemSinglePrice: '12.3456', SaleItemDiscount: '5' });
    expect((await client.operationsList({ ImportRefID: 'gw-sale-2' })).TotalRecords).toBe(0);
    expect((await client.operationsList({ ImportRefID: 'gw-sale-2', OperationStatus: ['TEMP'] })).TotalRecords).toBe(1);

    expect(await client.discardTempOperation(OperationID)).toBe(2);
    expect((await client.getOperation(OperationID)).SaleItems).toEqual([]);
    const refused = await failure(client.printOperation({ OperationID, PayTypeID: 1 }));
    expect(refused).toBeInstanceOf(VendorRejectedError);
    expect(refused).toMatchObject({ status: 200, vendorMessage: 'Wrong value for OperationID' });
  });

  it('refuses to send an amount finer than its column, before any request', async () => {
    await expect(client.addOperationPayment({ OperationID: 1, PayTypeID: 1, PaymentSum: '1.005' })).rejects.toBeInstanceOf(DecimalError);
    expect(running.stats().total).toBe(0);
  });

  it('adds a sale item priced without VAT, then edits it', async () => {
    const { SaleItemID } = await client.addSaleItem({
      SaleItemInventoryID: 'GW-1', SaleItemName: 'Gift card', SaleItemCashRegisterName: 'Gift card', SaleItemType: 'SERVICE',
      SaleItemPrimaryMeasureUnitID: 1, SaleItemTaxGroupID: 1, SaleItemSellPriceWithoutVat: '10', SaleItemBarcode: '2000000000015',
    });
    expect((await client.getSaleItems({ SaleItemID })).Data[0]).toMatchObject({ SaleItemSellPrice: '12.000000', SaleItemBarcodeBarcode: '2000000000015', SaleItemType: 'SERVICE' });
    await client.addSaleItem({
      EditSaleItemID: SaleItemID, SaleItemInventoryID: 'GW-1', SaleItemName: 'Gift card 2', SaleItemCashRegisterName: 'Gift card 2',
      SaleItemPrimaryMeasureUnitID: 1, SaleItemTaxGroupID: 1, SaleItemSellPrice: Decimal.parse('66.6'),
    });
    expect((await client.getSaleItems({ SaleItemID })).Data[0]).toMatchObject({ SaleItemName: 'Gift card 2', SaleItemSellPrice: '66.600000', SaleItemBarcodeBarcode: '2000000000015' });
  });

  it('adds a contragent and reads it back', async () => {
    const { ContragentID } = await client.addContragent({
      ContragentName: 'Иван Иванов', ContragentType: 'CLIENT', ContragentCountryCode: 'BG', ContragentCityName: 'София',
      ContragentTaxNum: 'BG131047312', ContragentVatRegistered: 1, ContragentEmail: 'ivan@example.com',
    });
    expect((await client.getContragents({ ContragentID })).Data).toEqual([
      expect.objectContaining({ ContragentID, ContragentName: 'Иван Иванов', ContragentTaxNum: 'BG131047312', ContragentVatRegistered: 1, ContragentEmail: 'ivan@example.com' }),
    ]);
  });

  it('records a cash movement on a register and answers its operation id', async () => {
    expect(await client.addCashRegisterAmount({ CashRegisterID: 39, ServiceIssuedSumSum: '150.00', ServiceIssuedSumType: 1 })).toEqual(expect.any(Number));
  });
});

describe('vendor refusals as typed errors', () => {
  it('reports a wrong secret as VendorAuthError with the vendor message, on HTTP 200', async () => {
    const error = await failure(clientFor(running, 'wrong-secret', { secret_key: 'not-the-secret' }).getPayTypes());
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(error).toMatchObject({ vendor: 'icash', connection: 'wrong-secret', status: 200, vendorMessage: 'Authentication Error' });
  });

  it('reports an unknown api_key as VendorAuthError', async () => {
    await expect(clientFor(running, 'stranger', { api_key: 'nobody' }).getPayTypes()).rejects.toBeInstanceOf(VendorAuthError);
  });

  it('reports an unknown operation or line as VendorNotFoundError', async () => {
    const missing = await failure(client.getOperation(999_999));
    expect(missing).toBeInstanceOf(VendorNotFoundError);
    expect(missing).toMatchObject({ vendorMessage: 'Wrong value for OperationID' });
    await expect(client.delOperationSaleItem(999_999)).rejects.toBeInstanceOf(VendorNotFoundError);
  });

  it('reports a write the vendor refuses as VendorRejectedError', async () => {
    const error = await failure(client.addOperationPayment({ OperationID: 1, PayTypeID: 1, PaymentSum: '1.00' }));
    expect(error).toBeInstanceOf(VendorRejectedError);
    expect(error).toMatchObject({ vendorMessage: 'Wrong value for OperationID', status: 200 });
  });

  it('refuses invalid credentials when built, without echoing them', () => {
    expect(() => new IcashClient({ connection: 'bad', baseUrl: running.url, credentials: { ...credentialsOf(running), WareHouseID: 'x-demo-icash-secret' } })).toThrow(TypeError);
    try {
      new IcashClient({ connection: 'bad', baseUrl: running.url, credentials: { ...credentialsOf(running), UserID: '' } });
    } catch (error) {
      expect(String(error)).not.toContain('demo-icash-secret');
    }
  });

  describe('against a fresh simulator', () => {
    let side: RunningSimulator;
    beforeAll(async () => {
      side = await startSimulator(createIcashSimulator({ sales: 50 }), { port: 0 });
    });
    afterAll(async () => {
      await side.close();
    });

    it('reports a stale nonce (the key was used ahead of this client) as VendorAuthError "Invalid nonce"', async () => {
      const credentials = credentialsOf(side);
      const ahead = Math.floor(Date.now() / 1000) + 10_000_000;
      await fetch(`${side.url}/clientapi/v1/get-pay-types`, {
        method: 'POST',
        body: new URLSearchParams({ api_key: credentials.api_key, nonce: String(ahead), signature: icashSignature(credentials.secret_key, ahead, credentials.WareHouseID, credentials.api_key), WareHouseID: credentials.WareHouseID }),
      });
      const error = await failure(clientFor(side).getPayTypes());
      expect(error).toBeInstanceOf(VendorAuthError);
      expect(error).toMatchObject({ vendorMessage: 'Invalid nonce' });
    });
  });

  it('gives up with VendorAuthError when the renewed session expires too', async () => {
    const inner = createIcashSimulator({ sales: 50 });
    const alwaysExpired: VendorSimulator = {
      vendor: inner.vendor,
      credentials: (baseUrl) => inner.credentials(baseUrl),
      counts: () => inner.counts(),
      errorResponse: (status, message) => inner.errorResponse(status, message),
      rateLimitResponse: (resetAt) => inner.rateLimitResponse(resetAt),
      expireTokens: () => inner.expireTokens(),
      handle: (request) => {
        if (!request.path.endsWith('/login')) inner.expireTokens();
        return inner.handle(request);
      },
    };
    const expiring = await startSimulator(alwaysExpired, { port: 0 });
    try {
      const error = await failure(clientFor(expiring).getPayTypes());
      expect(error).toBeInstanceOf(VendorAuthError);
      expect(error).toMatchObject({ vendorMessage: 'Session expired' });
      expect(expiring.stats().byRoute).toEqual({ [LOGIN_ROUTE]: 2, [`POST ${PAY_TYPES}`]: 2 });
    } finally {
      await expiring.close();
    }
  });
});

describe('sessions and nonces', () => {
  it('shares one login among concurrent first calls, and keeps 50 concurrent nonces in order', async () => {
    const fresh = clientFor(running, 'concurrent');
    const answers = await Promise.all(Array.from({ length: 50 }, () => fresh.getPayTypes()));
    expect(answers.every((answer) => answer.length === dataset.paymentMethods.length)).toBe(true);
    expect(logins()).toBe(1);
    expect(running.stats().byRoute[`POST ${PAY_TYPES}`]).toBe(50);
  });

  it('keeps one nonce counter for two clients of the same api_key', async () => {
    const first = clientFor(running, 'first');
    const second = clientFor(running, 'second');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? first : second).getCashRegisters()));
    expect(answers.every((answer) => answer.length === dataset.locations.length)).toBe(true);
  });

  it('renews an expired session once, transparently', async () => {
    const fresh = clientFor(running, 'renewing');
    await fresh.getPayTypes();
    running.addFault({ expireTokens: true });
    await expect(fresh.getPayTypes()).resolves.toHaveLength(dataset.paymentMethods.length);
    expect(logins()).toBe(2);
    expect(running.stats().byRoute[`POST ${PAY_TYPES}`]).toBe(3);
  });

  it('lets a call queued behind a slow one give up, while the slow one completes', async () => {
    running.addFault({ route: PAY_TYPES, latencyMs: 300, times: 1 });
    const slow = client.getPayTypes();
    const queued = failure(client.getCashRegisters({ signal: AbortSignal.timeout(20) }));
    const error = await queued;
    expect(error).toBeInstanceOf(VendorTimeoutError);
    expect(error).toMatchObject({ vendorMessage: 'aborted while waiting for an earlier call on the same api_key' });
    await expect(slow).resolves.toHaveLength(dataset.paymentMethods.length);
    await expect(client.getCashRegisters()).resolves.toHaveLength(dataset.locations.length);
  });
});

describe('faults of the simulator kit, seen through the client', () => {
  it('turns latency beyond the caller\'s deadline into VendorTimeoutError', async () => {
    running.addFault({ route: PAY_TYPES, latencyMs: 1_000 });
    await expect(client.getPayTypes({ signal: AbortSignal.timeout(50) })).rejects.toBeInstanceOf(VendorTimeoutError);
  });

  it.each([
    [500, VendorUnavailableError],
    [503, VendorUnavailableError],
    [401, VendorAuthError],
    [403, VendorAuthError],
    [404, VendorNotFoundError],
    [400, VendorRejectedError],
    [429, VendorRateLimitedError],
  ])('maps an injected HTTP %i to %o with the vendor message', async (status, errorClass) => {
    running.addFault({ route: PAY_TYPES, errorRate: 1, errorStatus: status });
    const error = await failure(client.getPayTypes());
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ status, vendorMessage: 'Injected failure' });
  });

  it('maps a rate-limit burst to VendorRateLimitedError without a retry hint, which iCash never gives', async () => {
    running.addFault({ route: PAY_TYPES, rateLimitBurst: 1 });
    const error = await failure(client.getPayTypes());
    expect(error).toBeInstanceOf(VendorRateLimitedError);
    expect(error).toMatchObject({ status: 429, vendorMessage: 'Too many requests', retryAfterMs: undefined });
    await expect(client.getPayTypes()).resolves.toHaveLength(dataset.paymentMethods.length);
  });

  it('re-authenticates transparently after expireTokens', async () => {
    running.addFault({ expireTokens: true });
    await expect(client.getCashRegisters()).resolves.toHaveLength(dataset.locations.length);
    expect(logins()).toBe(1);
  });

  it('reports invalid JSON as VendorMalformedResponseError', async () => {
    running.addFault({ route: PAY_TYPES, malformed: 'invalid' });
    await expect(client.getPayTypes()).rejects.toBeInstanceOf(VendorMalformedResponseError);
  });

  it('reports a truncated body as a connection or malformed-response failure', async () => {
    running.addFault({ route: PAY_TYPES, malformed: 'truncated' });
    const error = await failure(client.getPayTypes());
    expect(error instanceof VendorConnectionError || error instanceof VendorMalformedResponseError).toBe(true);
  });

  it('reports a reset connection as VendorConnectionError, and recovers after', async () => {
    running.addFault({ route: PAY_TYPES, resetConnection: true, times: 1 });
    await expect(client.getPayTypes()).rejects.toBeInstanceOf(VendorConnectionError);
    await expect(client.getPayTypes()).resolves.toHaveLength(dataset.paymentMethods.length);
  });

  it('never puts a key, secret, signature or session into an error', async () => {
    const credentials = credentialsOf(running);
    const errors: Error[] = [
      await failure(clientFor(running, 'leak-1', { secret_key: 'a-wrong-secret' }).getPayTypes()),
      await failure(client.getOperation(987_654)),
      await failure(client.addOperationPayment({ OperationID: 1, PayTypeID: 1, PaymentSum: '1.00' })),
    ];
    for (const fault of [{ errorRate: 1, errorStatus: 500 }, { malformed: 'invalid' as const }, { resetConnection: true }, { latencyMs: 500 }]) {
      running.addFault({ route: PAY_TYPES, ...fault });
      errors.push(await failure(client.getPayTypes({ signal: AbortSignal.timeout(100) })));
      running.reset();
    }
    for (const error of errors) {
      for (const text of [String(error), JSON.stringify(error), error.stack ?? '']) {
        expect(text).not.toContain(credentials.secret_key);
        expect(text).not.toContain('a-wrong-secret');
        expect(text).not.toContain(credentials.api_key);
        expect(text).not.toMatch(/[0-9a-f]{32}/i);
      }
    }
  });
});

describe('paging', () => {
  let small: RunningSimulator;
  let pager: IcashClient;
  const smallDataset = createDataset({ seed: 103, sales: 300, pricePlaces: 4 });

  beforeAll(async () => {
    small = await startSimulator(createIcashSimulator({ sales: 300 }), { port: 0 });
    pager = clientFor(small, 'pager');
  });

  afterAll(async () => {
    await small.close();
  });

  const lists = {
    items: {
      expected: smallDataset.items.map((item) => item.id),
      sorts: [undefined, 'SaleItemName', 'SaleItemType', 'SaleItemInventoryID', 'SaleItemBarcode'],
      page: async (query: { sort?: string; order: 'ASC' | 'DESC'; offset: number; count: number }) => {
        const result = await pager.getSaleItems(query);
        return { total: result.TotalRecords, ids: result.Data.map((row) => row.SaleItemID) };
      },
    },
    contragents: {
      expected: smallDataset.customers.map((customer) => customer.id),
      sorts: [undefined, 'ContragentName', 'ContragentType', 'ContragentTaxNum'],
      page: async (query: { sort?: string; order: 'ASC' | 'DESC'; offset: number; count: number }) => {
        const result = await pager.getContragents(query);
        return { total: result.TotalRecords, ids: result.Data.map((row) => row.ContragentID) };
      },
    },
    operations: {
      expected: smallDataset.sales.map((sale) => sale.id),
      sorts: [undefined, 'OperationDate', 'OperationStoreID', 'OperationContragentID', 'OperationType'],
      page: async (query: { sort?: string; order: 'ASC' | 'DESC'; offset: number; count: number }) => {
        const result = await pager.operationsList(query);
        return { total: result.TotalRecords, ids: result.Data.map((row) => row.OperationID) };
      },
    },
  };

  it('returns every record exactly once for any page size, sort and order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(lists) as Array<keyof typeof lists>)),
        fc.integer({ min: 17, max: 150 }),
        fc.nat(),
        fc.constantFrom('ASC' as const, 'DESC' as const),
        async (name, count, sortPick, order) => {
          const list = lists[name];
          const sort = list.sorts[sortPick % list.sorts.length];
          const seen: number[] = [];
          for (let offset = 0; ; ) {
            const { total, ids } = await list.page({ sort, order, offset, count });
            expect(total).toBe(list.expected.length);
            expect(ids.length).toBe(Math.min(count, 100, total - offset));
            seen.push(...ids);
            offset += ids.length;
            if (offset >= total) break;
          }
          expect(seen).toHaveLength(list.expected.length);
          expect([...seen].sort((a, b) => a - b)).toEqual(list.expected);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('walks a list with any page size through the iterator', async () => {
    expect((await collect(pager.allOperations({}, { pageSize: 37 }))).map((row) => row.OperationID)).toEqual(smallDataset.sales.map((sale) => sale.id));
    await expect(pager.allSaleItems({}, { pageSize: 101 }).next()).rejects.toThrow(RangeError);
  });
});
