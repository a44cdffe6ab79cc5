import type { VendorAdapter } from './adapter.ts';
import type { ConnectionHealth } from './breaker.ts';
import type { VendorId } from '../simulators/server.ts';
import type { VendorWebhook } from './webhooks.ts';

/** A configured vendor account, live for the life of the gateway (its adapter caches tokens). */
export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly vendor: VendorId;
  readonly adapter: VendorAdapter;
  /** The circuit breaker's view of the vendor; absent for connections built without one (tests). */
  readonly health?: () => ConnectionHealth;
  /** The vendor pushes this connection's changes (its settings enable a webhook); absent otherwise. */
  readonly webhook?: VendorWebhook;
}
