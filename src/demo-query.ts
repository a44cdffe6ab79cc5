/** What GraphiQL opens on: the latest sales of every vendor, and in demo mode a ready-made sale. */
export const DEMO_QUERY = /* GraphQL */ `# posgraph: one schema over IncoCloud, Kash, iCash and Tactill.
# Run this query (Ctrl+Enter): the latest sales of all four vendors, merged newest first.
query LatestSales {
  connections {
    id
    vendor
    name
  }
  sales(first: 12) {
    totalCount
    sources {
      connection { id vendor }
      status
      error { code message }
    }
    edges {
      node {
        id
        number
        createdAt
        total { amount currency }
        connection { vendor }
        customer { name }
        lines {
          quantity
          item { name }
          unitPrice { amount }
          total { amount }
        }
        payments { method amount { amount } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const CREATE_SALE = /* GraphQL */ `# Rings up a sale at the Kash simulator: 0.10 + 0.20, paid 0.30 in cash — exactly.
# Run it twice: the same idempotency key gives the same sale, written once.
# Change the key (or the input) for a new sale; a different input under the same key is refused.
mutation CreateSale($input: CreateSaleInput!) {
  createSale(input: $input) {
    sale {
      id
      number
      total { amount currency }
      lines { quantity item { name } unitPrice { amount } total { amount } }
      payments { method amount { amount } }
    }
    errors { code field message }
  }
}
`;

/** GraphiQL tabs for demo mode: the merged read, and a sale on the given connection's first two items. */
export function demoTabs(connection: string, itemIds: readonly [string, string]) {
  const variables = {
    input: {
      connection,
      idempotencyKey: 'graphiql-demo-1',
      lines: itemIds.map((item) => ({ item, quantity: '1' })),
      payments: [{ method: 'CASH', amount: { amount: '0.30', currency: 'EUR' } }],
      note: 'Rung up from GraphiQL',
    },
  };
  return [{ query: DEMO_QUERY }, { query: CREATE_SALE, variables: JSON.stringify(variables, null, 2) }];
}
