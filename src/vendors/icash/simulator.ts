/**
 * The iCash client API on loopback (vendor-contracts.md §3, seed icash-client-api.txt):
 * `POST /clientapi/v1/<method>`, form-urlencoded, HMAC-signed with a strictly increasing
 * nonce per api_key, a session from `login`, and always HTTP 200 with a status-0 envelope
 * for errors. The shop is the shared dataset, rendered as iCash sees it:
 *
 *   items      → sale items (id = item id, InventoryID = SKU, TaxGroupID = tax id)
 *   customers  → contragents of type CLIENT
 *   locations  → stores, each with one cash register (iCash keeps cash per register)
 *   sales      → operations (Sell, or ReturnClient for refunds) with lines and payments
 *
 * Every assumption beyond the contract is listed in docs/vendors/icash.md.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Decimal, sumDecimals } from '../../core/money.ts';
import { toLocalDateTime } from '../../core/time.ts';
import { createDataset, type Dataset, type Sale } from '../../simulators/dataset.ts';
import type { EntityCounts, SimRequest, SimResponse, SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';
import {
  CASH_AMOUNT_TYPE,
  FISK_BON_UUID_PATTERN,
  ICASH_DEFAULT_PAGE,
  ICASH_ERRORS,
  ICASH_MAX_PAGE,
  ICASH_METHODS,
  ICASH_SCALE,
  OPERATION_STATUSES,
  icashSignature,
  missingValue,
  wrongValue,
  type IcashCashRegister,
  type IcashContragent,
  type IcashCredentials,
  type IcashMethod,
  type IcashOperation,
  type IcashOperationDetail,
  type IcashOperationStatus,
  type IcashPayType,
  type IcashSaleItem,
} from './wire.ts';

const DEFAULT_SEED = 103;
const TIME_ZONE = 'Europe/Sofia';
const CURRENCY = 'EUR';
const DEMO_CREDENTIALS: IcashCredentials = { api_key: 'demo-icash-key', secret_key: 'demo-icash-secret', WareHouseID: '785', UserID: '1' };
const SESSION_IDLE_MS = 30 * 60 * 1000;
/** 1 = piece, 2 = kilogram: the units the dataset sells in [assumed ids]. */
const MEASURE_UNIT = { piece: 1, kilogram: 2 } as const;
/** Cash register ids start where the vendor's example does (39, 40, …). */
const FIRST_CASH_REGISTER_ID = 39;
const FISCAL_OPERATOR = '0001';
const HUNDRED = Decimal.parse('100');

/** A refusal in the vendor's words; becomes a status-0 envelope. */
class Refusal extends Error {}

interface Account {
  readonly secretKey: string;
  readonly wareHouseId: string;
  readonly userIds: ReadonlySet<string>;
}

interface Session {
  readonly apiKey: string;
  readonly userId: number;
  lastUsedAt: number;
}

interface SaleItemRecord {
  readonly id: number;
  inventoryId: string;
  barcode: string;
  name: string;
  cashRegisterName: string;
  type: 'PRODUCT' | 'SERVICE';
  unitId: number;
  taxGroupId: number;
  /** At scale 6. */
  sellPrice: Decimal;
  forbidSupplements: 0 | 1;
  forbidSales: 0 | 1;
  forbidRefund: 0 | 1;
  status: 'Normal' | 'Deleted';
  comment: string;
  groupId: number | null;
}

interface ContragentRecord {
  readonly id: number;
  name: string;
  type: 'CLIENT' | 'SUPPLIER';
  barcode: string;
  taxNum: string;
  vatRegistered: 0 | 1;
  vatNum: string;
  mol: string;
  active: 0 | 1;
  phone: string;
  mobile: string;
  email: string;
  countryCode: string;
  cityName: string;
  address: string;
}

interface LineRecord {
  readonly id: number;
  readonly saleItemId: number;
  readonly qty: Decimal;
  readonly singlePrice: Decimal;
  readonly discountPercent: Decimal;
  /** Money of the line, in cents precision: round2(qty × price) − discount. */
  readonly discount: Decimal;
  readonly total: Decimal;
  readonly tax: Decimal;
}

interface PaymentRecord {
  readonly id: number;
  readonly payTypeId: number;
  readonly sum: Decimal;
}

interface OperationRecord {
  readonly id: number;
  readonly type: 'Sell' | 'ReturnClient' | 'Delivery';
  readonly cashRegisterId: number;
  readonly storeId: number;
  readonly num: number;
  readonly date: string;
  status: IcashOperationStatus;
  readonly contragentId: number;
  readonly comment: string;
  readonly fiskBonUuid: string | null;
  readonly createUserId: number;
  readonly createDate: string;
  completeUserId: number;
  completeDate: string | null;
  posCompleteDate: string | null;
  readonly importSource: string;
  readonly importRefId: string;
  readonly lines: LineRecord[];
  readonly payments: PaymentRecord[];
  price: Decimal;
  totalVat: Decimal;
  totalDiscount: Decimal;
  payedSum: Decimal;
}

interface CashMovement {
  readonly id: number;
  readonly cashRegisterId: number;
  readonly type: number;
  readonly sum: Decimal;
  readonly date: string;
}

type SortKey = number | string;

export function createIcashSimulator(options: SimulatorOptions = {}): VendorSimulator {
  const dataset = createDataset({ seed: options.seed ?? DEFAULT_SEED, sales: options.sales, lastDay: options.lastDay, pricePlaces: 4, currency: CURRENCY });
  return new IcashSimulator(dataset);
}

class IcashSimulator implements VendorSimulator {
  readonly vendor = 'icash' as const;

  private readonly accounts = new Map<string, Account>([
    [DEMO_CREDENTIALS.api_key, { secretKey: DEMO_CREDENTIALS.secret_key, wareHouseId: DEMO_CREDENTIALS.WareHouseID, userIds: new Set([DEMO_CREDENTIALS.UserID]) }],
  ]);
  private readonly lastNonce = new Map<string, bigint>();
  private readonly sessions = new Map<string, Session>();

  private readonly taxRates: Map<number, Decimal>;
  private readonly groupNames: Map<number, string>;
  private readonly payTypes: IcashPayType[];
  private readonly cashRegisters: IcashCashRegister[];
  private readonly storeIds: Set<number>;

