/**
 * createCustomer at iCash against its simulator on loopback (no mocks): the adapter's writer,
 * and the GraphQL gateway over the core's write-once path. The reference travels in
 * ContragentBarcode, so a lost answer is settled by one get-contragents call
 * (docs/vendors/icash.md "Writes: customers").
 */
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteRefusedError, type CustomerDraft, type CustomerWriter, type VendorAdapter } from '../../../src/core/adapter.ts';
import { HttpTransport } from '../../../src/core/http.ts';
import { encodeGlobalId } from '../../../src/core/ids.ts';
import { createConnections, parseConfig } from '../../../src/config.ts';
import { createGateway, type Gateway } from '../../../src/server.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulators/server.ts';
import { icashAdapterModule, type IcashSettings } from '../../../src/vendors/icash/adapter.ts';
import { IcashClient } from '../../../src/vendors/icash/client.ts';
import { ICASH_NO_TAX_NUMBER, icashCustomerBarcode } from '../../../src/vendors/icash/customer-writer.ts';
import { createIcashSimulator } from '../../../src/vendors/icash/simulator.ts';

const SEED = 103;
const SALES = 50;
const CONNECTION = 'icash-customers';
const METHOD = (name: string): string => `/clientapi/v1/${name}`;
const ROUTE = (name: string): string => `POST ${METHOD(name)}`;

let running: RunningSimulator;
let settings: IcashSettings;
let adapter: VendorAdapter;
let writer: CustomerWriter;
/** Another client of the same account, to read contragents as iCash stores them. */
let probe: IcashClient;
let counter = 0;

async function customerCount(): Promise<number> {
  const response = await request(`${running.url}/__sim/info`);
  return ((await response.body.json()) as { counts: { customers: number } }).counts.customers;
}

const calls = (method: string): number => running.stats().byRoute[ROUTE(method)] ?? 0;

function draft(extra: Partial<CustomerDraft> = {}): CustomerDraft {
  counter += 1;
  return { reference: `pg-${String(counter).padStart(24, '0')}`, firstName: 'Ana', lastName: 'Petrova', company: null, email: 'ana@example.com', phone: '0888123456', vatNumber: null, ...extra };
}

