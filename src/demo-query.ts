/** The query GraphiQL opens on: the latest sales of every vendor, with their lines and payments. */
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
