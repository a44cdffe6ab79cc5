import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../e2e/harness.ts';

/**
 * Hostile documents against the whole stack at its default limits. Each is refused with its
 * own code before any resolver runs: the four simulators receive no request at all.
 */
describe('abusive queries', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 300 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  const upstreamTotal = () => Object.values(stack.upstreamCalls()).reduce((sum, calls) => sum + calls, 0);

  /**
   * Posts a raw body; the answer is JSON whatever the status. The connection is not reused:
   * a server refusing a body it has not read whole must close it.
   */
  async function post(body: string | Readable, accept = 'application/graphql-response+json') {
    const response = await request(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body, reset: true });
    return { status: response.statusCode, body: (await response.body.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
  }

  async function expectRefused(query: string, code: string, message: RegExp) {
    const response = await stack.query(query);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code } });
    expect(upstreamTotal()).toBe(0);
  }

  it('refuses a query nested deeper than 12 with DEPTH_LIMIT_EXCEEDED', () =>
    expectRefused(
      '{ sales(first: 1) { edges { node { customer { sales(first: 1) { edges { node { customer { sales(first: 1) { edges { node { cashbook { name } } } } } } } } } } } } }',
      'DEPTH_LIMIT_EXCEEDED',
      /^Query depth limit of 12 exceeded, found 13\.$/,
    ));

  it('refuses more than 30 aliases with ALIAS_LIMIT_EXCEEDED', () =>
    expectRefused(`{ ${Array.from({ length: 31 }, (_, i) => `page${i}: items(first: 1) { totalCount }`).join(' ')} }`, 'ALIAS_LIMIT_EXCEEDED', /^Aliases limit of 30 exceeded, found 31\.$/));

  it('refuses more than 20 directives with DIRECTIVE_LIMIT_EXCEEDED', () =>
    expectRefused(`{ items(first: 1) { ${'totalCount @include(if: true) '.repeat(21)}} }`, 'DIRECTIVE_LIMIT_EXCEEDED', /^Directives limit of 20 exceeded, found 21\.$/));

  it('refuses a document of more than 5000 tokens with TOKEN_LIMIT_EXCEEDED', () =>
    expectRefused(`{ items(first: 1) { totalCount ${'__typename '.repeat(5000)}} }`, 'TOKEN_LIMIT_EXCEEDED', /^Token limit of 5000 exceeded\.$/));

  it("refuses 100 sales with each customer's 100 sales with COST_LIMIT_EXCEEDED", () =>
    expectRefused(
      '{ sales(first: 100) { edges { node { lines { item { name } } customer { sales(first: 100) { edges { node { number total { amount } } } } } } } } }',
      'COST_LIMIT_EXCEEDED',
      /^Query cost limit of 5000 exceeded, found \d{5}\b/,
    ));

  it('prices `first` passed as a variable', async () => {
    const query = 'query Nested($n: Int) { sales(first: $n) { edges { node { customer { sales(first: $n) { edges { node { number } } } } } } } }';
    const response = await stack.query(query, { n: 100 });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', cost: { limit: 5000 } });
    expect(upstreamTotal()).toBe(0);
  });

  it('still answers a full page of sales with their lines, items, customers and payments', async () => {
    const response = await stack.query('{ sales(first: 100) { edges { node { number lines { item { name } } customer { name } payments { amount { amount } } } } } }');
    expect(response.errors).toBeUndefined();
    expect(upstreamTotal()).toBeGreaterThan(0);
  });

  it('refuses a body over 100 KB with 413 REQUEST_ENTITY_TOO_LARGE, before reading the rest', async () => {
    const body = JSON.stringify({ query: '{ items { totalCount } }', variables: { pad: 'x'.repeat(100_000) } });
    const response = await post(body);
    expect(response.status).toBe(413);
    expect(response.body.errors).toEqual([{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }]);
    expect(upstreamTotal()).toBe(0);
  });

  it('refuses an oversized body sent in chunks, without Content-Length, the same way', async () => {
    async function* chunks() {
      yield new TextEncoder().encode('{"query":"{ items { totalCount } }","variables":{"pad":"');
      for (let i = 0; i < 20; i += 1) yield new TextEncoder().encode('x'.repeat(10_000));
      yield new TextEncoder().encode('"}}');
    }
    const response = await post(Readable.from(chunks()));
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'REQUEST_ENTITY_TOO_LARGE' });
    expect(upstreamTotal()).toBe(0);
  });

  it('refuses a batch of more than 10 operations with 413', async () => {
    const response = await post(JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ items(first: 1) { totalCount } }' }))));
    expect(response.status).toBe(413);
    expect(response.body.errors).toEqual([{ message: 'Batching is limited to 10 operations per request.', extensions: { code: 'BAD_REQUEST' } }]);
    expect(upstreamTotal()).toBe(0);
  });

  it('answers a batch of up to 10 operations, one result each', async () => {
    const response = await post(JSON.stringify([{ query: '{ connections { id } }' }, { query: 'query Q { connections { vendor } }' }]), 'application/json');
    const results = response.body as unknown as Array<{ data: { connections: unknown[] } }>;
    expect(results.map((result) => result.data.connections.length)).toEqual([4, 4]);
  });
});
