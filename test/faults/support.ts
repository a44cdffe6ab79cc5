/**
 * What the fault scenarios share: a merged sales query cheap enough that each vendor
 * serves it with one list call, that call's route per vendor (where faults are injected and
 * calls counted), and readers for what the client sees.
 */
import { expect } from 'vitest';
import type { GraphQLResponse, TestStack } from '../e2e/harness.ts';
import { ConnectionHealthDocument, type ConnectionHealthQuery } from '../e2e/__generated__/graphql.ts';
import { VENDOR_IDS, type VendorId } from '../../src/vendors/index.ts';

export const SALES = `query Sales($first: Int, $connections: [ID!]) {
  sales(first: $first, connections: $connections) {
    edges { node { id connection { id } } }
    sources { connection { id } status error { code message } }
  }
}`;

export interface SalesData {
  sales: {
    edges: Array<{ node: { id: string; connection: { id: string } } }>;
    sources: Array<{ connection: { id: string }; status: string; error: { code: string; message: string } | null }>;
  };
}

/** The one vendor call behind `sales(first: …)` (IncoCloud also reads its payment types). */
export const SALES_ROUTE: Record<VendorId, string> = {
  incocloud: '/server-sim/connect/api/sale',
  kash: '/workers/getOrders.php',
  icash: '/clientapi/v1/operations-list',
  tactill: '/v0/sales/request',
};

export const connectionOf = (vendor: VendorId): string => `demo-${vendor}`;

export function sales(stack: TestStack, variables: { first?: number; connections?: string[] } = {}): Promise<GraphQLResponse<SalesData>> {
  return stack.query<SalesData, typeof variables>(SALES, { first: 10, ...variables });
}

/** Calls the vendor's simulator received on a path (any method) since its last reset. */
export function callsTo(stack: TestStack, vendor: VendorId, path: string): number {
  return Object.entries(stack.demo.simulators[vendor].stats().byRoute)
    .filter(([route]) => route.slice(route.indexOf(' ') + 1) === path)
    .reduce((sum, [, count]) => sum + count, 0);
}

export function sourceOf(response: GraphQLResponse<SalesData>, vendor: VendorId) {
  return response.data!.sales.sources.find((source) => source.connection.id === connectionOf(vendor))!;
}

/** The vendor's source FAILED with `code`, the others answered, and `errors` says so in full. */
export function expectFailedAlone(response: GraphQLResponse<SalesData>, vendor: VendorId, code: string): void {
  expect(response.status).toBe(200);
  for (const source of response.data!.sales.sources) {
    if (source.connection.id === connectionOf(vendor)) expect(source).toMatchObject({ status: 'FAILED', error: { code } });
    else expect(source, source.connection.id).toMatchObject({ status: 'OK', error: null });
  }
  const edges = response.data!.sales.edges;
  expect(edges.length).toBeGreaterThan(0);
  expect(edges.every((edge) => edge.node.connection.id !== connectionOf(vendor))).toBe(true);
  expect(response.errors).toEqual([
    expect.objectContaining({ path: ['sales'], extensions: { code, vendor, connection: connectionOf(vendor), retryable: expect.any(Boolean) } }),
  ]);
}

/** Every source answered, without errors. */
export function expectAllOk(response: GraphQLResponse<SalesData>): void {
  expect(response.errors).toBeUndefined();
  expect(response.data!.sales.sources.map((source) => [source.connection.id, source.status])).toEqual(
    response.data!.sales.sources.map((source) => [source.connection.id, 'OK']),
  );
}

export type Health = ConnectionHealthQuery['connections'][number]['health'];

export async function healthOf(stack: TestStack): Promise<Record<VendorId, Health>> {
  const { data, errors } = await stack.query(ConnectionHealthDocument);
  expect(errors).toBeUndefined();
  return Object.fromEntries(
    VENDOR_IDS.map((vendor) => [vendor, data!.connections.find((connection) => connection.id === connectionOf(vendor))!.health]),
  ) as Record<VendorId, Health>;
}
