/**
 * A vendor answering 500 (issue 6 §2): reads are retried with backoff, at most
 * `maxAttempts` times and within the connection's retry budget, then reported FAILED with
 * VENDOR_UNAVAILABLE while the other vendors answer. Writes are never retried.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { CreateSaleDocument, ItemsDocument } from '../e2e/__generated__/graphql.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, connectionOf, expectAllOk, expectFailedAlone, sales } from './support.ts';

/** Quick backoff, a budget window longer than the test, and a breaker that stays out of the way. */
const RESILIENCE = {
  retry: { maxAttempts: 3, budgetPercent: 20, budgetFloor: 5, budgetWindowMs: 600_000, baseDelayMs: 1, maxDelayMs: 10 },
  breaker: { failureThreshold: 1_000 },
};

describe.each(VENDOR_IDS)('%s answering 500', (vendor) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  it('is retried, and the data comes back when the vendor recovers', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], errorRate: 1, errorStatus: 500, times: 2 });
    expectAllOk(await sales(stack));
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(3);
  });

  it('is tried maxAttempts times, then reported FAILED with VENDOR_UNAVAILABLE', async () => {
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], errorRate: 1, errorStatus: 500 });
    const response = await sales(stack);
    expectFailedAlone(response, vendor, 'VENDOR_UNAVAILABLE');
    expect(response.errors![0]!.extensions!.retryable).toBe(true);
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(3);
  });
});

describe('the retry budget of a failing vendor', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());

  it('keeps retries under 20 % of the calls plus a floor of 5', async () => {
    stack.demo.simulators.tactill.addFault({ route: SALES_ROUTE.tactill, errorRate: 1, errorStatus: 500 });
    const queries = 10;
    for (let n = 0; n < queries; n += 1) {
      expectFailedAlone(await sales(stack, { connections: [connectionOf('tactill'), connectionOf('kash')] }), 'tactill', 'VENDOR_UNAVAILABLE');
    }
    // Without a budget: 10 × 3 = 30 calls. With it, a retry is taken only while retries
    // stay below 5 + 20 % of the reads so far, which allows 7 over these 10 reads.
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(queries + 7);
  });
});

describe('a write to a failing vendor', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());

  it('is sent once, never retried', async () => {
    const { data } = await stack.query(ItemsDocument, { first: 1, connections: [connectionOf('tactill')] });
    const item = data!.items.edges[0]!.node;
    stack.resetSimulators();
    stack.demo.simulators.tactill.addFault({ route: '/v0/sales', method: 'POST', errorRate: 1, errorStatus: 500, times: 1 });
    const response = await stack.query(CreateSaleDocument, {
      input: { connection: connectionOf('tactill'), idempotencyKey: 'write-500', lines: [{ item: item.id, quantity: '1' }], payments: null, note: null },
    });
    expect(response.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'VENDOR_UNAVAILABLE', vendor: 'tactill' }) })]);
    expect(stack.demo.simulators.tactill.stats().byRoute['POST /v0/sales']).toBe(1);
  });
});
