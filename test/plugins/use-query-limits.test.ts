import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY_LIMITS, queryCost, useQueryLimits, type QueryLimitsOptions } from '../../src/plugins/use-query-limits.ts';
import { schema as gatewaySchema } from '../../src/schema/index.ts';

/** A small shop graph whose resolvers count their calls: a refused query must make none. */
function shopServer(options: QueryLimitsOptions = {}) {
  let calls = 0;
  const shops = (_: unknown, args: { first?: number | null }) => {
    calls += 1;
    return { edges: Array.from({ length: Math.min(args.first ?? 2, 2) }, (_, i) => ({ node: { name: `shop ${i}` } })) };
  };
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { hello: String!, shops(first: Int): ShopConnection!, nodes(ids: [ID!]!): [Shop]! }
        type ShopConnection { edges: [ShopEdge!]! }
        type ShopEdge { node: Shop! }
        type Shop { name: String!, child: Shop, shops(first: Int): ShopConnection! }
      `,
      resolvers: {
        Query: { hello: () => ((calls += 1), 'hi'), shops, nodes: (_: unknown, args: { ids: string[] }) => args.ids.map((id) => ({ name: id })) },
        Shop: { child: (shop: { name: string }) => ((calls += 1), { name: `${shop.name}'s child` }), shops },
      },
    }),
    plugins: [useQueryLimits(options)],
    logging: false,
  });
  async function query(body: unknown, accept = 'application/graphql-response+json') {
    const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
    return { status: response.status, ...((await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }) };
  }
  return { query, calls: () => calls };
}

const nested = (levels: number) => `{ shops { edges { node { ${'child { '.repeat(levels)}name${' }'.repeat(levels)} } } } }`;

describe('query limits', () => {
  it('has sane defaults', () => {
    expect(DEFAULT_QUERY_LIMITS).toEqual({ depth: 12, aliases: 30, directives: 20, tokens: 5000, cost: 5000 });
  });

  it('refuses a query deeper than the depth limit with DEPTH_LIMIT_EXCEEDED and 400, running no resolver', async () => {
    const server = shopServer({ depth: 6 });
    const response = await server.query({ query: nested(4) });
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([{ message: 'Query depth limit of 6 exceeded, found 8.', extensions: { code: 'DEPTH_LIMIT_EXCEEDED' } }]);
    expect(server.calls()).toBe(0);
    expect((await server.query({ query: nested(2) })).errors).toBeUndefined();
  });

  it('refuses too many aliases with ALIAS_LIMIT_EXCEEDED', async () => {
    const server = shopServer({ aliases: 3 });
    const response = await server.query({ query: `{ ${Array.from({ length: 4 }, (_, i) => `a${i}: hello`).join(' ')} }` });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ message: 'Aliases limit of 3 exceeded, found 4.', extensions: { code: 'ALIAS_LIMIT_EXCEEDED' } });
    expect(server.calls()).toBe(0);
  });

  it('refuses too many directives with DIRECTIVE_LIMIT_EXCEEDED', async () => {
    const server = shopServer({ directives: 2 });
    const response = await server.query({ query: '{ a: hello @include(if: true) b: hello @skip(if: false) c: hello @include(if: true) }' });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ message: 'Directives limit of 2 exceeded, found 3.', extensions: { code: 'DIRECTIVE_LIMIT_EXCEEDED' } });
    expect(server.calls()).toBe(0);
  });

  it('refuses a document of too many tokens with TOKEN_LIMIT_EXCEEDED while parsing', async () => {
    const server = shopServer({ tokens: 50 });
    const response = await server.query({ query: `{ ${'hello '.repeat(60)}}` });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ message: 'Token limit of 50 exceeded.', extensions: { code: 'TOKEN_LIMIT_EXCEEDED' } });
    expect(server.calls()).toBe(0);
  });

  it('refuses a query whose nested pages multiply past the cost limit with COST_LIMIT_EXCEEDED', async () => {
    const server = shopServer({ cost: 1000 });
    const response = await server.query({ query: '{ shops(first: 50) { edges { node { shops(first: 50) { edges { node { name } } } } } } }' });
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([
      {
        message: 'Query cost limit of 1000 exceeded, found 5151. Ask for fewer records per page (`first`) or split the query.',
        extensions: { code: 'COST_LIMIT_EXCEEDED', cost: { limit: 1000, found: 5151 } },
      },
    ]);
    expect(server.calls()).toBe(0);
  });

  it('prices `first` given as a variable at its value', async () => {
    const server = shopServer({ cost: 1000 });
    const query = 'query Shops($n: Int) { shops(first: $n) { edges { node { shops(first: $n) { edges { node { name } } } } } } }';
    expect((await server.query({ query, variables: { n: 50 } })).errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    expect(server.calls()).toBe(0);
    // The same document with a small page runs: the price is not cached with the document.
    expect((await server.query({ query, variables: { n: 5 } })).errors).toBeUndefined();
    expect(server.calls()).toBeGreaterThan(0);
  });

  it('answers 200 with the same error to a client that accepts only application/json', async () => {
    const server = shopServer({ depth: 2 });
    const response = await server.query({ query: nested(2) }, 'application/json');
    expect(response.status).toBe(200);
    expect(response.errors?.[0]?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
  });

  it('switches a limit off with false', async () => {
    const server = shopServer({ depth: false, cost: false });
    expect((await server.query({ query: nested(30) })).errors).toBeUndefined();
  });

  describe('introspection', () => {
    it('is answered by default, and exempt from the depth limit', async () => {
      const server = shopServer({ depth: 3 });
      const response = await server.query({ query: '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }' });
      expect(response.errors).toBeUndefined();
    });

    it('is refused with INTROSPECTION_DISABLED when switched off, __typename still answered', async () => {
      const server = shopServer({ introspection: false });
      for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Shop") { name } }']) {
        const response = await server.query({ query });
        expect(response.status).toBe(400);
        expect(response.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
      }
      expect((await server.query({ query: '{ __typename hello }' })).data).toEqual({ __typename: 'Query', hello: 'hi' });
    });

    it('does not hint at field names when switched off', async () => {
      const server = shopServer({ introspection: false });
      const response = await server.query({ query: '{ shop { name } }' });
      expect(JSON.stringify(response.errors)).not.toMatch(/Did you mean/);
    });
  });
});

