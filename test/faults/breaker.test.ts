/**
 * The circuit breaker (issue 6 §3): after `failureThreshold` failures in a row a connection's
 * calls stop reaching the vendor and fail at once with VENDOR_CIRCUIT_OPEN; after
 * `halfOpenAfterMs` one probe goes through — it opens the circuit again if it fails, closes
 * it if it succeeds. `connections { health }` shows each state; the other connections
 * are not affected.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VENDOR_IDS, type VendorId } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES_ROUTE, callsTo, expectAllOk, expectFailedAlone, healthOf, sales, sourceOf } from './support.ts';

/** The open period is long enough for the checks made while open, short enough to wait out. */
const RESILIENCE = {
  breaker: { failureThreshold: 3, halfOpenAfterMs: 1_000 },
  retry: { maxAttempts: 3, budgetWindowMs: 600_000, baseDelayMs: 1, maxDelayMs: 10 },
};

async function waitForState(stack: TestStack, vendor: VendorId, state: string): Promise<void> {
  await vi.waitFor(async () => expect((await healthOf(stack))[vendor].state).toBe(state), { timeout: 5_000, interval: 50 });
}

describe('the breaker of a failing Tactill connection, call by call', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: RESILIENCE });
  });
  afterAll(() => stack.close());

  it('opens after 3 failures, then no call reaches the vendor until a probe closes it', async () => {
    const simulator = stack.demo.simulators.tactill;
    expect((await healthOf(stack)).tactill).toEqual({ state: 'CLOSED', recentFailures: 0, lastError: null });
    simulator.addFault({ errorRate: 1, errorStatus: 503 });

    // One read: three tries, three failures in a row: open.
    expectFailedAlone(await sales(stack), 'tactill', 'VENDOR_UNAVAILABLE');
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(3);
    expect((await healthOf(stack)).tactill).toEqual({
      state: 'OPEN',
      recentFailures: 3,
      lastError: { code: 'VENDOR_UNAVAILABLE', message: 'tactill: HTTP 503 on POST /v0/sales/request' },
    });

    // While open: fast failures, nothing sent.
    for (let n = 0; n < 3; n += 1) {
      const response = await sales(stack);
      expectFailedAlone(response, 'tactill', 'VENDOR_CIRCUIT_OPEN');
      expect(response.errors![0]!.extensions!.retryable).toBe(true);
    }
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(3);

    // The probe fails: open again, after that one call.
    await waitForState(stack, 'tactill', 'HALF_OPEN');
    expectFailedAlone(await sales(stack), 'tactill', 'VENDOR_UNAVAILABLE');
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(4);
    expect((await healthOf(stack)).tactill.state).toBe('OPEN');

    // The vendor recovers; the next probe succeeds and closes the circuit.
    simulator.reset();
    await waitForState(stack, 'tactill', 'HALF_OPEN');
    expectAllOk(await sales(stack));
    expect(callsTo(stack, 'tactill', SALES_ROUTE.tactill)).toBe(1);
    expect((await healthOf(stack)).tactill).toMatchObject({ state: 'CLOSED', recentFailures: 4, lastError: { code: 'VENDOR_UNAVAILABLE' } });
  });
});

describe.each(VENDOR_IDS)('the breaker of %s', (vendor) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 50, resilience: { [vendor]: RESILIENCE } });
  });
  afterAll(() => stack.close());

  it('opens, stops calls, shows each state in health, and recovers after a probe', async () => {
    const simulator = stack.demo.simulators[vendor];
    expectAllOk(await sales(stack));
    simulator.addFault({ errorRate: 1, errorStatus: 503 });

    for (let n = 0; n < 5 && (await healthOf(stack))[vendor].state !== 'OPEN'; n += 1) {
      expect(sourceOf(await sales(stack), vendor).status).toBe('FAILED');
    }
    const open = await healthOf(stack);
    expect(open[vendor]).toMatchObject({ state: 'OPEN', lastError: { code: 'VENDOR_UNAVAILABLE' } });
    expect(open[vendor].recentFailures).toBeGreaterThanOrEqual(3);
    for (const other of VENDOR_IDS.filter((id) => id !== vendor)) expect(open[other].state, other).toBe('CLOSED');

    const reached = simulator.stats().total;
    for (let n = 0; n < 3; n += 1) expectFailedAlone(await sales(stack), vendor, 'VENDOR_CIRCUIT_OPEN');
    expect(simulator.stats().total).toBe(reached);

    simulator.reset();
    await waitForState(stack, vendor, 'HALF_OPEN');
    expectAllOk(await sales(stack));
    expect((await healthOf(stack))[vendor].state).toBe('CLOSED');
    expect(callsTo(stack, vendor, SALES_ROUTE[vendor])).toBe(1);
  });
});
