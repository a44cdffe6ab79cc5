import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useOverloadGuard } from '../../src/plugins/use-overload-guard.ts';

/** A server whose `slow` field waits until the test opens the gate, so "in flight" is exact. */
function gatedServer(maxInFlight: number) {
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  let started = 0;
  const guard = useOverloadGuard({ maxInFlight });
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { slow: String!, fail: String! }',
      resolvers: {
        Query: {
          slow: async () => {
            started += 1;
            await gate;
            return 'done';
          },
          fail: () => {
            throw new Error('boom');
          },
        },
      },
    }),
    plugins: [guard],
    logging: false,
  });
  const send = (query = '{ slow }') =>
    yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return {
    yoga,
    guard,
    send,
    started: () => started,
    release() {
      open();
      gate = new Promise<void>((resolve) => (open = resolve));
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('overload guard', () => {
  it('refuses requests past the in-flight limit with 503, Retry-After and OVERLOADED, without running them', async () => {
    const server = gatedServer(2);
    const admitted = [server.send(), server.send()];
    await until(() => server.started() === 2);
    const refused = await Promise.all([server.send(), server.send(), server.send()]);
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toEqual({ errors: [{ message: 'The gateway is overloaded; retry in 1s.', extensions: { code: 'OVERLOADED' } }] });
    }
    expect(server.started()).toBe(2);
    server.release();
    for (const response of await Promise.all(admitted)) expect(await response.json()).toEqual({ data: { slow: 'done' } });
  });

  it('recovers by itself as soon as requests finish', async () => {
    const server = gatedServer(1);
    const first = server.send();
    await until(() => server.started() === 1);
    expect((await server.send()).status).toBe(503);
    server.release();
    await first;
    expect(server.guard.inFlight()).toBe(0);
    const next = server.send();
    await until(() => server.started() === 2);
    server.release();
    expect((await next).status).toBe(200);
  });

  it('frees the slot of a request that failed', async () => {
    const server = gatedServer(1);
    for (let i = 0; i < 3; i += 1) {
      const response = await server.send('{ fail }');
      expect(response.status).toBe(200);
      expect(server.guard.inFlight()).toBe(0);
    }
  });

  it('does not count, nor refuse, the health check', async () => {
    const server = gatedServer(1);
    const first = server.send();
    await until(() => server.started() === 1);
    expect((await server.yoga.fetch('http://localhost/health')).status).toBe(200);
    expect(server.guard.inFlight()).toBe(1);
    server.release();
    await first;
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => useOverloadGuard({ maxInFlight: 0 })).toThrow('maxInFlight must be a positive integer, got 0');
  });
});
