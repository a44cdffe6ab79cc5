/**
 * The one table of vendors. Everything that differs per vendor is reached through a row
 * here; there is no `switch (vendor)` anywhere else.
 */
import type { VendorAdapterModule } from '../core/adapter.ts';
import type { SimulatorOptions, VendorId, VendorSimulator } from '../simulators/server.ts';
import { icashAdapterModule } from './icash/adapter.ts';
import { createIcashSimulator } from './icash/simulator.ts';
import { incocloudAdapterModule } from './incocloud/adapter.ts';
import { createIncocloudSimulator } from './incocloud/simulator.ts';
import { kashAdapterModule } from './kash/adapter.ts';
import { createKashSimulator } from './kash/simulator.ts';
import { tactillAdapterModule } from './tactill/adapter.ts';
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
  // Each vendor's settings type differs; the registry only passes them through.
  readonly adapter: VendorAdapterModule<any>;
}

export const VENDORS: Readonly<Record<VendorId, VendorRegistration>> = {
  incocloud: { id: 'incocloud', displayName: 'IncoCloud (IncoPOS)', portOffset: 1, defaultSeed: 101, createSimulator: createIncocloudSimulator, adapter: incocloudAdapterModule },
  kash: { id: 'kash', displayName: 'Kash (caisse-enregistreuse.fr)', portOffset: 2, defaultSeed: 102, createSimulator: createKashSimulator, adapter: kashAdapterModule },
  icash: { id: 'icash', displayName: 'iCash', portOffset: 3, defaultSeed: 103, createSimulator: createIcashSimulator, adapter: icashAdapterModule },
  tactill: { id: 'tactill', displayName: 'Tactill', portOffset: 4, defaultSeed: 104, createSimulator: createTactillSimulator, adapter: tactillAdapterModule },
};

export const VENDOR_IDS = Object.keys(VENDORS) as VendorId[];
