import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/core/ids.ts';
import { startTestStack, type TestStack } from './harness.ts';

describe('bad input', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 300 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  /** Sends a query that must fail with `code`, and checks no vendor was called. */
  async function expectRejected(query: string, code: string, message: RegExp) {
    const response = await stack.query(query);
    expect(response.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code } });
    for (const error of response.errors ?? []) {
      expect(JSON.stringify(error)).not.toMatch(/stack|at .*\.ts:\d+/);
    }
    expect(Object.values(stack.upstreamCalls()).reduce((sum, calls) => sum + calls, 0)).toBe(0);
  }

  it('refuses a malformed ID', () => expectRejected('{ node(id: "not-an-id") { id } }', 'BAD_USER_INPUT', /not a posgraph ID/));

  it('refuses an ID of another type in a filter', async () => {
    const itemId = encodeGlobalId({ type: 'Item', connection: 'demo-kash', id: '1' });
    await expectRejected(`{ sales(filter: { customer: "${itemId}" }) { totalCount } }`, 'BAD_USER_INPUT', /Expected the ID of a Customer, got the ID of a Item/);
  });

  it('answers NOT_FOUND for an ID of a connection that does not exist', async () => {
    const id = encodeGlobalId({ type: 'Sale', connection: 'someone-else', id: '1' });
    const response = await stack.query(`{ node(id: "${id}") { id } }`);
    expect(response.data).toEqual({ node: null });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([[101], [0], [-1]])('refuses first: %i', (first) => expectRejected(`{ items(first: ${first}) { totalCount } }`, 'BAD_USER_INPUT', /first must be between 1 and 100/));

  it('refuses a cursor that this API did not issue', () => expectRejected('{ items(after: "garbage") { totalCount } }', 'BAD_USER_INPUT', /not a cursor this API issued/));

  it('refuses an unknown connection', () => expectRejected('{ sales(connections: ["nope"]) { totalCount } }', 'NOT_FOUND', /No connection "nope"/));

  it('refuses more than 100 IDs at once', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `"${encodeGlobalId({ type: 'Item', connection: 'demo-kash', id: String(i + 1) })}"`).join(',');
    await expectRejected(`{ nodes(ids: [${ids}]) { id } }`, 'BAD_USER_INPUT', /at most 100 IDs/);
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED', async () => {
    const response = await stack.query('{ items(');
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED' });
  });
});