beforeAll(async () => {
  running = await startSimulator(createIcashSimulator({ seed: SEED, sales: SALES }), { port: 0 });
  settings = icashAdapterModule.demoSettings(running.url);
  adapter = icashAdapterModule.createAdapter(settings, { connectionId: CONNECTION, transport: new HttpTransport() });
  writer = adapter.writers!.customer!;
  probe = new IcashClient({ connection: 'probe', baseUrl: running.url, credentials: { api_key: settings.api_key, secret_key: settings.secret_key, WareHouseID: settings.WareHouseID, UserID: settings.UserID } });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => running.reset());

describe('the writer', () => {
  it('writes a private customer as a CLIENT contragent, reference in the barcode, and reads it back', async () => {
    const before = await customerCount();
    const written = draft();
    const customer = await writer.create(written, {});
    expect(customer).toMatchObject({ kind: 'customer', name: 'Ana Petrova', firstName: 'Ana', lastName: 'Petrova', company: null, email: 'ana@example.com', phone: '0888123456', vatNumber: null });
    expect(await customerCount()).toBe(before + 1);
    const [row] = (await probe.getContragents({ ContragentID: Number(customer.id) })).Data;
    expect(row).toMatchObject({
      ContragentType: 'CLIENT',
      ContragentName: 'Ana Petrova',
      ContragentBarcode: icashCustomerBarcode(written.reference),
      ContragentTaxNum: ICASH_NO_TAX_NUMBER,
      ContragentVatRegistered: 0,
      ContragentVatNum: '',
      ContragentMOL: '',
      ContragentCountryCode: 'BG',
      ContragentCityName: 'Sofia',
    });
    expect(await writer.findByReference(written, {})).toEqual(customer);
  });

  it('writes a company with its person and VAT number: TaxNum without the prefix, VatRegistered 1', async () => {
    const customer = await writer.create(draft({ firstName: 'Ivan', lastName: 'Ivanov', company: 'Medeni OOD', vatNumber: 'BG131047312', email: null, phone: null }), {});
    expect(customer).toMatchObject({ name: 'Medeni OOD', company: 'Medeni OOD', firstName: 'Ivan', lastName: 'Ivanov', vatNumber: 'BG131047312', email: null, phone: null });
    expect(customer.raw).toMatchObject({ ContragentTaxNum: '131047312', ContragentVatRegistered: 1, ContragentMOL: 'Ivan Ivanov' });
  });

  it('takes the country and city from the connection settings', async () => {
    const other = icashAdapterModule.createAdapter(icashAdapterModule.settingsSchema.parse({ ...settings, defaultCountryCode: 'AL', defaultCityName: 'Tirana' }), {
      connectionId: 'icash-al',
      transport: new HttpTransport(),
    });
    const customer = await other.writers!.customer!.create(draft({ firstName: null, lastName: 'Hoxha' }), {});
    expect(customer).toMatchObject({ name: 'Hoxha', firstName: null, lastName: 'Hoxha' });
    expect(customer.raw).toMatchObject({ ContragentCountryCode: 'AL', ContragentCityName: 'Tirana' });
    expect(() => icashAdapterModule.settingsSchema.parse({ ...settings, defaultCountryCode: 'bg' })).toThrow();
  });

  it('finds nothing for a reference never written, asking iCash by the barcode', async () => {
    expect(await writer.findByReference(draft(), {})).toBeNull();
    expect(calls('get-contragents')).toBe(1);
  });

  it('derives a 20-character barcode from a longer reference, the same every time', () => {
    const reference = 'pg-0123456789abcdef01234567';
    expect(icashCustomerBarcode(reference)).toMatch(/^pg-[0-9a-f]{17}$/);
    expect(icashCustomerBarcode(reference)).toBe(icashCustomerBarcode(reference));
    expect(icashCustomerBarcode('pg-0123456789abcdef01234568')).not.toBe(icashCustomerBarcode(reference));
    expect(icashCustomerBarcode('short-ref')).toBe('short-ref');
  });

  it('reports a field iCash refuses as VENDOR_REJECTED with its message, writing nothing', async () => {
    const before = await customerCount();
    const error = await writer.create(draft({ phone: '+359 888 123 456 ext. 12' }), {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WriteRefusedError);
    expect(error).toMatchObject({ code: 'VENDOR_REJECTED', message: 'Wrong value for ContragentPhone', field: 'phone' });
    expect(await customerCount()).toBe(before);
  });
});

describe('through the GraphQL gateway', () => {
  let gateway: Gateway;
  const MUTATION = /* GraphQL */ `
    mutation Create($input: CreateCustomerInput!) {
      createCustomer(input: $input) {
        customer { id name firstName lastName company email phone raw }
        errors { code field message }
      }
    }
  `;
  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await gateway.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  };
  const create = (idempotencyKey: string, fields: Record<string, unknown>) => graphql(MUTATION, { input: { connection: CONNECTION, idempotencyKey, ...fields } });
  const person = { firstName: 'Maria', lastName: 'Georgieva', email: 'maria@example.com', phone: '0899000111' };

  beforeAll(() => {
    const config = parseConfig({ connections: [{ id: CONNECTION, vendor: 'icash', settings: icashAdapterModule.demoSettings(running.url) }] });
    gateway = createGateway({ connections: createConnections(config), graphiql: false });
  });

  it('says iCash can create customers', async () => {
    const result = await graphql('{ connections { id capabilities { customer { create } } } }');
    expect(result.data.connections).toEqual([{ id: CONNECTION, capabilities: { customer: { create: true } } }]);
  });

  it('creates a customer once per key, replays it, and refuses the key with another input', async () => {
    const before = await customerCount();
    const first = await create('gw-create', { ...person, vatNumber: 'BG204676177', company: 'Georgieva EOOD' });
    expect(first.errors).toBeUndefined();
    const payload = first.data.createCustomer;
    expect(payload.errors).toEqual([]);
    expect(payload.customer).toMatchObject({ name: 'Georgieva EOOD', company: 'Georgieva EOOD', firstName: 'Maria', lastName: 'Georgieva', email: 'maria@example.com', phone: '0899000111' });
    expect(payload.customer.raw).toMatchObject({ ContragentType: 'CLIENT', ContragentVatNum: 'BG204676177', ContragentTaxNum: '204676177', ContragentVatRegistered: 1 });
    expect(payload.customer.raw.ContragentBarcode).toMatch(/^pg-[0-9a-f]{17}$/);
    expect(await customerCount()).toBe(before + 1);
    const node = await graphql('query($id: ID!) { node(id: $id) { ... on Customer { id name email } } }', { id: payload.customer.id });
    expect(node.data.node).toEqual({ id: payload.customer.id, name: 'Georgieva EOOD', email: 'maria@example.com' });
    expect(payload.customer.id).toBe(encodeGlobalId({ type: 'Customer', connection: CONNECTION, id: String(payload.customer.raw.ContragentID) }));

    running.reset();
    expect(await create('gw-create', { ...person, vatNumber: 'BG204676177', company: 'Georgieva EOOD' })).toEqual(first);
    expect(calls('add-contragent')).toBe(0);

    const conflict = await create('gw-create', { ...person, company: 'Another OOD' });
    expect(conflict.data.createCustomer).toMatchObject({ customer: null, errors: [{ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' }] });
    expect(calls('add-contragent')).toBe(0);
    expect(await customerCount()).toBe(before + 1);
  });

  it('refuses a customer without a last name or company (VALIDATION), calling nothing', async () => {
    const before = await customerCount();
    const result = await create('gw-no-name', { firstName: 'Maria', email: 'maria@example.com' });
    expect(result.data.createCustomer).toMatchObject({ customer: null, errors: [{ code: 'VALIDATION', field: 'lastName' }] });
    expect(calls('add-contragent')).toBe(0);
    expect(await customerCount()).toBe(before);
  });

  it('passes on a refusal of iCash as VENDOR_REJECTED with its message, writing nothing', async () => {
    const before = await customerCount();
    const result = await create('gw-refused', { ...person, phone: '+359 899 000 111 / 222' });
    expect(result.errors).toBeUndefined();
    expect(result.data.createCustomer).toEqual({ customer: null, errors: [{ code: 'VENDOR_REJECTED', field: 'phone', message: 'Wrong value for ContragentPhone' }] });
    expect(calls('add-contragent')).toBe(1);
    expect(await customerCount()).toBe(before);
  });

  it('an answer cut off: the customer written is found by its barcode, exactly once', async () => {
    const before = await customerCount();
    running.addFault({ route: METHOD('add-contragent'), malformed: 'truncated', times: 1 });
    const result = await create('gw-cut-off', { ...person, lastName: 'Cut-off' });
    expect(result.errors).toBeUndefined();
    expect(result.data.createCustomer.errors).toEqual([]);
    expect(result.data.createCustomer.customer).toMatchObject({ name: 'Maria Cut-off', email: 'maria@example.com' });
    expect(calls('add-contragent')).toBe(1);
    // Settled by one look-up by barcode, not by a second write.
    expect(calls('get-contragents')).toBe(1);
    expect(await customerCount()).toBe(before + 1);
    // The retry replays the settled outcome; nothing is written again.
    expect(await create('gw-cut-off', { ...person, lastName: 'Cut-off' })).toEqual(result);
    expect(calls('add-contragent')).toBe(1);
    expect(await customerCount()).toBe(before + 1);
  });

  it('an answer cut off and iCash unreachable for the look-up: OUTCOME_UNKNOWN, and the retry recognises the customer', async () => {
    const before = await customerCount();
    running.addFault({ route: METHOD('add-contragent'), malformed: 'truncated', times: 1 });
    running.addFault({ route: METHOD('get-contragents'), errorRate: 1, errorStatus: 503, times: 1 });
    const first = await create('gw-unknown', { ...person, lastName: 'Unknown' });
    expect(first.data.createCustomer).toMatchObject({ customer: null, errors: [{ code: 'OUTCOME_UNKNOWN' }] });
    expect(await customerCount()).toBe(before + 1);

    const retry = await create('gw-unknown', { ...person, lastName: 'Unknown' });
    expect(retry.data.createCustomer.errors).toEqual([]);
    expect(retry.data.createCustomer.customer).toMatchObject({ name: 'Maria Unknown' });
    // Reconciled by the barcode, not written again.
    expect(calls('add-contragent')).toBe(1);
    expect(await customerCount()).toBe(before + 1);
  });
});