describe('query cost', () => {
  const cost = (query: string, variables?: Record<string, unknown>) => queryCost(gatewaySchema, parse(query), { variables });

  it('counts each object once and leaves nothing', () => {
    expect(cost('{ connections { id name capabilities { item { list } } } }')).toBe(3);
  });

  it('multiplies the selection of a paged list by first, 20 when absent', () => {
    expect(cost('{ items(first: 10) { edges { node { name price { amount } } } } }')).toBe(1 + 10 * (1 + 1 + 1));
    expect(cost('{ items { edges { node { name } } } }')).toBe(1 + 20 * 2);
    expect(cost('query Q($n: Int) { items(first: $n) { edges { node { name } } } }', { n: 7 })).toBe(1 + 7 * 2);
  });

  it('multiplies nested pages: Customer.sales, Cashbook.sales and Cashbook.payments', () => {
    expect(cost('{ customers(first: 10) { edges { node { sales(first: 10) { totalCount } } } } }')).toBe(1 + 10 * (1 + 1 + 1));
    expect(cost('{ cashbooks(first: 2) { edges { node { sales(first: 5) { edges { node { id } } } payments(first: 3) { edges { node { id } } } } } } }')).toBe(
      1 + 2 * (1 + 1 + (1 + 5 * 2) + (1 + 3 * 2)),
    );
  });

  it('multiplies nodes(ids:) by the number of ids and counts fragments', () => {
    expect(cost('{ nodes(ids: ["a", "b", "c"]) { ... on Customer { sales(first: 2) { totalCount } } ...S } } fragment S on Sale { total { amount } }')).toBe(1 + 3 * (1 + 1));
  });

  it('puts the nested sales of each sale’s customer far past the default limit', () => {
    const abusive = '{ sales(first: 100) { edges { node { lines { item { name } } customer { sales(first: 100) { edges { node { number } } } } } } } }';
    expect(cost(abusive)).toBeGreaterThan(DEFAULT_QUERY_LIMITS.cost as number);
  });

  it('keeps every query of the README and of the end-to-end operations within the default limits', () => {
    const readme = readFileSync('README.md', 'utf8');
    const queries = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] as string);
    expect(queries.length).toBeGreaterThanOrEqual(4);
    const operations = readdirSync('test/e2e/operations').map((file) => readFileSync(`test/e2e/operations/${file}`, 'utf8'));
    for (const query of [...queries, ...operations]) {
      // The largest page anyone may ask for.
      expect(cost(query, { first: 100 }), query).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.cost as number);
    }
  });
});
