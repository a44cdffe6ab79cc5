/**
 * A second subgraph, as another team would write it: a loyalty service that extends posgraph's
 * `Sale` with the points a sale earned, from its own ledger, keyed by the sale's global ID.
 * Built with @apollo/subgraph and served over loopback, so a router can plan across both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export const LOYALTY_TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Sale @key(fields: "id") {
    id: ID!
    "Points the sale earned; 0 when the ledger has none."
    loyaltyPoints: Int!
  }

  type Query {
    "The sales that earned the most points, most first: only their IDs are known here."
    topSales(first: Int! = 3): [Sale!]!
  }
`);

export interface LoyaltySubgraph {
  readonly url: string;
  /** Points by sale global ID; what the resolver reads. */
  readonly ledger: Map<string, number>;
  /** Sale IDs the subgraph was asked to resolve, in order. */
  readonly referencesSeen: string[];
  close(): Promise<void>;
}

export async function startLoyaltySubgraph(): Promise<LoyaltySubgraph> {
  const ledger = new Map<string, number>();
  const referencesSeen: string[] = [];
  const schema = buildSubgraphSchema({
    typeDefs: LOYALTY_TYPE_DEFS,
    resolvers: {
      Query: {
        topSales: (_: unknown, { first }: { first: number }) =>
          [...ledger.entries()]
            .sort(([, a], [, b]) => b - a)
            .slice(0, first)
            .map(([id, loyaltyPoints]) => ({ id, loyaltyPoints })),
      },
      Sale: {
        __resolveReference: ({ id }: { id: string }) => {
          referencesSeen.push(id);
          return { id, loyaltyPoints: ledger.get(id) ?? 0 };
        },
      },
    },
  });
  const yoga = createYoga({ schema, graphiql: false, landingPage: false, logging: false });
  const server: Server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    ledger,
    referencesSeen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
