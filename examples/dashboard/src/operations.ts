/**
 * Every operation the dashboard sends, typed by `npm run codegen` (examples/dashboard/src/__generated__).
 * The live feed's subscription sits in live.ts.
 */
import { graphql } from './__generated__/index.ts';

export const DashboardConnections = graphql(`
  query DashboardConnections {
    connections {
      id
      name
      vendor
      currency
      capabilities { sale { create } }
      health { state recentFailures lastError { code message } }
    }
  }
`);

/** One page of a day's sales: enough to total them per connection, nothing more. */
export const DaySales = graphql(`
  query DaySales($from: DateTime!, $to: DateTime!, $after: String) {
    sales(first: 100, after: $after, filter: { from: $from, to: $to }) {
      sources {
        connection { id name vendor }
        status
        error { code message }
      }
      edges {
        node {
          id
          createdAt
          total { amount currency }
          connection { id }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const SearchItems = graphql(`
  query SearchItems($connection: ID!, $text: String) {
    items(first: 25, connections: [$connection], filter: { text: $text }) {
      sources { status error { code message } }
      edges { node { id name code price { amount currency } } }
    }
  }
`);

export const DashboardCreateSale = graphql(`
  mutation DashboardCreateSale($input: CreateSaleInput!) {
    createSale(input: $input) {
      sale {
        id
        number
        createdAt
        total { amount currency }
        connection { id name vendor }
      }
      errors { code field message }
    }
  }
`);
