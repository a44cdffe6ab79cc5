/**
 * Broken answers (issue 6 §4): a body that is not JSON is VENDOR_MALFORMED_RESPONSE; one cut
 * short (the length announced, half sent, the socket closed) is VENDOR_CONNECTION_FAILED.
 * Both are retried like any transient failure, then only that vendor's source FAILS.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, expectAllOk, expectFailedAlone, sales } from './support.ts';

const RESILIENCE = { retry: { maxAttempts: 3, budgetWindowMs: 600_000, baseDelayMs: 1, maxDelayMs: 10 }, breaker: { failureThreshold: 1_000 } };

describe.each(VENDOR_IDS)('%s sending broken bodies', (vendor) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  it('is FAILED with VENDOR_MALFORMED_RESPONSE when the body is not JSON, the others answering', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], malformed: 'invalid' });
    expectFailedAlone(await sales(stack), vendor, 'VENDOR_MALFORMED_RESPONSE');
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(3);
  });

  it('is FAILED with VENDOR_CONNECTION_FAILED when the body is cut short, the others answering', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], malformed: 'truncated' });
    expectFailedAlone(await sales(stack), vendor, 'VENDOR_CONNECTION_FAILED');
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(3);
  });

  it('answers in full when one body was cut short and the retry is whole', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], malformed: 'truncated', times: 1 });
    expectAllOk(await sales(stack));
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(2);
  });
});
