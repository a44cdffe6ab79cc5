import type { SimulatorOptions, VendorSimulator } from '../../simulators/server.ts';

export function createIncocloudSimulator(_options: SimulatorOptions = {}): VendorSimulator {
  throw new Error('not implemented');
}
