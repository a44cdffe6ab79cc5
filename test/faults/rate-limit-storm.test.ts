/**
 * 429s (issue 6 §2, §3): a read waits at least as long as the vendor's retry hint
 * (Tactill's `X-RateLimit-Retry-After`) before trying again, and does not retry at all when
 * the hint ends past the deadline; vendors without a hint get exponential backoff. A storm
 * of 429s costs no more calls than the retry budget allows, and does not open the breaker
 * (the vendor is busy, not down).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, connectionOf, expectAllOk, expectFailedAlone, healthOf, sales } from './support.ts';

const RESILIENCE = { retry: { budgetPercent: 20, budgetFloor: 5, budgetWindowMs: 600_000, baseDelayMs: 1, maxDelayMs: 10 } };

describe('a 429 with a retry hint', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());

  it('is retried once the announced time has come, and the data comes back', async () => {
    stack.resetSimulators();
    stack.demo.simulators.tactill.addFault({ route: SALES_ROUTE.tactill, rateLimitBurst: 1, rateLimitResetSeconds: 1 });
    expectAllOk(await sales(stack));
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(2);
  });

  it('is not retried when the announced time is past the deadline: FAILED with VENDOR_RATE_LIMITED', async () => {
    stack.resetSimulators();
    // The limit lifts after this one answer, so any early retry would have succeeded.
    stack.demo.simulators.tactill.addFault({ route: SALES_ROUTE.tactill, rateLimitBurst: 1, rateLimitResetSeconds: 60 });
    const response = await sales(stack);
    expectFailedAlone(response, 'tactill', 'VENDOR_RATE_LIMITED');
    expect(response.errors![0]!.extensions!.retryable).toBe(true);
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(1);
  });

  it.each(['incocloud', 'kash', 'icash'] as const)('%s (no hint) is retried after a backoff', async (vendor) => {
    stack.resetSimulators();
    stack.demo.simulators[vendor].addFault({ route: SALES_ROUTE[vendor], rateLimitBurst: 1, rateLimitResetSeconds: 0 });
    expectAllOk(await sales(stack));
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(2);
  });
});

describe('a storm of 429s', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());

  it('costs no more calls than the retry budget allows and leaves the breaker closed', async () => {
    stack.demo.simulators.tactill.addFault({ route: SALES_ROUTE.tactill, rateLimitBurst: 100_000, rateLimitResetSeconds: 0 });
    const queries = 20;
    const responses = await Promise.all(Array.from({ length: queries }, () => sales(stack, { connections: [connectionOf('tactill')] })));
    for (const response of responses) {
      expect(response.data!.sales.sources).toEqual([{ connection: { id: 'demo-tactill' }, status: 'FAILED', error: { code: 'VENDOR_RATE_LIMITED', message: expect.any(String) } }]);
    }
    // Each read wants two retries (40 in all); the budget grants 5 + 20 % × 20 = 9 at most,
    // and its floor of 5 at least.
    const calls = callsTo(stack, 'tactill', SALES_ROUTE.tactill);
    expect(calls).toBeGreaterThanOrEqual(queries + 5);
    expect(calls).toBeLessThanOrEqual(queries + 9);
    expect((await healthOf(stack)).tactill).toEqual({ state: 'CLOSED', recentFailures: 0, lastError: null });
  });
});
