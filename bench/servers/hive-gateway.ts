/**
 * The peer gateway: GraphQL Hive Gateway serving a supergraph that GraphQL Mesh composes from
 * docs/openapi/tactill.yaml with its OpenAPI loader, over the Tactill simulator (argv[2]).
 * Run the way posgraph runs here: the gateway runtime behind node:http, one process, no
 * response cache (Hive's is a plugin, off unless configured). Tactill's list operations are
 * POSTs, which the loader would make mutations; they are declared queries, as they read.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { getComposedSchemaFromConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';
import { TACTILL_PRODUCTION_KEY } from '../../src/vendors/tactill/simulator.ts';
import { announce, exitWith } from '../lib/child.ts';

const tactillUrl = process.argv[2];
if (!tactillUrl) throw new Error('usage: hive-gateway.ts <tactill simulator url>');
const source = fileURLToPath(new URL('../../docs/openapi/tactill.yaml', import.meta.url));

type ComposeLogger = Parameters<typeof getComposedSchemaFromConfig>[1];
const quiet: ComposeLogger = {
  log: () => {},
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.error('[compose]', ...args),
  error: (...args: unknown[]) => console.error('[compose]', ...args),
  child: () => quiet,
} as unknown as ComposeLogger;

const supergraph = await getComposedSchemaFromConfig(
  {
    subgraphs: [
      {
        sourceHandler: loadOpenAPISubgraph('Tactill', {
          source,
          endpoint: `${tactillUrl}/v0`,
          operationHeaders: { 'X-Api-Key': TACTILL_PRODUCTION_KEY },
          selectQueryOrMutationField: [
            { type: 'query', fieldName: 'requestSales' },
            { type: 'query', fieldName: 'requestProducts' },
            { type: 'query', fieldName: 'requestCustomers' },
            { type: 'query', fieldName: 'requestPayments' },
            { type: 'query', fieldName: 'requestCashbooks' },
            { type: 'query', fieldName: 'requestCategories' },
            { type: 'query', fieldName: 'requestTaxes' },
          ],
        }),
      },
    ],
  },
  quiet,
);

const gateway = createGatewayRuntime({ supergraph, logging: 'error', graphiql: false, landingPage: false });
const server = createServer(gateway);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
announce({ url: `http://127.0.0.1:${port}/graphql`, supergraphBytes: supergraph.length });
exitWith(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.dispose();
});
