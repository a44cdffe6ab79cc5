import { VENDOR_IDS, VENDORS } from '../vendors/index.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions, type VendorId } from './server.ts';

export interface StartAllOptions extends Omit<SimulatorOptions, 'seed'> {
  /** Ports are base + 1..4; 0 picks a free port for each. */
  readonly basePort?: number;
  readonly host?: string;
  readonly publicHost?: string;
}

/** Starts the four vendor simulators; closes those already started if one fails. */
export async function startAllSimulators(options: StartAllOptions = {}): Promise<Record<VendorId, RunningSimulator>> {
  const started: RunningSimulator[] = [];
  try {
    for (const id of VENDOR_IDS) {
      const vendor = VENDORS[id];
      const simulator = vendor.createSimulator({ seed: vendor.defaultSeed, sales: options.sales, lastDay: options.lastDay });
      const port = options.basePort === undefined || options.basePort === 0 ? 0 : options.basePort + vendor.portOffset;
      started.push(await startSimulator(simulator, { port, host: options.host, publicHost: options.publicHost }));
    }
  } catch (error) {
    await Promise.all(started.map((simulator) => simulator.close()));
    throw error;
  }
  return Object.fromEntries(started.map((simulator) => [simulator.vendor, simulator])) as Record<VendorId, RunningSimulator>;
}
