/**
 * createGateway(connections) → a Yoga instance serving the schema over those connections.
 * It does not listen: main.ts (or a test) decides where it runs.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from './context.ts';
import type { Connection } from './core/connection.ts';
import type { WriteStore } from './core/write-once.ts';
import { InMemoryIdempotencyStore } from './core/idempotency.ts';
import { useSourceErrors } from './plugins/use-source-errors.ts';
import { schema } from './schema/index.ts';
import { DEMO_QUERY } from './demo-query.ts';

export interface GatewayOptions {
  readonly connections: ReadonlyMap<string, Connection>;
  /** Where idempotency keys live; in memory (one process) unless given. */
  readonly idempotency?: WriteStore;
  readonly graphiql?: boolean;
  /** Ready-made GraphiQL tabs; the merged sales query alone by default. */
  readonly graphiqlTabs?: ReadonlyArray<{ query: string; variables?: string }>;
  /** false only to measure a naive gateway: no batching, no de-duplication. */
  readonly batching?: boolean;
}

export type Gateway = YogaServerInstance<Record<string, never>, GatewayContext>;

export function createGateway(options: GatewayOptions): Gateway {
  const services = {
    connections: options.connections,
    idempotency: options.idempotency ?? new InMemoryIdempotencyStore(),
    batching: options.batching,
  };
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: ({ request }) => createContext(services, request.signal),
    plugins: [useSourceErrors()],
    // Never send stacks or internal messages, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    graphiql: options.graphiql === false ? false : { title: 'posgraph', defaultQuery: DEMO_QUERY, defaultTabs: options.graphiqlTabs ? [...options.graphiqlTabs] : undefined },
    // The GraphiQL bundle is inlined in the page, so it works with no CDN and no network.
    renderGraphiQL,
    landingPage: false,
    logging: false,
  });
}
