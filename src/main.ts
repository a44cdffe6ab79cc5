/**
 * `npm start`: with POSGRAPH_CONFIG, serve that file's connections; without, demo mode —
 * the four vendor simulators start in-process and the gateway serves them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, createConnections, loadConfigFile, type GatewayConfig } from './config.ts';
import { startDemo, type Demo } from './demo.ts';
import { createLogger } from './logger.ts';
import { TenantDirectory } from './core/tenants.ts';
import { createGateway } from './server.ts';
import { createLive } from './live/setup.ts';
import { startTracing } from './observability/tracing.ts';
import { sharedHttpAgent } from './core/http.ts';
import { GracefulServer, shutdownGraceMs, stopGracefullyOnSignals } from './shutdown.ts';
import { createSharedState } from './state/shared-state.ts';
import { GatewayCache } from './cache/gateway-cache.ts';
import { invalidateOnLiveEvents } from './cache/live-invalidation.ts';

const port = Number(process.env.PORT ?? 4000);

async function main(): Promise<void> {
  const graceMs = shutdownGraceMs();
  let config: GatewayConfig;
  let graphiqlTabs: Demo['graphiqlTabs'] | undefined;
  let closeDemo = async (): Promise<void> => {};
  let connectWebhooks: Demo['connectWebhooks'] = () => {};
  if (process.env.POSGRAPH_CONFIG) {
    config = await loadConfigFile(process.env.POSGRAPH_CONFIG);
  } else {
    // The demo shop's last trading day is today (UTC), so a dashboard's "today" has sales.
    const demo = await startDemo({ basePort: 0, lastDay: new Date().toISOString().slice(0, 10) });
    config = demo.config;
    closeDemo = demo.close;
    graphiqlTabs = demo.graphiqlTabs;
    connectWebhooks = demo.connectWebhooks;
    console.log('demo mode: four vendor simulators embedded');
    for (const simulator of Object.values(demo.simulators)) console.log(`  ${simulator.vendor.padEnd(10)} ${simulator.url}`);
  }
  // JSON request logs on stdout, level from LOG_LEVEL (default info).
  // Demo mode has no tenants and checks no key; a configuration file always declares them.
  const tenants = config.tenants ? new TenantDirectory(config.tenants) : undefined;
  // POSGRAPH_SUBGRAPH=1: serve the Apollo Federation v2 subgraph schema, for a router.
  const subgraph = process.env.POSGRAPH_SUBGRAPH === '1';
  const logger = createLogger();
  // OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) set: spans go there; unset, no SDK loads.
  const tracing = await startTracing();
  if (tracing) logger.info({ url: tracing.url, serviceName: tracing.serviceName }, 'tracing on');
  // REDIS_URL set: idempotency keys, vendor tokens, rate budgets and iCash nonce lanes shared by every replica (src/state).
  const state = createSharedState({ redisUrl: process.env.REDIS_URL, logger });
  // Entity and response caches (src/cache/), on unless the file says "cache": { "enabled": false };
  // in Redis with REDIS_URL (the shared connection), so every replica serves the others' hits.
  const cache = config.cache?.enabled === false ? undefined : new GatewayCache(config.cache, { redis: state.redis });
  const connections = createConnections(config, { state });
  // Live updates: the event log (a Redis Stream with REDIS_URL) and the pollers feeding it, configured by `live`.
  const live = createLive({ connections, settings: config.live, redis: state.redis, logger });
  await live.ready;
  // Sales and cashbooks the vendors report (webhooks, polling) drop the cached answers they make stale.
  const following = new AbortController();
  if (cache) void invalidateOnLiveEvents(cache, live.events, { connections: connections.keys(), signal: following.signal });
  const gateway = createGateway({ connections, idempotency: state.idempotency, cache, tenants, graphiqlTabs, logger, subgraph, ready: () => graceful.ready, live: live.events });
  const server = createServer(gateway);
  const graceful = new GracefulServer(server);
  await new Promise<void>((resolve) => server.listen(port, resolve));
  // The embedded Kash shop notifies its sales to the gateway's webhook route, now that it has an address.
  connectWebhooks(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  live.poller.start();
  console.log(`posgraph: http://localhost:${(server.address() as AddressInfo).port}/graphql  (${config.connections.length} connections, ${tenants ? `${tenants.tenants.length} tenants, API keys required` : 'no API key needed'}${subgraph ? ', federation subgraph' : ''})`);

  // SIGTERM/SIGINT: /ready turns 503, requests in flight finish (SHUTDOWN_GRACE_MS), then these
  // close in order (src/shutdown.ts).
  stopGracefullyOnSignals({
    graceful,
    graceMs,
    log: logger,
    // Subscription streams are dropped as the drain starts (their clients resume on another
    // replica with Last-Event-ID); the pollers stop before the pools they call through.
    resources: [
      {
        name: 'live updates',
        close: () => {
          following.abort();
          return live.close();
        },
      },
      { name: 'upstream connections', close: () => sharedHttpAgent().agent.close() },
      { name: 'shared state', close: () => state.close() },
      { name: 'demo simulators', close: closeDemo },
      ...(tracing ? [{ name: 'tracing', close: () => tracing.shutdown() }] : []),
    ],
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
