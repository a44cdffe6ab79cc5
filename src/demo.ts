/** Demo mode: the four simulators in-process, and one connection to each. */
import type { GatewayConfig } from './config.ts';
import type { RunningSimulator, SimulatorOptions } from './simulators/server.ts';
import { startAllSimulators } from './simulators/start-all.ts';
import { VENDOR_IDS, VENDORS, type VendorId } from './vendors/index.ts';

export interface Demo {
  readonly config: GatewayConfig;
  readonly simulators: Record<VendorId, RunningSimulator>;
  close(): Promise<void>;
}

export async function startDemo(options: Omit<SimulatorOptions, 'seed'> & { basePort?: number } = {}): Promise<Demo> {
  const simulators = await startAllSimulators(options);
  const config: GatewayConfig = {
    connections: VENDOR_IDS.map((vendor) => ({
      id: `demo-${vendor}`,
      name: `${VENDORS[vendor].displayName} (simulator)`,
      vendor,
      settings: VENDORS[vendor].adapter.demoSettings(simulators[vendor].url),
    })),
  };
  return {
    config,
    simulators,
    close: async () => {
      await Promise.all(Object.values(simulators).map((simulator) => simulator.close()));
    },
  };
}
