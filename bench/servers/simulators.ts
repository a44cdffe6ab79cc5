/**
 * The four vendor simulators on free loopback ports, in a process of their own, for one
 * dataset size (argv[2], sales per vendor). Tactill's sandbox quota (3,000 list calls per 10
 * minutes) is lifted: the throughput runs send far more, to posgraph and to the peer
 * gateway alike, and a 429 would measure the quota instead of the gateways.
 * Announces `{sales, urls, config}`; the orchestrator drives it through the control routes.
 */
import type { GatewayConfig } from '../../src/config.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulators/server.ts';
import { createTactillSimulator } from '../../src/vendors/tactill/simulator.ts';
import { VENDOR_IDS, VENDORS, type VendorId } from '../../src/vendors/index.ts';
import { announce, exitWith } from '../lib/child.ts';

const sales = Number(process.argv[2] ?? 5000);
const running: RunningSimulator[] = [];
for (const id of VENDOR_IDS) {
  const vendor = VENDORS[id];
  const options = { seed: vendor.defaultSeed, sales };
  const simulator = id === 'tactill' ? createTactillSimulator({ ...options, rateLimit: { limit: 1_000_000_000, windowMs: 60_000 } }) : vendor.createSimulator(options);
  running.push(await startSimulator(simulator));
}
const urls = Object.fromEntries(running.map((simulator) => [simulator.vendor, simulator.url])) as Record<VendorId, string>;
// The same connections as demo mode (src/demo.ts): ids `demo-<vendor>`, the vendors' demo settings.
const config: GatewayConfig = {
  connections: VENDOR_IDS.map((vendor) => ({
    id: `demo-${vendor}`,
    name: `${VENDORS[vendor].displayName} (simulator)`,
    vendor,
    settings: VENDORS[vendor].adapter.demoSettings(urls[vendor]),
  })),
};
announce({ sales, urls, config });
exitWith(async () => {
  await Promise.all(running.map((simulator) => simulator.close()));
});
