/** The operations the benchmark sends, each named by what it stands for. */

/**
 * The nested query of issue 7: sales merged newest first across connections, each with its
 * lines and their items, its customer and its payments — README example 1 with ids added
 * (the ids let the benchmark work out the minimum number of vendor calls from the answer).
 */
export const NESTED_SALES = `query BenchNestedSales($first: Int!, $connections: [ID!], $filter: SaleFilter) {
  sales(first: $first, connections: $connections, filter: $filter) {
    edges { node {
      id number createdAt total { amount currency }
      connection { id vendor }
      customer { id name }
      lines { quantity unitPrice { amount } total { amount } item { id name } }
      payments { method amount { amount currency } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The simulated shops' last day of trading (the dataset's default `lastDay`): "today's sales". */
export const LAST_TRADING_DAY = '2026-11-20T00:00:00Z';

/**
 * The throughput query: the ten newest Tactill sales, flat. posgraph answers it with one
 * `POST /v0/sales/request` per request (posgraph has no response cache yet), which the
 * simulator serves from an index in well under a millisecond.
 */
export const TACTILL_SALES = `query BenchTactillSales {
  sales(first: 10, connections: ["demo-tactill"]) {
    edges { node { id number createdAt total { amount currency } } }
  }
}`;

/** The same question asked of the Hive Gateway, in the schema its OpenAPI loader generates. */
export const HIVE_TACTILL_SALES = `query BenchTactillSales {
  requestSales(input: { limit: 10, sort: [{ field: "opened_at", direction: desc }, { field: "id", direction: desc }] }) {
    ... on SalePage { items { id number opened_at total } }
  }
}`;

/**
 * The first ten Tactill items by name. posgraph's Tactill adapter keeps a snapshot of the
 * product list for 15 s (`listCacheTtlMs`), so under load this is served from memory with
 * about one vendor call per 15 s: the nearest thing to a cached query posgraph has today.
 */
export const TACTILL_ITEMS = `query BenchTactillItems {
  items(first: 10, connections: ["demo-tactill"]) {
    edges { node { id name price { amount currency } } }
  }
}`;

export const HIVE_TACTILL_ITEMS = `query BenchTactillItems {
  requestProducts(input: { input: { limit: 10, sort: { field: "name", direction: asc } } }) {
    ... on ProductPage { items { id name sell_price } }
  }
}`;
