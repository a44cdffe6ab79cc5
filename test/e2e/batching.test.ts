/**
 * Batching you can count (issue 4 §5): the nested sales query costs a number of vendor
 * calls that does not grow with the number of sales, except where a vendor needs one
 * detail call per sale — and then only that call grows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VendorId } from '../../src/vendors/index.ts';
import { startTestStack, type TestStack } from './harness.ts';

const NESTED = `query($first: Int, $connections: [ID!]) {
  sales(first: $first, connections: $connections) {
    edges { node { lines { item { name } } customer { name } payments { amount { amount } } } }
  }
}`;

/** The vendor route that serves one sale in full, where the list lacks lines. */
const DETAIL_ROUTE: Partial<Record<VendorId, string>> = {
  kash: 'GET /workers/getOrder.php',
  icash: 'POST /clientapi/v1/get-operation',
};

describe('upstream calls of the nested sales query', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  async function callsFor(vendor: VendorId, first: number): Promise<Record<string, number>> {
    stack.resetSimulators();
    const response = await stack.query<{ sales: { edges: Array<{ node: { lines: unknown[]; payments: unknown[] } }> } }, unknown>(NESTED, {
      first,
      connections: [`demo-${vendor}`],
    });
    expect(response.errors).toBeUndefined();
    const sales = response.data!.sales.edges.map((edge) => edge.node);
    expect(sales).toHaveLength(first);
    expect(sales.every((sale) => sale.lines.length > 0 && sale.payments.length > 0)).toBe(true);
    return stack.demo.simulators[vendor].stats().byRoute;
  }

  it.each(['incocloud', 'kash', 'icash', 'tactill'] as const)('%s: only list pages and per-sale detail calls grow from 20 to 100 sales', async (vendor) => {
    // Warm up once, so a login or session does not count against either measurement.
    await callsFor(vendor, 1);
    const twenty = await callsFor(vendor, 20);
    const hundred = await callsFor(vendor, 100);
    console.log(`${vendor}: 20 sales → ${JSON.stringify(twenty)}; 100 sales → ${JSON.stringify(hundred)}`);
    const detail = DETAIL_ROUTE[vendor];
    for (const route of new Set([...Object.keys(twenty), ...Object.keys(hundred)])) {
      const growth = (hundred[route] ?? 0) - (twenty[route] ?? 0);
      // One detail call per extra sale where the vendor needs it; elsewhere only extra
      // pages: list pages, or id batches past the vendor's 100-ids-per-call limit.
      if (route === detail) expect(growth, route).toBe(80);
      else expect(growth, `${route} grows by pages, not by sales`).toBeLessThanOrEqual(4);
    }
    const withoutDetail = (calls: Record<string, number>) => Object.entries(calls).reduce((sum, [route, n]) => sum + (route === detail ? 0 : n), 0);
    expect(withoutDetail(hundred)).toBeLessThanOrEqual(16);
  });
});
