import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../e2e/harness.ts';

const KASH_SALES = '{ sales(first: 1, connections: ["demo-kash"]) { edges { node { number } } } }';

/**
 * A gateway that may work on two requests at once, in front of a Kash that takes 300 ms per
 * call: the third and later concurrent requests are refused at once with 503 and never reach
 * a vendor; once the two finish, the gateway serves again by itself.
 */
describe('overload', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 300, gateway: { limits: { inFlight: 2 } } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetSimulators());

  const kashCalls = () => stack.demo.simulators.kash.stats().total;

  async function send() {
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: KASH_SALES }),
    });
    const body = (await response.body.json()) as { data?: { sales: { edges: unknown[] } }; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    return { status: response.statusCode, retryAfter: response.headers['retry-after'], body };
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('refuses requests past the in-flight limit with 503, Retry-After and OVERLOADED, and recovers', async () => {
    // What one request costs Kash, when nothing is in the way.
    expect((await send()).status).toBe(200);
    const perRequest = kashCalls();
    expect(perRequest).toBeGreaterThan(0);
    stack.resetSimulators();

    stack.demo.simulators.kash.addFault({ latencyMs: 300 });
    const admitted = [send(), send()];
    // Both are in flight once Kash has seen both: each waits 300 ms for its first answer.
    await until(() => kashCalls() >= 2);
    const refused = await Promise.all(Array.from({ length: 6 }, () => send()));
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.retryAfter).toBe('1');
      expect(response.body.errors).toEqual([{ message: 'The gateway is overloaded; retry in 1s.', extensions: { code: 'OVERLOADED' } }]);
    }
    for (const response of await Promise.all(admitted)) {
      expect(response.status).toBe(200);
      expect(response.body.data?.sales.edges).toHaveLength(1);
    }
    // The refused requests cost the vendor nothing.
    expect(kashCalls()).toBe(2 * perRequest);
    expect(Object.entries(stack.upstreamCalls()).filter(([vendor]) => vendor !== 'kash').map(([, calls]) => calls)).toEqual([0, 0, 0]);

    // Load has dropped: the gateway serves again, without a restart.
    const after = await Promise.all([send(), send()]);
    expect(after.map((response) => response.status)).toEqual([200, 200]);
    expect(kashCalls()).toBe(4 * perRequest);
  });
});
