/** `npm run simulators`: the four vendor simulators on fixed ports, with their demo credentials. */
import { connectDemoWebhooks } from '../demo.ts';
import { startAllSimulators } from './start-all.ts';

const basePort = Number(process.env.SIM_BASE_PORT ?? 4100);
const sales = process.env.SIM_SALES === undefined ? undefined : Number(process.env.SIM_SALES);
// Loopback unless told: SIM_HOST=0.0.0.0 with SIM_PUBLIC_HOST=simulators under docker compose.
const host = process.env.SIM_HOST || '127.0.0.1';
const publicHost = process.env.SIM_PUBLIC_HOST || undefined;
const simulators = await startAllSimulators({ basePort, sales, host, publicHost });

for (const simulator of Object.values(simulators)) {
  const credentials = Object.entries(simulator.simulator.credentials(simulator.url))
    .map(([name, value]) => `${name}=${value}`)
    .join('  ');
  console.log(`${simulator.vendor.padEnd(10)} ${simulator.url}  ${credentials}`);
}
console.log('control routes: GET /__sim/info, GET /__sim/stats, POST /__sim/faults, POST /__sim/reset');
// SIM_WEBHOOK_GATEWAY=http://127.0.0.1:4000: the Kash shop notifies its sales to that gateway
// (connection demo-kash, as config/demo.json names it), as the embedded one does in demo mode.
const webhookGateway = process.env.SIM_WEBHOOK_GATEWAY;
if (webhookGateway) {
  connectDemoWebhooks(simulators, webhookGateway.replace(/\/+$/, ''));
  console.log(`webhooks: Kash notifies ${webhookGateway}/webhooks/kash/demo-kash`);
}

const stop = async (): Promise<void> => {
  await Promise.all(Object.values(simulators).map((simulator) => simulator.close()));
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
