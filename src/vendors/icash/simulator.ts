import type { SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';

export function createIcashSimulator(_options: SimulatorOptions = {}): VendorSimulator {
  throw new Error('not implemented');
}
