/**
 * A real router in front of both subgraphs, over loopback: Hive Gateway runs the supergraph
 * composed from posgraph (subgraph mode, API keys on) and the loyalty subgraph. Its query
 * plans fetch `Sale.total` from posgraph and `loyaltyPoints` from loyalty, in either order.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { parse } from 'graphql';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { TenantDirectory } from '../../src/core/tenants.ts';
import { printSubgraphSchemaFile } from '../../src/schema/subgraph.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { LOYALTY_TYPE_DEFS, startLoyaltySubgraph, type LoyaltySubgraph } from './loyalty-subgraph.ts';

const demoFile = parseConfig(JSON.parse(readFileSync('config/demo.json', 'utf8')));
const GLOBEX = { authorization: 'Bearer globex-demo-key' };

interface RouterResponse<T> {
  readonly data?: T;
  readonly errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}
type Sale = { id: string; number: string; total: { amount: string; currency: string }; loyaltyPoints: number };

describe('a router over posgraph and a second subgraph', () => {
  let stack: TestStack;
  let loyalty: LoyaltySubgraph;
  let gateway: ReturnType<typeof createGatewayRuntime>;
  let server: Server;
  let routerUrl: string;

  beforeAll(async () => {
    stack = await startTestStack({ sales: 20, gateway: { subgraph: true, tenants: new TenantDirectory(demoFile.tenants!) } });
    loyalty = await startLoyaltySubgraph();
    const composed = composeServices([
      { name: 'posgraph', typeDefs: parse(printSubgraphSchemaFile()), url: stack.url },
      { name: 'loyalty', typeDefs: LOYALTY_TYPE_DEFS, url: loyalty.url },
    ]);
    if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
    gateway = createGatewayRuntime({
      supergraph: composed.supergraphSdl,
      logging: false,
      graphiql: false,
      landingPage: false,
      // posgraph knows the caller by the API key: the router passes the client's header on.
      propagateHeaders: { fromClientToSubgraphs: ({ request: incoming }) => ({ authorization: incoming.headers.get('authorization') }) },
    });
    server = createServer(gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    routerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await gateway?.dispose();
    await loyalty?.close();
    await stack?.close();
  });

  async function viaRouter<T>(query: string, headers: Record<string, string> = GLOBEX): Promise<RouterResponse<T>> {
    const response = await request(routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.body.json()) as RouterResponse<T>;
  }

  async function tactillSales(first: number): Promise<Array<Omit<Sale, 'loyaltyPoints'>>> {
    const direct = await stack.query<{ sales: { edges: Array<{ node: Omit<Sale, 'loyaltyPoints'> }> } }, never>(
      `{ sales(first: ${first}, connections: ["demo-tactill"]) { edges { node { id number total { amount currency } } } } }`,
      undefined,
      GLOBEX,
    );
    expect(direct.errors).toBeUndefined();
    return direct.data!.sales.edges.map((edge) => edge.node);
  }

  it('adds loyalty points to posgraph’s sales: the router asks loyalty for the sales posgraph listed', async () => {
    const sales = await tactillSales(3);
    loyalty.ledger.clear();
    loyalty.referencesSeen.length = 0;
    loyalty.ledger.set(sales[0]!.id, 120);
    loyalty.ledger.set(sales[2]!.id, 7);

    const response = await viaRouter<{ sales: { edges: Array<{ node: Sale }> } }>(
      '{ sales(first: 3, connections: ["demo-tactill"]) { edges { node { id number total { amount currency } loyaltyPoints } } } }',
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.sales.edges.map((edge) => edge.node)).toEqual([
      { ...sales[0], loyaltyPoints: 120 },
      { ...sales[1], loyaltyPoints: 0 },
      { ...sales[2], loyaltyPoints: 7 },
    ]);
    expect(loyalty.referencesSeen).toEqual(sales.map((sale) => sale.id));
  });

  it('adds posgraph’s totals to loyalty’s top sales: the router resolves them through posgraph’s _entities, batched', async () => {
    const sales = await tactillSales(5);
    loyalty.ledger.clear();
    sales.forEach((sale, index) => loyalty.ledger.set(sale.id, 10 * (index + 1)));
    stack.resetSimulators();

    const response = await viaRouter<{ topSales: Sale[] }>('{ topSales(first: 4) { id loyaltyPoints number total { amount currency } } }');
    expect(response.errors).toBeUndefined();
    const top = [...sales].reverse().slice(0, 4);
    expect(response.data!.topSales).toEqual(top.map((sale, index) => ({ ...sale, loyaltyPoints: 10 * (5 - index) })));
    // The four references reached Tactill as one lookup by ids.
    expect(stack.upstreamCalls()).toEqual({ incocloud: 0, kash: 0, icash: 0, tactill: 1 });
  });

  it('keeps other tenants’ sales out of the plan: posgraph gives the router nothing for a sale the key may not see', async () => {
    const [sale] = await tactillSales(1);
    loyalty.ledger.clear();
    loyalty.ledger.set(sale!.id, 50);
    stack.resetSimulators();
    // acme may not use Tactill: posgraph answers the reference with null, so no posgraph field
    // of that sale reaches the client (Hive Gateway leaves them null; loyalty's own field stays).
    const response = await viaRouter<{ topSales: Array<{ id: string; loyaltyPoints: number; number: string | null }> }>(
      '{ topSales(first: 1) { id loyaltyPoints number } }',
      { authorization: 'Bearer acme-demo-key' },
    );
    expect(response.data!.topSales).toEqual([{ id: sale!.id, loyaltyPoints: 50, number: null }]);
    expect(stack.upstreamCalls().tactill).toBe(0);
  });
});
