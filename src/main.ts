/**
 * `npm start`: with POSGRAPH_CONFIG, serve that file's connections; without, demo mode —
 * the four vendor simulators start in-process and the gateway serves them.
 */
import { createServer } from 'node:http';
import { ConfigError, createConnections, loadConfigFile, type GatewayConfig } from './config.ts';
import { startDemo, type Demo } from './demo.ts';
import { createLogger } from './logger.ts';
import { TenantDirectory } from './core/tenants.ts';
import { createGateway } from './server.ts';

const port = Number(process.env.PORT ?? 4000);

async function main(): Promise<void> {
  let config: GatewayConfig;
  let graphiqlTabs: Demo['graphiqlTabs'] | undefined;
  let closeDemo = async (): Promise<void> => {};
  if (process.env.POSGRAPH_CONFIG) {
    config = await loadConfigFile(process.env.POSGRAPH_CONFIG);
  } else {
    const demo = await startDemo({ basePort: 0 });
    config = demo.config;
    closeDemo = demo.close;
    graphiqlTabs = demo.graphiqlTabs;
    console.log('demo mode: four vendor simulators embedded');
    for (const simulator of Object.values(demo.simulators)) console.log(`  ${simulator.vendor.padEnd(10)} ${simulator.url}`);
  }
  // JSON request logs on stdout, level from LOG_LEVEL (default info).
  // Demo mode has no tenants and checks no key; a configuration file always declares them.
  const tenants = config.tenants ? new TenantDirectory(config.tenants) : undefined;
  const gateway = createGateway({ connections: createConnections(config), tenants, graphiqlTabs, logger: createLogger() });
  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(port, resolve));
  console.log(`posgraph: http://localhost:${port}/graphql  (${config.connections.length} connections, ${tenants ? `${tenants.tenants.length} tenants, API keys required` : 'no API key needed'})`);

  const shutdown = (): void => {
    server.close(() => {
      void closeDemo().then(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
