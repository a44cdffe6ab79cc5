/**
 * The critical path of one answer, measured: the vendor calls of the minimum plan
 * (minimum.ts) made straight with posgraph's own vendor clients — no GraphQL, no loaders,
 * no mapping — as early as the data allows, and timed end to end. It is what a hand-written
 * integration that knew the answer's shape in advance would wait for:
 *
 *   round 1  every connection's list page(s), and every lookup that needs no id (whole-list
 *            catalogues, payment types), all at once;
 *   merge    which sales make the page is known only once every list has answered;
 *   round 2  detail calls (Kash getOrder, all at once; iCash get-operation), then lookups
 *            by id (Tactill products, iCash items and customers).
 *
 * iCash allows one call in flight per api_key (its nonce), so all of its calls are
 * sequential: that is the vendor's own round-trip count, not a choice. The clients run in
 * the gateway's process, so they share its iCash nonce lane (a second process could not
 * speak to the same account without refused nonces).
 */
import type { GatewayConfig } from '../../src/config.ts';
import { HttpTransport } from '../../src/core/http.ts';
import { IcashClient } from '../../src/vendors/icash/client.ts';
import type { IcashSettings } from '../../src/vendors/icash/adapter.ts';
import { IncocloudClient } from '../../src/vendors/incocloud/client.ts';
import type { IncocloudSettings } from '../../src/vendors/incocloud/adapter.ts';
import { KashClient } from '../../src/vendors/kash/client.ts';
import type { KashSettings } from '../../src/vendors/kash/adapter.ts';
import { TactillClient } from '../../src/vendors/tactill/client.ts';
import type { TactillSettings } from '../../src/vendors/tactill/adapter.ts';
import { minimumCalls, type ConnectionUse, type MinimumPlan } from './minimum.ts';

type Step = () => Promise<unknown>;

interface Plan {
  readonly round1: Step[];
  readonly round2: Step[];
  /** Steps of one vendor that must not overlap (iCash): run one after another within a round. */
  readonly sequential: boolean;
}

export interface DirectClients {
  plan(use: ConnectionUse, first: number): { plan: Plan; minimum: MinimumPlan };
  /** Opens sessions (tokens, logins), which the timed runs leave out. */
  warm(): Promise<void>;
}

const DAY_MS = 86_400_000;

