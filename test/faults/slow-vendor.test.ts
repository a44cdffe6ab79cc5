/**
 * A slow vendor (issue 6 §1, §4): its reads get a deadline shorter than the request's, so
 * the other vendors' data comes back and the slow one is reported FAILED with
 * VENDOR_TIMEOUT. Once the deadline has passed no further call is started.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, expectAllOk, expectFailedAlone, sales } from './support.ts';

describe.each(VENDOR_IDS)('a slow %s', (vendor) => {
  let stack: TestStack;
  beforeAll(async () => {
    // A short read deadline keeps the test quick; the vendor stalls far longer.
    stack = await startTestStack({ sales: 50, resilience: { [vendor]: { requestDeadlineMs: 1_000 } } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  it('is reported FAILED with VENDOR_TIMEOUT while the other vendors answer', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], latencyMs: 20_000 });
    const response = await sales(stack, { first: 20 });
    expectFailedAlone(response, vendor, 'VENDOR_TIMEOUT');
    expect(response.data!.sales.edges).toHaveLength(20);
    expect(response.errors![0]!.extensions!.retryable).toBe(true);
    // One call, cut off at the deadline; no retry starts after it.
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(1);
  });

  it('answers in full when it is slow but within its deadline', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], latencyMs: 100 });
    expectAllOk(await sales(stack, { first: 20 }));
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(1);
  });
});
