import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness.ts';

describe('the HTTP server', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 300 });
  });
  afterAll(() => stack.close());

  it('serves GraphiQL opening on a query over all four vendors', async () => {
    const response = await request(stack.url, { headers: { accept: 'text/html' } });
    const html = await response.body.text();
    expect(response.statusCode).toBe(200);
    expect(html).toContain('graphiql');
    expect(html).toContain('query LatestSales');
  });

  it('answers the health check', async () => {
    const response = await request(stack.url.replace('/graphql', '/health'));
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });
});