  /** Lists are kept in id order, so the default sort needs no sorting. */
  private readonly saleItems: SaleItemRecord[] = [];
  private readonly saleItemsById = new Map<number, SaleItemRecord>();
  private readonly saleItemsByInventoryId = new Map<string, SaleItemRecord>();
  private readonly contragents: ContragentRecord[] = [];
  private readonly contragentsById = new Map<number, ContragentRecord>();
  private readonly operations: OperationRecord[] = [];
  private readonly operationsById = new Map<number, OperationRecord>();
  private readonly linesById = new Map<number, OperationRecord>();
  private readonly receiptNumbers = new Map<number, number>();
  private readonly cashMovements: CashMovement[] = [];
  private nextOperationId = 1;
  private nextLineId = 1;
  private nextPaymentId = 1;

  constructor(dataset: Dataset) {
    this.taxRates = new Map(dataset.taxes.map((tax) => [tax.id, Decimal.parse(tax.rate)]));
    this.groupNames = new Map(dataset.categories.map((category) => [category.id, category.name]));
    this.payTypes = dataset.paymentMethods.map((method) => ({ id: method.id, value: method.name }));
    this.cashRegisters = dataset.locations.map((location, index) => ({
      id: FIRST_CASH_REGISTER_ID + index,
      value: `${location.name} register`,
      type: index === 0 ? 'HARDWARE' : 'VIRTUAL',
      storeID: location.id,
    }));
    this.storeIds = new Set(dataset.locations.map((location) => location.id));
    this.loadItems(dataset);
    this.loadCustomers(dataset);
    this.loadSales(dataset);
  }

  credentials(): Record<string, string> {
    return { ...DEMO_CREDENTIALS };
  }

  counts(): EntityCounts {
    let sales = 0;
    let payments = 0;
    for (const operation of this.operations) {
      if (operation.status === 'NORMAL' && operation.type !== 'Delivery') {
        sales += 1;
        payments += operation.payments.length;
      }
    }
    return { items: this.saleItems.length, customers: this.contragents.length, sales, payments, cashbooks: this.cashRegisters.length, bookings: 0 };
  }

  expireTokens(): void {
    this.sessions.clear();
  }

  errorResponse(status: number, message: string): SimResponse {
    // Injected before the request is read, so there is no nonce to echo.
    return { status, body: { nonce: '', status: 0, error_message: message } };
  }

  rateLimitResponse(): SimResponse {
    // iCash documents no rate limit; this is the [assumed] shape, with no retry hint.
    return { status: 429, body: { nonce: '', status: 0, error_message: ICASH_ERRORS.tooManyRequests } };
  }

