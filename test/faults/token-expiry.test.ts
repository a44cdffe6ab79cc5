/**
 * A token or session that expires while a request is in flight (issue 6 §2): the vendor
 * client logs in again once and repeats the refused call, so the data comes back. The
 * gateway's own retries do not add a second login. (Kash keys and Tactill API keys do not
 * expire, so the scenario is IncoCloud's token and iCash's session.)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, connectionOf, expectAllOk, sales } from './support.ts';

const LOGIN_ROUTE = { incocloud: '/connect/api/access_token', icash: '/clientapi/v1/login' } as const;

describe.each(['incocloud', 'icash'] as const)('%s: token expiry mid-request', (vendor) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50 });
  });
  afterAll(() => stack.close());

  it('logs in again once and returns the data', async () => {
    const connections = [connectionOf(vendor)];
    expectAllOk(await sales(stack, { connections }));
    stack.resetSimulators();
    const simulator = stack.demo.simulators[vendor];
    // Hold the list call at the vendor, expire every token meanwhile, then let it be answered.
    simulator.addFault({ route: SALES_ROUTE[vendor], latencyMs: 300, times: 1 });
    const pending = sales(stack, { connections });
    await vi.waitFor(() => expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(1));
    simulator.addFault({ expireTokens: true });
    const response = await pending;
    expectAllOk(response);
    expect(response.data!.sales.edges).toHaveLength(10);
    expect(callsTo(stack, vendor, LOGIN_ROUTE[vendor])).toBe(1);
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(2);
  });

  it('fails with VENDOR_AUTH_FAILED, retrying nothing, when the new login is refused', async () => {
    const connections = [connectionOf(vendor)];
    expectAllOk(await sales(stack, { connections }));
    stack.resetSimulators();
    const simulator = stack.demo.simulators[vendor];
    simulator.addFault({ expireTokens: true });
    simulator.addFault({ route: LOGIN_ROUTE[vendor], errorRate: 1, errorStatus: 401 });
    const response = await sales(stack, { connections });
    expect(response.data!.sales.sources).toEqual([{ connection: { id: connectionOf(vendor) }, status: 'FAILED', error: { code: 'VENDOR_AUTH_FAILED', message: expect.any(String) } }]);
    expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: 'VENDOR_AUTH_FAILED', vendor, connection: connectionOf(vendor), retryable: false } })]);
    expect(callsTo(stack, vendor, LOGIN_ROUTE[vendor])).toBe(1);
  });
});
