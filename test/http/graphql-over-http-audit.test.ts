import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server.ts';

/** The graphql-http audit suite (the GraphQL-over-HTTP spec's own) against the gateway over real HTTP. */
describe('GraphQL over HTTP compliance', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // The audit asks only `__typename` and bad requests: no vendor connection is needed.
    server = createServer(createGateway({ connections: new Map() }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function audit(headers: Record<string, string> = {}): Promise<AuditResult[]> {
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const merged = new Headers(init.headers);
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      return fetch(input, { ...init, headers: merged });
    };
    const results: AuditResult[] = [];
    for (const { fn } of serverAudits({ url, fetchFn })) results.push(await fn());
    return results;
  }
  const failures = (results: AuditResult[], level: string) => results.filter((result) => result.status !== 'ok' && result.name.startsWith(level)).map((result) => result.name);

  it('passes every MUST and every SHOULD', async () => {
    const results = await audit();
    expect(results.filter((result) => result.name.startsWith('MUST')).length).toBeGreaterThan(10);
    expect(failures(results, 'MUST')).toEqual([]);
    expect(failures(results, 'SHOULD')).toEqual([]);
  });

  it('refuses only the optional header-less GETs, which CSRF prevention blocks on purpose', async () => {
    expect(failures(await audit(), 'MAY')).toEqual([
      'MAY accept application/x-www-form-urlencoded formatted GET requests',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
    ]);
  });

  it('passes every audit, MAY included, for a client that sends the CSRF header', async () => {
    const results = await audit({ 'x-graphql-yoga-csrf': '1' });
    expect(results.filter((result) => result.status !== 'ok').map((result) => result.name)).toEqual([]);
  });
});