export function createDirectClients(config: GatewayConfig, transport: HttpTransport): DirectClients {
  const byConnection = new Map(config.connections.map((connection) => [connection.id, connection]));
  const clients = new Map<string, unknown>();
  for (const connection of config.connections) {
    const base = { connection: connection.id, transport };
    switch (connection.vendor) {
      case 'incocloud': {
        const s = connection.settings as IncocloudSettings;
        clients.set(connection.id, new IncocloudClient({ ...base, baseUrl: s.baseUrl, credentials: { appId: s.appId, appSecret: s.appSecret }, timeZone: s.timeZone }));
        break;
      }
      case 'kash': {
        // The demo connection authenticates with shop id and key (no login exchange).
        const s = connection.settings as KashSettings;
        clients.set(connection.id, new KashClient({ ...base, baseUrl: s.baseUrl, credentials: { shopId: s.shopId!, apiKey: s.apiKey! }, timeZone: s.timeZone }));
        break;
      }
      case 'icash': {
        const s = connection.settings as IcashSettings;
        clients.set(connection.id, new IcashClient({ ...base, baseUrl: s.baseUrl, credentials: { api_key: s.api_key, secret_key: s.secret_key, WareHouseID: s.WareHouseID, UserID: s.UserID }, timeZone: s.timeZone }));
        break;
      }
      case 'tactill': {
        const s = connection.settings as TactillSettings;
        clients.set(connection.id, new TactillClient({ ...base, baseUrl: s.baseUrl, credentials: { apiKey: s.apiKey } }));
        break;
      }
    }
  }

  const plan = (use: ConnectionUse, first: number): { plan: Plan; minimum: MinimumPlan } => {
    const minimum = minimumCalls(use, first);
    const client = clients.get(use.connection);
    const calls = (what: string) => minimum.parts.find((part) => part.what === what)?.calls ?? 0;
    const when = (what: string, step: Step): Step[] => (calls(what) > 0 ? [step] : []);
    switch (use.vendor) {
      case 'incocloud': {
        const inco = client as IncocloudClient;
        return {
          minimum,
          plan: {
            sequential: false,
            round1: [
              () => inco.listSales({ load_payments: true }),
              ...when('GET item', () => inco.listItems()),
              ...when('GET partner', () => inco.listPartners()),
              ...when('GET payment_type', () => inco.listPaymentTypes()),
            ],
            round2: [],
          },
        };
      }
      case 'kash': {
        const kash = client as KashClient;
        const lookBackDays = (byConnection.get(use.connection)!.settings as KashSettings).salesLookBackDays;
        return {
          minimum,
          plan: {
            sequential: false,
            round1: [
              () => kash.getOrders({ validated: true, from: new Date(Date.now() - lookBackDays * DAY_MS), to: new Date() }),
              ...when('getPlus', () => kash.getPlus()),
              ...when('getPaymentModes', () => kash.getPaymentModes()),
            ],
            round2: use.sales.map((id) => () => kash.getOrder(Number(id))),
          },
        };
      }
      case 'icash': {
        const icash = client as IcashClient;
        const pages = calls('operations-list');
        const walk = minimum.walk!;
        const lookups = (ids: readonly string[], walked: number, page: (offset: number) => Step, one: (id: number) => Step): Step[] => [
          ...Array.from({ length: walked }, (_, index) => page(index * 100)),
          ...ids.filter((id) => Math.ceil(Number(id) / 100) > walked).map((id) => one(Number(id))),
        ];
        return {
          minimum,
          plan: {
            sequential: true,
            round1: [
              ...Array.from({ length: pages }, (_, index) => () => icash.operationsList({ sort: 'OperationCreateDate', order: 'DESC', offset: index * 100, count: Math.min(100, first - index * 100) })),
              ...when('get-pay-types', () => icash.getPayTypes()),
            ],
            round2: [
              ...use.sales.map((id) => () => icash.getOperation(Number(id))),
              ...lookups(
                use.itemIds,
                walk.items,
                (offset) => () => icash.getSaleItems({ sort: 'SaleItemID', order: 'ASC', offset, count: 100 }),
                (id) => () => icash.getSaleItems({ SaleItemID: id, count: 1 }),
              ),
              ...lookups(
                use.customerIds,
                walk.customers,
                (offset) => () => icash.getContragents({ sort: 'ContragentID', order: 'ASC', offset, count: 100 }),
                (id) => () => icash.getContragents({ ContragentID: id, count: 1 }),
              ),
            ],
          },
        };
      }
      case 'tactill': {
        const tactill = client as TactillClient;
        const pages = calls('POST sales/request');
        const chunks: string[][] = [];
        for (let index = 0; index < use.itemIds.length; index += 100) chunks.push(use.itemIds.slice(index, index + 100));
        return {
          minimum,
          plan: {
            // Keyset pages follow one another (each needs the previous token): one step.
            sequential: false,
            round1: [
              async () => {
                let token: string | undefined;
                for (let page = 0; page < pages; page += 1) {
                  const answer = await tactill.listSales({ sort: [{ field: 'opened_at', direction: 'desc' }, { field: 'id', direction: 'desc' }], limit: Math.min(100, first - page * 100), next_token: token });
                  token = answer.next_token ?? undefined;
                  if (!token) break;
                }
              },
            ],
            round2: chunks.map((ids) => () => tactill.listProducts({ filter: { id: { in: ids } }, limit: 100 })),
          },
        };
      }
    }
  };

  return {
    plan,
    warm: async () => {
      for (const [id, client] of clients) {
        const vendor = byConnection.get(id)!.vendor;
        if (vendor === 'incocloud') await (client as IncocloudClient).listPaymentTypes();
        if (vendor === 'icash') await (client as IcashClient).getPayTypes();
      }
    },
  };
}

async function runRound(steps: Step[], sequential: boolean): Promise<void> {
  if (sequential) {
    for (const step of steps) await step();
  } else {
    await Promise.all(steps.map((step) => step()));
  }
}

/** Times the minimum plan of every connection of one answer: round 1 everywhere, then round 2 everywhere. */
export async function timeCriticalPath(clients: DirectClients, uses: readonly ConnectionUse[], first: number): Promise<number> {
  const plans = uses.map((use) => clients.plan(use, first).plan);
  const started = performance.now();
  await Promise.all(plans.map((plan) => runRound(plan.round1, plan.sequential)));
  await Promise.all(plans.map((plan) => runRound(plan.round2, plan.sequential)));
  return performance.now() - started;
}