  handle(request: SimRequest): SimResponse {
    const method = /^\/clientapi\/v1\/([a-z-]+)$/.exec(request.path)?.[1];
    if (method === undefined || !(ICASH_METHODS as readonly string[]).includes(method)) {
      return { status: 404, body: { nonce: '', status: 0, error_message: 'Unknown method' } };
    }
    // Like PHP's $_POST: only a form body is read; JSON or a query string carries no parameters.
    const isJson = (request.headers['content-type'] ?? '').includes('application/json');
    const params = new Params(new URLSearchParams(isJson ? '' : request.body));
    const nonce = params.raw('nonce') ?? '';
    try {
      const data = this.dispatch(method as IcashMethod, params);
      return { status: 200, body: { nonce, status: 1, data } };
    } catch (error) {
      if (error instanceof Refusal) return { status: 200, body: { nonce, status: 0, error_message: error.message } };
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Authentication

  private dispatch(method: IcashMethod, params: Params): unknown {
    if (method === 'login') return this.login(params);
    const session = this.authenticate(params);
    switch (method) {
      case 'get-sale-items': return this.getSaleItems(params);
      case 'add-sale-item': return this.addSaleItem(params);
      case 'get-contragents': return this.getContragents(params);
      case 'add-contragent': return this.addContragent(params);
      case 'get-pay-types': return this.payTypes;
      case 'get-cash-registers': return this.cashRegisters;
      case 'add-cash-register-amount': return this.addCashRegisterAmount(params);
      case 'new-operation': return this.newOperation(params, session);
      case 'add-operation-sale-item': return this.addOperationSaleItem(params);
      case 'del-operation-sale-item': return this.delOperationSaleItem(params);
      case 'add-operation-payment': return this.addOperationPayment(params);
      case 'print-operation': return this.printOperation(params, session);
      case 'get-operation': return this.getOperation(params);
      case 'operations-list': return this.operationsList(params);
    }
  }

  /**
   * Key, signature, then nonce: a request that fails the signature does not burn a nonce,
   * one that passes it does, whatever fails after.
   */
  private verifySignature(params: Params, wareHouseRequired: boolean): { apiKey: string; account: Account; wareHouseId: string } {
    const apiKey = params.requiredText('api_key');
    const nonceText = params.requiredText('nonce');
    const signature = params.requiredText('signature');
    const givenWareHouseId = wareHouseRequired ? params.requiredText('WareHouseID') : params.raw('WareHouseID');
    const account = this.accounts.get(apiKey);
    if (!account) throw new Refusal(ICASH_ERRORS.authentication);
    // Later calls may leave WareHouseID out; they are then signed with the key's warehouse.
    const wareHouseId = givenWareHouseId ?? account.wareHouseId;
    if (!sameText(signature, icashSignature(account.secretKey, nonceText, wareHouseId, apiKey))) {
      throw new Refusal(ICASH_ERRORS.authentication);
    }
    if (!/^\d{1,18}$/.test(nonceText)) throw new Refusal(ICASH_ERRORS.invalidNonce);
    const nonce = BigInt(nonceText);
    if (nonce <= (this.lastNonce.get(apiKey) ?? 0n)) throw new Refusal(ICASH_ERRORS.invalidNonce);
    this.lastNonce.set(apiKey, nonce);
    if (wareHouseId !== account.wareHouseId) throw new Refusal(wrongValue('WareHouseID'));
    return { apiKey, account, wareHouseId };
  }

  private login(params: Params): { session_id: string } {
    const userId = params.requiredText('UserID');
    const { apiKey, account } = this.verifySignature(params, true);
    if (!account.userIds.has(userId)) throw new Refusal(wrongValue('UserID'));
    const sessionId = randomBytes(16).toString('hex');
    this.sessions.set(sessionId, { apiKey, userId: Number(userId), lastUsedAt: Date.now() });
    return { session_id: sessionId };
  }

  private authenticate(params: Params): Session {
    const { apiKey } = this.verifySignature(params, false);
    const sessionId = params.raw('ses');
    if (sessionId === undefined) throw new Refusal(ICASH_ERRORS.missingSession);
    const session = this.sessions.get(sessionId);
    const now = Date.now();
    if (!session || session.apiKey !== apiKey || now - session.lastUsedAt > SESSION_IDLE_MS) {
      this.sessions.delete(sessionId);
      throw new Refusal(ICASH_ERRORS.sessionExpired);
    }
    const userId = params.raw('UserID');
    if (userId !== undefined && userId !== String(session.userId)) throw new Refusal(wrongValue('UserID'));
    session.lastUsedAt = now;
    return session;
  }

  // -------------------------------------------------------------------------------------------
  // Sale items (3.10, 3.12)

  private getSaleItems(params: Params): { TotalRecords: number; Data: IcashSaleItem[] } {
    const storeId = params.optionalInt('StoreID');
    // Every item is sold in every store, so StoreID only has to name one.
    if (storeId !== undefined && !this.storeIds.has(storeId)) throw new Refusal(wrongValue('StoreID'));
    const id = params.optionalInt('SaleItemID');
    const inventoryId = params.optionalText('SaleItemInventoryID', 20);
    const barcode = params.optionalText('SaleItemBarcode', 20);
    const name = params.optionalText('SaleItemName', 100)?.toLowerCase();
    const type = params.optionalEnum('SaleItemType', ['PRODUCT', 'SERVICE'] as const);
    const cashRegisterName = params.optionalText('SaleItemCashRegisterName', 100)?.toLowerCase();
    const status = params.optionalEnum('SaleItemStatus', ['Normal', 'Deleted'] as const);
    const rows = id !== undefined ? [this.saleItemsById.get(id)].filter((row) => row !== undefined) : this.saleItems;
    const matching = rows.filter(
      (item) =>
        (id === undefined || item.id === id) &&
        (inventoryId === undefined || item.inventoryId === inventoryId) &&
        (barcode === undefined || item.barcode === barcode) &&
        (name === undefined || item.name.toLowerCase().includes(name)) &&
        (type === undefined || item.type === type) &&
        (cashRegisterName === undefined || item.cashRegisterName.toLowerCase().includes(cashRegisterName)) &&
        (status === undefined || item.status === status),
    );
    // The sortable columns are the filters the seed marks "No/YES".
    return page(params, matching, {
      SaleItemID: (item) => item.id,
      StoreID: () => 0,
      SaleItemInventoryID: (item) => item.inventoryId,
      SaleItemBarcode: (item) => item.barcode,
      SaleItemName: (item) => item.name,
      SaleItemType: (item) => item.type,
      SaleItemCashRegisterName: (item) => item.cashRegisterName,
      SaleItemStatus: (item) => item.status,
    }, (item) => this.renderSaleItem(item));
  }

  private addSaleItem(params: Params): { SaleItemID: number } {
    const editId = params.optionalInt('EditSaleItemID');
    const edited = editId === undefined ? undefined : this.saleItemsById.get(editId);
    if (editId !== undefined && !edited) throw new Refusal(wrongValue('EditSaleItemID'));
    const inventoryId = params.requiredText('SaleItemInventoryID', 20);
    const name = params.requiredText('SaleItemName', 100);
    const cashRegisterName = params.requiredText('SaleItemCashRegisterName', 100);
    const type = params.optionalEnum('SaleItemType', ['PRODUCT', 'SERVICE'] as const) ?? 'PRODUCT';
    const unitId = params.requiredInt('SaleItemPrimaryMeasureUnitID');
    if (unitId !== MEASURE_UNIT.piece && unitId !== MEASURE_UNIT.kilogram) throw new Refusal(wrongValue('SaleItemPrimaryMeasureUnitID'));
    const taxGroupId = params.requiredInt('SaleItemTaxGroupID');
    const rate = this.taxRates.get(taxGroupId);
    if (!rate) throw new Refusal(wrongValue('SaleItemTaxGroupID'));
    const priceWithoutVat = params.optionalDecimal('SaleItemSellPriceWithoutVat', 14, ICASH_SCALE.sellPrice);
    const priceWithVat = params.optionalDecimal('SaleItemSellPrice', 14, ICASH_SCALE.sellPrice);
    if (priceWithoutVat === undefined && priceWithVat === undefined) throw new Refusal(missingValue('SaleItemSellPrice'));
    const sellPrice = priceWithoutVat !== undefined ? percentOf(priceWithoutVat, HUNDRED.add(rate)).round(ICASH_SCALE.sellPrice) : priceWithVat!.round(ICASH_SCALE.sellPrice);
    const barcode = params.optionalText('SaleItemBarcode', 20);
    const groupId = params.optionalInt('SaleItemSaleItemGroupID');
    if (groupId !== undefined && !this.groupNames.has(groupId)) throw new Refusal(wrongValue('SaleItemSaleItemGroupID'));
    const owner = this.saleItemsByInventoryId.get(inventoryId);
    if (owner && owner !== edited) throw new Refusal(wrongValue('SaleItemInventoryID'));
    const forbidSupplements = params.optionalFlag('SaleItemForbidSupplements');
    const forbidSales = params.optionalFlag('SaleItemForbidSales');
    const forbidRefund = params.optionalFlag('SaleItemForbidRefund');
    const comment = params.optionalText('SaleItemComment', 65_535);

    // Everything is validated above; from here on the write cannot be refused half-done.
    const record: SaleItemRecord = edited ?? {
      id: (this.saleItems.at(-1)?.id ?? 0) + 1,
      inventoryId,
      barcode: '',
      name,
      cashRegisterName,
      type,
      unitId,
      taxGroupId,
      sellPrice,
      forbidSupplements: 0,
      forbidSales: 0,
      forbidRefund: 0,
      status: 'Normal',
      comment: '',
      groupId: null,
    };
    if (edited) this.saleItemsByInventoryId.delete(edited.inventoryId);
    record.inventoryId = inventoryId;
    record.name = name;
    record.cashRegisterName = cashRegisterName;
    record.type = type;
    record.unitId = unitId;
    record.taxGroupId = taxGroupId;
    record.sellPrice = sellPrice;
    if (barcode !== undefined) record.barcode = barcode;
    if (groupId !== undefined) record.groupId = groupId;
    if (comment !== undefined) record.comment = comment;
    if (forbidSupplements !== undefined) record.forbidSupplements = forbidSupplements;
    if (forbidSales !== undefined) record.forbidSales = forbidSales;
    if (forbidRefund !== undefined) record.forbidRefund = forbidRefund;
    if (!edited) {
      this.saleItems.push(record);
      this.saleItemsById.set(record.id, record);
    }
    this.saleItemsByInventoryId.set(inventoryId, record);
    return { SaleItemID: record.id };
  }

  private renderSaleItem(item: SaleItemRecord): IcashSaleItem {
    return {
      SaleItemID: item.id,
      SaleItemBarcodeBarcode: item.barcode,
      SaleItemInventoryID: item.inventoryId,
      SaleItemName: item.name,
      SaleItemCashRegisterName: item.cashRegisterName,
      SaleItemType: item.type,
      SaleItemPrimaryMeasureUnitID: item.unitId,
      SaleItemTaxGroupID: item.taxGroupId,
      SaleItemSellPrice: item.sellPrice.round(ICASH_SCALE.sellPrice).toString(),
      SaleItemForbidSupplements: item.forbidSupplements,
      SaleItemForbidSales: item.forbidSales,
      SaleItemForbidRefund: item.forbidRefund,
      SaleItemStatus: item.status,
      SaleItemComment: item.comment,
      SaleItemGroupName: item.groupId === null ? null : this.groupNames.get(item.groupId)!,
      SaleItemGroupID: item.groupId === null ? null : String(item.groupId),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Contragents (3.08, 3.09)

  private getContragents(params: Params): { TotalRecords: number; Data: IcashContragent[] } {
    const id = params.optionalInt('ContragentID');
    const name = params.optionalText('ContragentName', 100)?.toLowerCase();
    const type = params.optionalEnum('ContragentType', ['CLIENT', 'SUPPLIER'] as const);
    const barcode = params.optionalText('ContragentBarcode', 20);
    const taxNum = params.optionalText('ContragentTaxNum', 15);
    const active = params.optionalFlag('ContragentActive');
    const rows = id !== undefined ? [this.contragentsById.get(id)].filter((row) => row !== undefined) : this.contragents;
    const matching = rows.filter(
      (contragent) =>
        (name === undefined || contragent.name.toLowerCase().includes(name)) &&
        (type === undefined || contragent.type === type) &&
        (barcode === undefined || contragent.barcode === barcode) &&
        (taxNum === undefined || contragent.taxNum === taxNum) &&
        (active === undefined || contragent.active === active),
    );
    return page(params, matching, {
      ContragentID: (contragent) => contragent.id,
      ContragentName: (contragent) => contragent.name,
      ContragentType: (contragent) => contragent.type,
      ContragentBarcode: (contragent) => contragent.barcode,
      ContragentTaxNum: (contragent) => contragent.taxNum,
      ContragentActive: (contragent) => contragent.active,
    }, renderContragent);
  }

  private addContragent(params: Params): { ContragentID: number } {
    const editId = params.optionalInt('EditContragentID');
    const edited = editId === undefined ? undefined : this.contragentsById.get(editId);
    if (editId !== undefined && !edited) throw new Refusal(wrongValue('EditContragentID'));
    const fields = {
      name: params.requiredText('ContragentName', 100),
      type: params.requiredEnum('ContragentType', ['CLIENT', 'SUPPLIER'] as const),
      countryCode: params.requiredText('ContragentCountryCode', 2),
      cityName: params.requiredText('ContragentCityName', 70),
      taxNum: params.requiredText('ContragentTaxNum', 15),
      vatRegistered: params.requiredFlag('ContragentVatRegistered'),
      barcode: params.optionalText('ContragentBarcode', 20),
      address: params.optionalText('ContragentAddress', 100),
      vatNum: params.optionalText('ContragentVatNum', 15),
      mol: params.optionalText('ContragentMOL', 60),
      phone: params.optionalText('ContragentPhone', 20),
      mobile: params.optionalText('ContragentMobile', 20),
      email: params.optionalText('ContragentEmail', 75),
    };
    if (!/^[A-Z]{2}$/.test(fields.countryCode)) throw new Refusal(wrongValue('ContragentCountryCode'));
    if (fields.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(fields.email)) throw new Refusal(wrongValue('ContragentEmail'));

    const record: ContragentRecord = edited ?? {
      id: (this.contragents.at(-1)?.id ?? 0) + 1,
      name: '',
      type: 'CLIENT',
      barcode: '',
      taxNum: '',
      vatRegistered: 0,
      vatNum: '',
      mol: '',
      active: 1,
      phone: '',
      mobile: '',
      email: '',
      countryCode: '',
      cityName: '',
      address: '',
    };
    assignDefined(record, fields);
    if (!edited) {
      this.contragents.push(record);
      this.contragentsById.set(record.id, record);
    }
    return { ContragentID: record.id };
  }

  // -------------------------------------------------------------------------------------------
  // Cash registers (3.25)

  private addCashRegisterAmount(params: Params): number {
    const cashRegisterId = params.requiredInt('CashRegisterID');
    if (!this.cashRegisters.some((register) => register.id === cashRegisterId)) throw new Refusal(wrongValue('CashRegisterID'));
    const sum = params.requiredDecimal('ServiceIssuedSumSum', 12, 2);
    const type = params.requiredInt('ServiceIssuedSumType');
    if (!(Object.values(CASH_AMOUNT_TYPE) as number[]).includes(type)) throw new Refusal(wrongValue('ServiceIssuedSumType'));
    // The answer is an operation id, so movements draw from the operation sequence.
    const id = this.nextOperationId++;
    this.cashMovements.push({ id, cashRegisterId, type, sum, date: nowLocal() });
    return id;
  }

  // -------------------------------------------------------------------------------------------
  // Operations (3.13–3.20)

  private newOperation(params: Params, session: Session): { OperationID: number; OperationFiskBonUUID?: string } {
    const importSource = params.requiredText('ImportSource', 30);
    const importRefId = params.optionalText('ImportRefID', 30) ?? '';
    const type = params.requiredEnum('OperationType', ['Sell', 'ReturnClient', 'Delivery'] as const);
    params.optionalEnum('OperationElectronicReceipt', ['YES', 'NO'] as const);
    const cashRegisterId = params.requiredInt('CashRegisterID');
    const storeId = params.requiredInt('StoreID');
    if (!this.storeIds.has(storeId)) throw new Refusal(wrongValue('StoreID'));
    const register = this.cashRegisters.find((candidate) => candidate.id === cashRegisterId);
    // A register belongs to one store [assumed]: a register of another store is a wrong value.
    if (!register || register.storeID !== storeId) throw new Refusal(wrongValue('CashRegisterID'));
    const contragentId = params.optionalInt('ContragentID');
    if (contragentId !== undefined && !this.contragentsById.has(contragentId)) throw new Refusal(wrongValue('ContragentID'));
    const comment = params.optionalText('Comment', 255) ?? '';
    let returnedReceipt: string | null = null;
    if (type === 'ReturnClient') {
      params.optionalEnum('StornoType', ['0', '1', '2'] as const);
      params.requiredInt('FiskBonRcpNum');
      params.requiredInt('FiskDeviceNum', 10_000_000);
      const fiskBonDate = params.requiredText('FiskBonDate', 14);
      if (!/^\d{2}-\d{2}-\d{2} \d{2}:\d{2}$/.test(fiskBonDate)) throw new Refusal(wrongValue('FiskBonDate'));
      returnedReceipt = params.requiredText('FiskBonUUID', 21);
      if (!FISK_BON_UUID_PATTERN.test(returnedReceipt)) throw new Refusal(wrongValue('FiskBonUUID'));
    }

    const now = nowLocal();
    const operation = this.addOperation({
      type,
      cashRegisterId,
      storeId,
      status: 'TEMP',
      contragentId: contragentId ?? 0,
      comment,
      createUserId: session.userId,
      createDate: now,
      importSource,
      importRefId,
      returnedReceipt,
    });
    return type === 'Sell' ? { OperationID: operation.id, OperationFiskBonUUID: operation.fiskBonUuid! } : { OperationID: operation.id };
  }

  /** Only an unprinted (TEMP) operation takes lines and payments or can be printed. */
  private openOperation(params: Params): OperationRecord {
    const operation = this.operationsById.get(params.requiredInt('OperationID'));
    if (!operation || operation.status !== 'TEMP') throw new Refusal(wrongValue('OperationID'));
    return operation;
  }

  private addOperationSaleItem(params: Params): { OperationSaleItemID: number } {
    const operation = this.openOperation(params);
    const saleItemId = params.optionalInt('SaleItemID');
    const inventoryId = saleItemId === undefined ? params.optionalText('SaleItemInventoryID', 20) : undefined;
    if (saleItemId === undefined && inventoryId === undefined) throw new Refusal(missingValue('SaleItemID'));
    const item = saleItemId !== undefined ? this.saleItemsById.get(saleItemId) : this.saleItemsByInventoryId.get(inventoryId!);
    const itemParam = saleItemId !== undefined ? 'SaleItemID' : 'SaleItemInventoryID';
    if (!item || item.status !== 'Normal') throw new Refusal(wrongValue(itemParam));
    if ((operation.type === 'Sell' && item.forbidSales) || (operation.type === 'ReturnClient' && item.forbidRefund) || (operation.type === 'Delivery' && item.forbidSupplements)) {
      throw new Refusal(wrongValue(itemParam));
    }
    const qty = params.requiredDecimal('Qty', 10, ICASH_SCALE.quantity);
    if (qty.isZero()) throw new Refusal(wrongValue('Qty'));
    const singlePrice = params.requiredDecimal('SaleItemSinglePrice', 10, ICASH_SCALE.singlePrice);
    const discountPercent = params.optionalDecimal('SaleItemDiscount', 4, ICASH_SCALE.discountPercent) ?? Decimal.zero;
    if (discountPercent.compare(HUNDRED) >= 0) throw new Refusal(wrongValue('SaleItemDiscount'));

    const gross = qty.mul(singlePrice).round(2);
    const discount = percentOf(gross, discountPercent).round(2);
    const total = gross.sub(discount);
    const line: LineRecord = {
      id: this.nextLineId++,
      saleItemId: item.id,
      qty,
      singlePrice,
      discountPercent,
      discount,
      total,
      tax: includedTax(total, this.taxRates.get(item.taxGroupId)!),
    };
    operation.lines.push(line);
    this.linesById.set(line.id, operation);
    recomputeTotals(operation);
    return { OperationSaleItemID: line.id };
  }

  private delOperationSaleItem(params: Params): { OperationSaleItemID: number } {
    const lineId = params.requiredInt('OperationSaleItemID');
    const operation = this.linesById.get(lineId);
    if (!operation || operation.status !== 'TEMP') throw new Refusal(wrongValue('OperationSaleItemID'));
    operation.lines.splice(operation.lines.findIndex((line) => line.id === lineId), 1);
    this.linesById.delete(lineId);
    recomputeTotals(operation);
    return { OperationSaleItemID: lineId };
  }

  private addOperationPayment(params: Params): { result: 'OK'; PaymentID: string } {
    const operation = this.openOperation(params);
    const payTypeId = this.payTypeParam(params);
    const sum = params.requiredDecimal('PaymentSum', 10, ICASH_SCALE.payment);
    if (sum.isZero()) throw new Refusal(wrongValue('PaymentSum'));
    const payment: PaymentRecord = { id: this.nextPaymentId++, payTypeId, sum };
    operation.payments.push(payment);
    recomputeTotals(operation);
    return { result: 'OK', PaymentID: String(payment.id) };
  }

  /**
   * Completes the operation: what is still unpaid is paid with PayTypeID [assumed], the
   * status turns NORMAL and the completion dates are set. An operation without lines
   * cannot be printed, so an emptied one can never be completed by mistake.
   */
  private printOperation(params: Params, session: Session): number {
    const operation = this.openOperation(params);
    const payTypeId = this.payTypeParam(params);
    if (operation.lines.length === 0) throw new Refusal(wrongValue('OperationID'));
    const unpaid = operation.price.sub(operation.payedSum);
    if (unpaid.compare(Decimal.zero) > 0) {
      operation.payments.push({ id: this.nextPaymentId++, payTypeId, sum: unpaid.round(ICASH_SCALE.payment) });
      recomputeTotals(operation);
    }
    const now = nowLocal();
    operation.status = 'NORMAL';
    operation.completeUserId = session.userId;
    operation.completeDate = now;
    operation.posCompleteDate = now;
    return operation.id;
  }

  private payTypeParam(params: Params): number {
    const payTypeId = params.requiredInt('PayTypeID');
    if (!this.payTypes.some((payType) => payType.id === payTypeId)) throw new Refusal(wrongValue('PayTypeID'));
    return payTypeId;
  }

  private getOperation(params: Params): IcashOperationDetail {
    const operation = this.operationsById.get(params.requiredInt('OperationID'));
    if (!operation) throw new Refusal(wrongValue('OperationID'));
    return {
      ...renderOperation(operation),
      SaleItems: operation.lines.map((line) => ({
        OperationSaleItemID: line.id,
        SaleItemID: line.saleItemId,
        Qty: line.qty.round(ICASH_SCALE.quantity).toString(),
        SaleItemSinglePrice: line.singlePrice.round(ICASH_SCALE.singlePrice).toString(),
        SaleItemDiscount: line.discountPercent.round(ICASH_SCALE.discountPercent).toString(),
      })),
      Payments: operation.payments.map((payment) => ({
        PaymentID: String(payment.id),
        PayTypeID: payment.payTypeId,
        PaymentSum: payment.sum.round(ICASH_SCALE.payment).toString(),
      })),
    };
  }

  private operationsList(params: Params): { TotalRecords: number; Data: IcashOperation[] } {
    const id = params.optionalInt('OperationID');
    const storeId = params.optionalInt('OperationStoreID');
    const types = params.set('OperationType', ['Sell', 'ReturnClient'] as const, ['Sell', 'ReturnClient']);
    const contragentId = params.optionalInt('OperationContragentID');
    const statuses = params.set('OperationStatus', OPERATION_STATUSES, ['NORMAL']);
    const importSource = params.optionalText('ImportSource', 30);
    const importRefId = params.optionalText('ImportRefID', 30);
    const dateFrom = params.optionalLocal('OperationDateFrom', 'date');
    const dateTo = params.optionalLocal('OperationDateTo', 'date');
    const createFrom = params.optionalLocal('OperationCreateDateFrom', 'datetime');
    const createTo = params.optionalLocal('OperationCreateDateTo', 'datetime');
    const completeFrom = params.optionalLocal('OperationCompleteDateFrom', 'datetime');
    const completeTo = params.optionalLocal('OperationCompleteDateTo', 'datetime');
    const createUserId = params.optionalInt('OperationCreateUserID');
    const completeUserId = params.optionalInt('OperationCompleteUserID');
    const typeSet = new Set<string>(types);
    const statusSet = new Set<string>(statuses);

    const rows = id !== undefined ? [this.operationsById.get(id)].filter((row) => row !== undefined) : this.operations;
    const within = (value: string | null, from: string | undefined, to: string | undefined): boolean =>
      (from === undefined && to === undefined) || (value !== null && (from === undefined || value >= from) && (to === undefined || value <= to));
    const matching = rows.filter(
      (operation) =>
        typeSet.has(operation.type) &&
        statusSet.has(operation.status) &&
        (storeId === undefined || operation.storeId === storeId) &&
        (contragentId === undefined || operation.contragentId === contragentId) &&
        (importSource === undefined || operation.importSource === importSource) &&
        (importRefId === undefined || operation.importRefId === importRefId) &&
        within(operation.date, dateFrom, dateTo) &&
        within(operation.createDate, createFrom, createTo) &&
        within(operation.completeDate, completeFrom, completeTo) &&
        (createUserId === undefined || operation.createUserId === createUserId) &&
        (completeUserId === undefined || operation.completeUserId === completeUserId),
    );
    return page(params, matching, {
      OperationID: (operation) => operation.id,
      OperationStoreID: (operation) => operation.storeId,
      OperationType: (operation) => operation.type,
      OperationContragentID: (operation) => operation.contragentId,
      OperationStatus: (operation) => operation.status,
      OperationDate: (operation) => operation.date,
      OperationCreateDate: (operation) => operation.createDate,
      OperationCompleteDate: (operation) => operation.completeDate ?? '',
      OperationCreateUserID: (operation) => operation.createUserId,
      OperationCompleteUserID: (operation) => operation.completeUserId,
    }, renderOperation);
  }

  private addOperation(fields: {
    type: OperationRecord['type'];
    cashRegisterId: number;
    storeId: number;
    status: IcashOperationStatus;
    contragentId: number;
    comment: string;
    createUserId: number;
    createDate: string;
    importSource: string;
    importRefId: string;
    returnedReceipt: string | null;
  }): OperationRecord {
    const num = (this.receiptNumbers.get(fields.cashRegisterId) ?? 0) + 1;
    this.receiptNumbers.set(fields.cashRegisterId, num);
    const completed = fields.status === 'NORMAL';
    const operation: OperationRecord = {
      id: this.nextOperationId++,
      type: fields.type,
      cashRegisterId: fields.cashRegisterId,
      storeId: fields.storeId,
      num,
      date: fields.createDate.slice(0, 10),
      status: fields.status,
      contragentId: fields.contragentId,
      comment: fields.comment,
      // A return made through the API refers to the receipt it reverses; anything else has its own sale number.
      fiskBonUuid: fields.returnedReceipt ?? `IC${String(fields.cashRegisterId).padStart(6, '0')}-${FISCAL_OPERATOR}-${String(num).padStart(7, '0')}`,
      createUserId: fields.createUserId,
      createDate: fields.createDate,
      completeUserId: completed ? fields.createUserId : 0,
      completeDate: completed ? fields.createDate : null,
      posCompleteDate: completed ? fields.createDate : null,
      importSource: fields.importSource,
      importRefId: fields.importRefId,
      lines: [],
      payments: [],
      price: Decimal.zero,
      totalVat: Decimal.zero,
      totalDiscount: Decimal.zero,
      payedSum: Decimal.zero,
    };
    this.operations.push(operation);
    this.operationsById.set(operation.id, operation);
    return operation;
  }

  // -------------------------------------------------------------------------------------------
  // Dataset loading

  private loadItems(dataset: Dataset): void {
    const servicesCategory = dataset.categories.find((category) => category.name === 'Services')?.id;
    for (const item of dataset.items) {
      const record: SaleItemRecord = {
        id: item.id,
        inventoryId: item.code,
        barcode: item.barcode ?? '',
        name: item.name,
        cashRegisterName: item.name,
        type: item.categoryId === servicesCategory ? 'SERVICE' : 'PRODUCT',
        unitId: item.soldByWeight ? MEASURE_UNIT.kilogram : MEASURE_UNIT.piece,
        taxGroupId: item.taxId,
        sellPrice: Decimal.parse(item.price).round(ICASH_SCALE.sellPrice),
        forbidSupplements: 0,
        forbidSales: 0,
        forbidRefund: 0,
        status: 'Normal',
        comment: '',
        groupId: item.categoryId,
      };
      this.saleItems.push(record);
      this.saleItemsById.set(record.id, record);
      this.saleItemsByInventoryId.set(record.inventoryId, record);
    }
  }

  private loadCustomers(dataset: Dataset): void {
    for (const customer of dataset.customers) {
      const person = `${customer.firstName} ${customer.lastName}`;
      const record: ContragentRecord = {
        id: customer.id,
        name: customer.company ?? person,
        type: 'CLIENT',
        barcode: '',
        // The VAT number is the country prefix and the company's tax number.
        taxNum: customer.vatNumber?.slice(2) ?? '',
        vatRegistered: customer.vatNumber ? 1 : 0,
        vatNum: customer.vatNumber ?? '',
        mol: person,
        active: 1,
        phone: customer.phone ?? '',
        mobile: '',
        email: customer.email ?? '',
        countryCode: customer.country,
        cityName: customer.city,
        address: `${customer.street}, ${customer.zipCode}`,
      };
      this.contragents.push(record);
      this.contragentsById.set(record.id, record);
    }
  }

  /**
   * Refunds become ReturnClient operations whose quantities and amounts are positive, as on
   * a storno receipt; the operation type carries the sign [assumed].
   */
  private loadSales(dataset: Dataset): void {
    const paymentsBySale = new Map<number, PaymentRecord[]>();
    for (const payment of dataset.payments) {
      const list = paymentsBySale.get(payment.saleId) ?? [];
      list.push({ id: payment.id, payTypeId: payment.methodId, sum: absolute(Decimal.parse(payment.amount)).round(ICASH_SCALE.payment) });
      paymentsBySale.set(payment.saleId, list);
      this.nextPaymentId = Math.max(this.nextPaymentId, payment.id + 1);
    }
    const registerOfStore = new Map(this.cashRegisters.map((register) => [register.storeID, register.id]));
    for (const sale of dataset.sales) {
      const createDate = localClock(sale.createdAt);
      const operation = this.addOperation({
        type: sale.isRefund ? 'ReturnClient' : 'Sell',
        cashRegisterId: registerOfStore.get(sale.locationId)!,
        storeId: sale.locationId,
        status: 'NORMAL',
        contragentId: sale.customerId ?? 0,
        comment: sale.note ?? '',
        createUserId: Number(DEMO_CREDENTIALS.UserID),
        createDate,
        importSource: '',
        importRefId: '',
        returnedReceipt: null,
      });
      if (operation.id !== sale.id) throw new Error(`iCash simulator: operation ${operation.id} does not match sale ${sale.id}`);
      for (const line of sale.lines) operation.lines.push(this.datasetLine(line));
      for (const line of operation.lines) this.linesById.set(line.id, operation);
      operation.payments.push(...(paymentsBySale.get(sale.id) ?? []));
      recomputeTotals(operation);
      if (!operation.price.equals(absolute(Decimal.parse(sale.total)))) {
        throw new Error(`iCash simulator: operation ${operation.id} totals ${operation.price.toString()}, the sale ${sale.total}`);
      }
    }
  }

  /**
   * iCash stores a discount as a percent; the dataset's only discount is 10 % of the line's
   * gross, rounded to cents, which is exactly what the percent reproduces (checked here).
   */
  private datasetLine(line: Sale['lines'][number]): LineRecord {
    const qty = absolute(Decimal.parse(line.quantity));
    const singlePrice = Decimal.parse(line.unitPrice);
    const discount = Decimal.parse(line.discount);
    const discountPercent = discount.isZero() ? Decimal.zero : Decimal.parse('10');
    const gross = qty.mul(singlePrice).round(2);
    if (!percentOf(gross, discountPercent).round(2).equals(discount)) {
      throw new Error(`iCash simulator: discount ${line.discount} of item ${line.itemId} is not a whole percent of ${gross.toString()}`);
    }
    return {
      id: this.nextLineId++,
      saleItemId: line.itemId,
      qty,
      singlePrice,
      discountPercent,
      discount,
      total: absolute(Decimal.parse(line.total)),
      tax: absolute(Decimal.parse(line.tax)),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering and arithmetic

function renderContragent(contragent: ContragentRecord): IcashContragent {
  return {
    ContragentID: contragent.id,
    ContragentName: contragent.name,
    ContragentType: contragent.type,
    ContragentBarcode: contragent.barcode,
    ContragentTaxNum: contragent.taxNum,
    ContragentVatRegistered: contragent.vatRegistered,
    ContragentVatNum: contragent.vatNum,
    ContragentMOL: contragent.mol,
    ContragentAllowPartPays: 0,
    ContragentForbidSupplies: 0,
    ContragentForbidSales: 0,
    ContragentActive: contragent.active,
    ContragentPhone: contragent.phone,
    ContragentMobile: contragent.mobile,
    ContragentEmail: contragent.email,
    ContragentCountryCode: contragent.countryCode,
    ContragentCityName: contragent.cityName,
    ContragentAddress: contragent.address,
  };
}

function renderOperation(operation: OperationRecord): IcashOperation {
  const money = (value: Decimal): string => value.round(ICASH_SCALE.operationMoney).toString();
  return {
    OperationID: operation.id,
    OperationType: operation.type,
    OperationCashRegisterID: operation.cashRegisterId,
    OperationStoreID: operation.storeId,
    OperationNum: operation.num,
    OperationDate: operation.date,
    OperationStatus: operation.status,
    OperationContragentID: operation.contragentId,
    OperationComment: operation.comment,
    OperationPrice: money(operation.price),
    OperationCurrencyCode: CURRENCY,
    OperationPriceWithoutVat: money(operation.price.sub(operation.totalVat)),
    OperationTotalVat: money(operation.totalVat),
    OperationPayedSum: money(operation.payedSum),
    OperationTotalDiscount: money(operation.totalDiscount),
    OperationFiskBonUUID: operation.fiskBonUuid,
    OperationCreateUserID: operation.createUserId,
    OperationCreateDate: operation.createDate,
    OperationCompleteUserID: operation.completeUserId,
    OperationCompleteDate: operation.completeDate,
    OperationPosCompleteDate: operation.posCompleteDate,
  };
}

function recomputeTotals(operation: OperationRecord): void {
  operation.price = sumDecimals(operation.lines.map((line) => line.total));
  operation.totalVat = sumDecimals(operation.lines.map((line) => line.tax));
  operation.totalDiscount = sumDecimals(operation.lines.map((line) => line.discount));
  operation.payedSum = sumDecimals(operation.payments.map((payment) => payment.sum));
}

/** value × percent / 100, exactly (dividing by 100 only moves the decimal point). */
function percentOf(value: Decimal, percent: Decimal): Decimal {
  const product = value.mul(percent);
  return Decimal.of(product.units, product.scale + 2);
}

/** VAT inside a VAT-inclusive amount: gross × rate / (100 + rate), rounded half away from zero to cents. */
function includedTax(gross: Decimal, rate: Decimal): Decimal {
  const numerator = 100n * gross.units * rate.units;
  const denominator = 10n ** BigInt(gross.scale) * (100n * 10n ** BigInt(rate.scale) + rate.units);
  const magnitude = numerator < 0n ? -numerator : numerator;
  let cents = magnitude / denominator;
  if ((magnitude % denominator) * 2n >= denominator) cents += 1n;
  return Decimal.of(numerator < 0n ? -cents : cents, 2);
}

/** Copies the fields that were sent; an edit leaves the others as they were. */
function assignDefined<T extends object>(target: T, fields: { [K in keyof T]?: T[K] | undefined }): void {
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
}

function absolute(value: Decimal): Decimal {
  return value.isNegative() ? value.negate() : value;
}

function nowLocal(): string {
  return localClock(new Date().toISOString());
}

const HOUR_MS = 3_600_000;
const offsetByUtcHour = new Map<number, number>();

/**
 * Local wall-clock time in Sofia. Zone offsets only change on whole UTC hours, so one
 * Intl lookup per hour serves every sale in it: start-up with 100,000 sales stays fast.
 */
function localClock(iso: string): string {
  const epochMs = Date.parse(iso);
  const hour = Math.floor(epochMs / HOUR_MS) * HOUR_MS;
  let offset = offsetByUtcHour.get(hour);
  if (offset === undefined) {
    offset = Date.parse(`${toLocalDateTime(new Date(hour), TIME_ZONE).replace(' ', 'T')}Z`) - hour;
    offsetByUtcHour.set(hour, offset);
  }
  return new Date(epochMs + offset).toISOString().slice(0, 19).replace('T', ' ');
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * One page of an id-ordered list: `sort` must name a sortable column, `order` is ASC|DESC,
 * `count` defaults to 10 and is clamped to 100 [assumed], ties are broken by id so that
 * paging with any page size sees every row exactly once.
 */
function page<R extends { readonly id: number }, Out>(
  params: Params,
  rows: readonly R[],
  sortable: Record<string, (row: R) => SortKey>,
  render: (row: R) => Out,
): { TotalRecords: number; Data: Out[] } {
  const sort = params.optionalText('sort', 64);
  if (sort !== undefined && !Object.hasOwn(sortable, sort)) throw new Refusal(wrongValue('sort'));
  const order = params.optionalEnum('order', ['ASC', 'DESC'] as const) ?? 'ASC';
  const offset = params.optionalInt('offset') ?? 0;
  const count = Math.min(params.optionalInt('count', 1) ?? ICASH_DEFAULT_PAGE, ICASH_MAX_PAGE);
  let ordered: readonly R[] = rows;
  const key = sort === undefined ? undefined : sortable[sort];
  if (key) {
    const keyed = rows.map((row) => ({ row, key: key(row) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.row.id - b.row.id));
    ordered = keyed.map((entry) => entry.row);
  }
  if (order === 'DESC') ordered = [...ordered].reverse();
  return { TotalRecords: rows.length, Data: ordered.slice(offset, offset + count).map(render) };
}

/** Reads form parameters as the vendor validates them: empty counts as missing. */
class Params {
  constructor(private readonly values: URLSearchParams) {}

  raw(name: string): string | undefined {
    const value = this.values.get(name);
    return value === null || value === '' ? undefined : value;
  }

  optionalText(name: string, maxLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && [...value].length > maxLength) throw new Refusal(wrongValue(name));
    return value;
  }

  requiredText(name: string, maxLength = 255): string {
    const value = this.optionalText(name, maxLength);
    if (value === undefined) throw new Refusal(missingValue(name));
    return value;
  }

  optionalInt(name: string, min = 0): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const parsed = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= min)) throw new Refusal(wrongValue(name));
    return parsed;
  }

  requiredInt(name: string, min = 0): number {
    const value = this.optionalInt(name, min);
    if (value === undefined) throw new Refusal(missingValue(name));
    return value;
  }

  optionalFlag(name: string): 0 | 1 | undefined {
    const value = this.optionalEnum(name, ['0', '1'] as const);
    return value === undefined ? undefined : value === '1' ? 1 : 0;
  }

  requiredFlag(name: string): 0 | 1 {
    const value = this.optionalFlag(name);
    if (value === undefined) throw new Refusal(missingValue(name));
    return value;
  }

  /** A non-negative DECIMAL(precision, scale): more decimals than the column holds is wrong, not rounded. */
  optionalDecimal(name: string, precision: number, scale: number): Decimal | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const pattern = new RegExp(`^\\d{1,${precision - scale}}(\\.\\d{1,${scale}})?$`);
    if (!pattern.test(value)) throw new Refusal(wrongValue(name));
    return Decimal.parse(value);
  }

  requiredDecimal(name: string, precision: number, scale: number): Decimal {
    const value = this.optionalDecimal(name, precision, scale);
    if (value === undefined) throw new Refusal(missingValue(name));
    return value;
  }

  optionalEnum<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(name);
    if (value !== undefined && !(allowed as readonly string[]).includes(value)) throw new Refusal(wrongValue(name));
    return value as T | undefined;
  }

  requiredEnum<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.optionalEnum(name, allowed);
    if (value === undefined) throw new Refusal(missingValue(name));
    return value;
  }

  /** A MySQL SET: comma-separated members. */
  set<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): readonly T[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const members = value.split(',').map((member) => member.trim());
    if (!members.every((member) => (allowed as readonly string[]).includes(member))) throw new Refusal(wrongValue(name));
    return members as T[];
  }

  optionalLocal(name: string, kind: 'date' | 'datetime'): string | undefined {
    const value = this.raw(name);
    const pattern = kind === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
    if (value !== undefined && !pattern.test(value)) throw new Refusal(wrongValue(name));
    return value;
  }
}
