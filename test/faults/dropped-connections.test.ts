/**
 * Dropped connections (issue 6 §2): a socket closed without an answer is
 * VENDOR_CONNECTION_FAILED, retryable; a read is retried on a new connection and the data
 * comes back, or, when every try is dropped, only that vendor's source FAILS.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, expectAllOk, expectFailedAlone, sales } from './support.ts';

const RESILIENCE = { retry: { maxAttempts: 3, budgetWindowMs: 600_000, baseDelayMs: 1, maxDelayMs: 10 }, breaker: { failureThreshold: 1_000 } };

describe.each(VENDOR_IDS)('%s dropping connections', (vendor) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  it('is retried and the data comes back', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], resetConnection: true, times: 1 });
    expectAllOk(await sales(stack));
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(2);
  });

  it('is FAILED with VENDOR_CONNECTION_FAILED when every try is dropped, the others answering', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], resetConnection: true });
    const response = await sales(stack);
    expectFailedAlone(response, vendor, 'VENDOR_CONNECTION_FAILED');
    expect(response.errors![0]!.extensions!.retryable).toBe(true);
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(3);
  });
});
