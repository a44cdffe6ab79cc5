/**
 * The one table of vendors. Everything that differs per vendor is reached through a row
 * here; there is no `switch (vendor)` anywhere else.
 */
import type { SimulatorOptions, VendorId, VendorSimulator } from '../simulators/server.ts';
import { createIcashSimulator } from './icash/simulator.ts';
import { createIncocloudSimulator } from './incocloud/simulator.ts';
import { createKashSimulator } from './kash/simulator.ts';
import { createTactillSimulator } from './tactill/simulator.ts';

export type { VendorId } from '../simulators/server.ts';

export interface VendorRegistration {
  readonly id: VendorId;
  readonly displayName: string;
  /** Simulator port is SIM_BASE_PORT (default 4100) + this offset. */
  readonly portOffset: number;
  /** Each vendor's simulator gets its own universe, so the four shops differ. */
  readonly defaultSeed: number;
  readonly createSimulator: (options?: SimulatorOptions) => VendorSimulator;
}

export const VENDORS: Readonly<Record<VendorId, VendorRegistration>> = {
  incocloud: { id: 'incocloud', displayName: 'IncoCloud (IncoPOS)', portOffset: 1, defaultSeed: 101, createSimulator: createIncocloudSimulator },
  kash: { id: 'kash', displayName: 'Kash (caisse-enregistreuse.fr)', portOffset: 2, defaultSeed: 102, createSimulator: createKashSimulator },
  icash: { id: 'icash', displayName: 'iCash', portOffset: 3, defaultSeed: 103, createSimulator: createIcashSimulator },
  tactill: { id: 'tactill', displayName: 'Tactill', portOffset: 4, defaultSeed: 104, createSimulator: createTactillSimulator },
};

export const VENDOR_IDS = Object.keys(VENDORS) as VendorId[];
