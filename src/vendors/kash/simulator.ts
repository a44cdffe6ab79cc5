import type { SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';

export function createKashSimulator(_options: SimulatorOptions = {}): VendorSimulator {
  throw new Error('not implemented');
}
