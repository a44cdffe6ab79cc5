import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Decimal, sumDecimals } from '../../src/core/money.ts';
import { VENDOR_IDS } from '../../src/vendors/index.ts';
import { ConnectionsDocument, ItemsDocument, LatestSalesDocument, NodeByIdDocument } from './__generated__/graphql.ts';
import { startTestStack, type TestStack } from './harness.ts';

describe('the unified read API over the four simulators', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 400 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  it('lists one connection per vendor with what each can do', async () => {
    const { data } = await stack.query(ConnectionsDocument);
    expect(data!.connections.map((c) => c.vendor).sort()).toEqual(['ICASH', 'INCOCLOUD', 'KASH', 'TACTILL']);
    const byVendor = Object.fromEntries(data!.connections.map((c) => [c.vendor, c.capabilities]));
    for (const capabilities of Object.values(byVendor)) {
      expect(capabilities.item.list && capabilities.sale.list && capabilities.customer.list).toBe(true);
      expect(capabilities.sale.get).not.toBeNull();
    }
    // Only IncoCloud has bookings (vendor-contracts §5).
    expect(Object.entries(byVendor).filter(([, c]) => c.booking.list).map(([vendor]) => vendor)).toEqual(['INCOCLOUD']);
  });

  it('serves the latest sales of every vendor with exact, consistent totals', async () => {
    for (const vendor of VENDOR_IDS) {
      const { data, errors } = await stack.query(LatestSalesDocument, { first: 15, connections: [`demo-${vendor}`] });
      expect(errors, vendor).toBeUndefined();
      const page = data!.sales;
      expect(page.sources).toEqual([{ connection: { id: `demo-${vendor}`, vendor: vendor.toUpperCase() }, status: 'OK', error: null }]);
      expect(page.edges).toHaveLength(15);
      for (const { node } of page.edges) {
        expect(node.connection.vendor).toBe(vendor.toUpperCase());
        const lines = sumDecimals(node.lines.map((line) => Decimal.parse(line.total.amount)));
        const paid = sumDecimals(node.payments.map((payment) => Decimal.parse(payment.amount.amount)));
        expect(lines.equals(Decimal.parse(node.total.amount)), `${vendor} sale ${node.number} lines`).toBe(true);
        expect(paid.equals(Decimal.parse(node.total.amount)), `${vendor} sale ${node.number} payments`).toBe(true);
        expect(node.lines.every((line) => line.item !== null)).toBe(true);
      }
      const dates = page.edges.map(({ node }) => Date.parse(node.createdAt));
      expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    }
  });

  it('merges all four vendors into one stream, newest first', async () => {
    const { data } = await stack.query(LatestSalesDocument, { first: 100 });
    expect(data!.sales.sources.map((s) => s.status)).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(new Set(data!.sales.edges.map((e) => e.node.connection.vendor)).size).toBe(4);
    const dates = data!.sales.edges.map(({ node }) => Date.parse(node.createdAt));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    expect(data!.sales.totalCount).toBe(4 * 400);
  });

  it('fetches any node again by its global ID', async () => {
    const { data } = await stack.query(LatestSalesDocument, { first: 40 });
    for (const { node } of data!.sales.edges.slice(0, 40)) {
      const again = await stack.query(NodeByIdDocument, { id: node.id });
      expect(again.errors).toBeUndefined();
      expect(again.data!.node).toMatchObject({ __typename: 'Sale', id: node.id, number: node.number, total: node.total });
      const item = node.lines[0]!.item!;
      const itemAgain = await stack.query(NodeByIdDocument, { id: item.id });
      expect(itemAgain.data!.node).toMatchObject({ __typename: 'Item', id: item.id, name: item.name });
    }
  });

  it('filters items by text across vendors', async () => {
    const { data, errors } = await stack.query(ItemsDocument, { first: 100, filter: { text: 'espresso' } });
    expect(errors).toBeUndefined();
    expect(data!.items.edges.length).toBeGreaterThan(0);
    for (const { node } of data!.items.edges) expect(node.name.toLowerCase()).toContain('espresso');
  });

  it('walks every page of a merged list once, in order, for any page size', async () => {
    const from = '2026-11-19T00:00:00Z';
    const to = '2026-11-20T23:59:59Z';
    const query = `query($first: Int, $after: String) { sales(first: $first, after: $after, filter: { from: "${from}", to: "${to}" }) {
      totalCount edges { node { id createdAt } } pageInfo { hasNextPage endCursor } } }`;
    const everything = await stack.query<{ sales: { totalCount: number; edges: Array<{ node: { id: string; createdAt: string } }> } }, unknown>(
      query.replace('query($first: Int, $after: String) { sales(first: $first, after: $after,', 'query($after: String) { sales(first: 100, after: $after,'),
      {},
    );
    const expectedTotal = everything.data!.sales.totalCount;
    expect(expectedTotal).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 60 }), async (first) => {
        const seen: Array<{ id: string; createdAt: string }> = [];
        let after: string | null = null;
        for (let guard = 0; guard < 200; guard += 1) {
          const response: { data?: { sales: { edges: Array<{ node: { id: string; createdAt: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } } =
            await stack.query(query, { first, after } as never);
          seen.push(...response.data!.sales.edges.map((edge) => edge.node));
          if (!response.data!.sales.pageInfo.hasNextPage) break;
          after = response.data!.sales.pageInfo.endCursor;
        }
        expect(seen).toHaveLength(expectedTotal);
        expect(new Set(seen.map((node) => node.id)).size).toBe(expectedTotal);
        for (let i = 1; i < seen.length; i += 1) expect(Date.parse(seen[i - 1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(seen[i]!.createdAt));
      }),
      { numRuns: 4 },
    );
  });

  it('answers with the other vendors when one is down, and says which failed', async () => {
    stack.demo.simulators.kash.addFault({ errorRate: 1, errorStatus: 503 });
    const { data, errors } = await stack.query(LatestSalesDocument, { first: 10 });
    expect(data!.sales.edges).toHaveLength(10);
    expect(data!.sales.edges.every(({ node }) => node.connection.vendor !== 'KASH')).toBe(true);
    const kash = data!.sales.sources.find((source) => source.connection.vendor === 'KASH')!;
    expect(kash.status).toBe('FAILED');
    expect(kash.error!.code).toMatch(/^VENDOR_/);
    expect(errors).toContainEqual(expect.objectContaining({ path: ['sales'], extensions: expect.objectContaining({ vendor: 'kash', connection: 'demo-kash', retryable: expect.any(Boolean) }) }));
    expect(JSON.stringify(errors)).not.toMatch(/demo-kash-key|key=/);
  });
});
