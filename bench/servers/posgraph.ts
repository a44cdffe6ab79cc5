/**
 * posgraph under load, in a process of its own: the gateway of bench/lib/gateway.ts behind
 * node:http, over the connections in BENCH_CONFIG (with its caches when BENCH_CACHE=1). `GET /__bench/stats` answers the vendor
 * connections its agent has opened (keep-alive is measured, not assumed).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../../src/config.ts';
import { announce, exitWith } from '../lib/child.ts';
import { createBenchGateway } from '../lib/gateway.ts';

const config = JSON.parse(process.env.BENCH_CONFIG ?? 'null') as GatewayConfig | null;
if (!config) throw new Error('BENCH_CONFIG must hold the gateway configuration (JSON)');
// BENCH_CACHE=1: with the entity and response caches `npm start` has.
const bench = createBenchGateway(config, { cache: process.env.BENCH_CACHE === '1' });
const server = createServer((request, response) => {
  if (request.url === '/__bench/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ connectionsOpened: bench.agent.connectionsOpened, sockets: bench.sockets }));
    return;
  }
  bench.gateway(request, response);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
announce({ url: `http://127.0.0.1:${port}/graphql`, stats: `http://127.0.0.1:${port}/__bench/stats` });
exitWith(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await bench.close();
});
