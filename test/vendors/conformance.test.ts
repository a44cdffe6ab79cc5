/**
 * Every vendor in the registry meets the same contract. Adding a vendor means adding a
 * row to src/vendors/index.ts; this suite then says what it is missing.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/core/adapter.ts';
import { HttpTransport } from '../../src/core/http.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulators/server.ts';
import { VENDOR_IDS, VENDORS } from '../../src/vendors/index.ts';

/** What each vendor's data has, per vendor-contracts.md §5. */
const HAS_BOOKINGS = new Set(['incocloud']);
const HAS_PAYMENT_LIST = new Set(['incocloud', 'kash', 'tactill']);

describe.each(VENDOR_IDS)('%s', (vendorId) => {
  const vendor = VENDORS[vendorId];
  let simulator: RunningSimulator;

  beforeAll(async () => {
    simulator = await startSimulator(vendor.createSimulator({ seed: vendor.defaultSeed }), { port: 0 });
  });
  afterAll(() => simulator.close());

  const get = async (path: string) => {
    const response = await request(`${simulator.url}${path}`);
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
  };

  it('answers /__sim/info with its vendor, base URL, demo credentials and the default dataset size', async () => {
    const { status, body } = await get('/__sim/info');
    expect(status).toBe(200);
    expect(body.vendor).toBe(vendorId);
    expect(body.baseUrl).toBe(simulator.url);
    expect(Object.keys(body.credentials).length).toBeGreaterThan(0);
    expect(body.counts.items).toBeGreaterThanOrEqual(1000);
    expect(body.counts.customers).toBeGreaterThanOrEqual(300);
    expect(body.counts.sales).toBeGreaterThanOrEqual(5000);
    expect(body.counts.payments).toBeGreaterThanOrEqual(body.counts.sales);
    expect(body.counts.bookings > 0).toBe(HAS_BOOKINGS.has(vendorId));
  });

  it('starts with empty stats and counts nothing for control routes', async () => {
    await get('/__sim/info');
    expect((await get('/__sim/stats')).body).toMatchObject({ total: 0, byRoute: {} });
  });

  it('ships demo settings that its own settings schema accepts', () => {
    const settings = vendor.adapter.settingsSchema.parse(vendor.adapter.demoSettings(simulator.url));
    expect(settings).toBeTruthy();
  });

  it('builds an adapter whose capabilities follow the vendor contracts', () => {
    const settings = vendor.adapter.settingsSchema.parse(vendor.adapter.demoSettings(simulator.url));
    const adapter = vendor.adapter.createAdapter(settings, { connectionId: `conformance-${vendorId}`, transport: new HttpTransport() });
    expect(adapter.vendor).toBe(vendorId);
    const capabilities = capabilitiesOf(adapter);
    expect(capabilities.item.list && capabilities.sale.list && capabilities.customer.list).toBe(true);
    expect(capabilities.item.get && capabilities.sale.get && capabilities.customer.get).toBeTruthy();
    expect(capabilities.booking.list).toBe(HAS_BOOKINGS.has(vendorId));
    expect(capabilities.payment.list).toBe(HAS_PAYMENT_LIST.has(vendorId));
  });

  it('answers an unknown route without crashing and keeps serving', async () => {
    const response = await request(`${simulator.url}/definitely/not/a/route`, { method: 'POST', body: '{]' });
    expect(response.statusCode).toBeGreaterThanOrEqual(200);
    await response.body.dump();
    expect((await get('/__sim/info')).status).toBe(200);
  });
});
