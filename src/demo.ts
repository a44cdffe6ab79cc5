/** Demo mode: the four simulators in-process, and one connection to each. */
import type { GatewayConfig } from './config.ts';
import type { ResilienceConfig } from './core/resilience.ts';
import { encodeGlobalId } from './core/ids.ts';
import { webhookUrl } from './core/webhooks.ts';
import { demoTabs } from './demo-query.ts';
import type { RunningSimulator, SimulatorOptions } from './simulators/server.ts';
import { startAllSimulators } from './simulators/start-all.ts';
import { VENDOR_IDS, VENDORS, type VendorId } from './vendors/index.ts';

export interface Demo {
  readonly config: GatewayConfig;
  readonly simulators: Record<VendorId, RunningSimulator>;
  /** GraphiQL's ready-made tabs: the merged read and a sale on the Kash simulator. */
  readonly graphiqlTabs: ReturnType<typeof demoTabs>;
  /**
   * Points each simulator that pushes notifications (Kash's webhook) at the gateway's webhook
   * route for its demo connection, with that connection's secret. Called once the gateway
   * listens, since its address is known only then.
   */
  connectWebhooks(gatewayOrigin: string): void;
  close(): Promise<void>;
}

export interface DemoOptions extends Omit<SimulatorOptions, 'seed'> {
  readonly basePort?: number;
  /** Resilience settings for every demo connection, or per vendor. */
  readonly resilience?: ResilienceConfig | Partial<Record<VendorId, ResilienceConfig>>;
}

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const simulators = await startAllSimulators(options);
  const resilienceFor = (vendor: VendorId): ResilienceConfig | undefined => {
    const given = options.resilience;
    if (given === undefined) return undefined;
    const perVendor = VENDOR_IDS.some((id) => id in given);
    return perVendor ? (given as Partial<Record<VendorId, ResilienceConfig>>)[vendor] : (given as ResilienceConfig);
  };
  const config: GatewayConfig = {
    connections: VENDOR_IDS.map((vendor) => ({
      id: `demo-${vendor}`,
      name: `${VENDORS[vendor].displayName} (simulator)`,
      vendor,
      settings: VENDORS[vendor].adapter.demoSettings(simulators[vendor].url),
      ...(resilienceFor(vendor) ? { resilience: resilienceFor(vendor) } : {}),
    })),
  };
  // The Kash simulator's first two items cost 0.10 and 0.20: a sale that floats get wrong.
  const item = (id: string) => encodeGlobalId({ type: 'Item', connection: 'demo-kash', id });
  return {
    config,
    simulators,
    graphiqlTabs: demoTabs('demo-kash', [item('1'), item('2')]),
    connectWebhooks: (gatewayOrigin) => connectDemoWebhooks(simulators, gatewayOrigin),
    close: async () => {
      await Promise.all(Object.values(simulators).map((simulator) => simulator.close()));
    },
  };
}

/**
 * Points each simulator that pushes notifications (Kash's webhook) at a gateway's webhook
 * route for its demo connection (`demo-<vendor>`, as in demo mode and config/demo.json), with
 * the demo settings' secret.
 */
export function connectDemoWebhooks(simulators: Record<VendorId, RunningSimulator>, gatewayOrigin: string): void {
  for (const vendor of VENDOR_IDS) {
    const { simulator, url } = simulators[vendor];
    const webhook = VENDORS[vendor].adapter.webhook?.(VENDORS[vendor].adapter.demoSettings(url) as never);
    if (webhook && simulator.setWebhookUrl) simulator.setWebhookUrl(webhookUrl(gatewayOrigin, vendor, `demo-${vendor}`, webhook.secret));
  }
}
