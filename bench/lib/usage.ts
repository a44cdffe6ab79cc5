/** What each connection contributed to an answer of the nested query (minimum.ts works from it). */
import type { GatewayConfig } from '../../src/config.ts';
import { decodeGlobalId } from '../../src/core/ids.ts';
import type { ConnectionUse } from './minimum.ts';

interface SaleNode {
  id: string;
  connection: { id: string };
  customer: { id: string } | null;
  lines: Array<{ item: { id: string } | null }>;
  payments: unknown[];
}

export function usesOf(data: { sales: { edges: Array<{ node: SaleNode }> } }, config: GatewayConfig, only?: readonly string[]): ConnectionUse[] {
  const connections = config.connections.filter((connection) => !only || only.includes(connection.id));
  return connections.map((connection) => {
    const nodes = data.sales.edges.map((edge) => edge.node).filter((node) => node.connection.id === connection.id);
    const items = new Set<string>();
    const customers = new Set<string>();
    for (const node of nodes) {
      if (node.customer) customers.add(decodeGlobalId(node.customer.id, 'Customer').id);
      for (const line of node.lines) if (line.item) items.add(decodeGlobalId(line.item.id, 'Item').id);
    }
    return {
      connection: connection.id,
      vendor: connection.vendor,
      sales: nodes.map((node) => decodeGlobalId(node.id, 'Sale').id),
      itemIds: [...items],
      customerIds: [...customers],
      payments: nodes.reduce((sum, node) => sum + node.payments.length, 0),
    };
  });
}
