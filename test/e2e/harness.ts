/**
 * The whole stack as a user runs it: the four simulators and the gateway, each on a free
 * loopback port, queried over real HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { Agent, request } from 'undici';
import { createConnections } from '../../src/config.ts';
import { createHttpAgent } from '../../src/core/http.ts';
import type { Connection } from '../../src/core/connection.ts';
import { startDemo, type Demo, type DemoOptions } from '../../src/demo.ts';
import { createGateway, type GatewayOptions } from '../../src/server.ts';

export interface GraphQLResponse<T> {
  readonly status: number;
  readonly data?: T;
  readonly errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface TestStack {
  readonly url: string;
  readonly demo: Demo;
  /** The gateway's own connections (same transports, limiters and breakers as its requests). */
  readonly connections: ReadonlyMap<string, Connection>;
  /** POSTs the operation; `headers` adds to the JSON ones (an API key, say). */
  query<T, V>(document: TypedDocumentNode<T, V> | DocumentNode | string, variables?: V, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Vendor requests per simulator since the last reset, by vendor. */
  upstreamCalls(): Record<string, number>;
  resetSimulators(): void;
  close(): Promise<void>;
}

export interface TestStackOptions {
  readonly sales?: number;
  /** The dataset's last trading day (default 2026-11-20); today's date makes "today" have sales. */
  readonly lastDay?: string;
  /** Deadlines, retries, limits and breaker of the demo connections (all, or per vendor). */
  readonly resilience?: DemoOptions['resilience'];
  /** Gateway options beyond the connections: limits, introspection, persisted operations, … */
  readonly gateway?: Partial<Omit<GatewayOptions, 'connections'>>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const demo = await startDemo({ basePort: 0, sales: options.sales, lastDay: options.lastDay, resilience: options.resilience });
  const upstream = createHttpAgent();
  const connections = createConnections(demo.config, { dispatcher: upstream.agent });
  const gateway = createGateway({ graphiqlTabs: demo.graphiqlTabs, ...options.gateway, connections });
  const server: Server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const client = new Agent({ keepAliveTimeout: 10_000 });

  return {
    url,
    demo,
    connections,
    async query(document, variables, headers = {}) {
      const text = typeof document === 'string' ? document : print(document as DocumentNode);
      const response = await request(url, {
        method: 'POST',
        dispatcher: client,
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: text, variables }),
      });
      const body = (await response.body.json()) as Omit<GraphQLResponse<never>, 'status'>;
      return { status: response.statusCode, ...body } as never;
    },
    upstreamCalls: () => Object.fromEntries(Object.values(demo.simulators).map((simulator) => [simulator.vendor, simulator.stats().total])),
    resetSimulators: () => {
      for (const simulator of Object.values(demo.simulators)) simulator.reset();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
      await upstream.agent.close();
      await demo.close();
    },
  };
}
