/** The live feed: sales pushed by the gateway's `saleCreated` subscription, newest first. */
import type { DashboardSaleCreatedSubscription } from './__generated__/graphql.ts';
import { GRAPHQL_URL } from './api.ts';
import { fill, h, vendorBadge } from './dom.ts';
import { graphql } from './__generated__/index.ts';
import { formatMoney } from './money.ts';
import type { DaySale } from './sales.ts';
import { subscribe, type LiveStatus } from './sse.ts';

export const DashboardSaleCreated = graphql(`
  subscription DashboardSaleCreated {
    saleCreated {
      eventId
      occurredAt
      via
      sale {
        id
        number
        createdAt
        total { amount currency }
        connection { id name vendor }
      }
    }
  }
`);

type Event = DashboardSaleCreatedSubscription['saleCreated'];

const MAX_ENTRIES = 40;
const VIA_LABELS: Record<Event['via'], string> = { WEBHOOK: 'webhook', POLLING: 'polling', GATEWAY: 'this gateway' };
const STATUS_LABELS: Record<LiveStatus, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', ended: 'stopped' };

export interface LiveFeed {
  /** A sale this page recorded: marked as such when its event arrives. */
  recordedHere(sale: { id: string }): void;
  stop(): void;
}

/** `onMissed`: the gateway could not replay a gap in the feed, so the day's figures must be read again. */
export function startLiveFeed(container: HTMLElement, onSale: (sale: DaySale) => void, onMissed: () => void): LiveFeed {
  const status = h('span', { class: 'pill pill-half_open', id: 'feed-status' }, h('i', { class: 'dot' }), STATUS_LABELS.connecting);
  const list = h('ol', { class: 'feed', id: 'feed' });
  const empty = h('p', { class: 'muted feed-empty' }, 'New sales appear here as they are recorded.');
  const problem = h('p', { class: 'form-error' });
  fill(container, h('div', { class: 'card-head' }, h('h2', {}, 'Live feed'), status), problem, empty, list);
  problem.hidden = true;

  const ours = new Set<string>();
  const seen = new Set<string>();
  const controller = new AbortController();

  const show = (event: Event): void => {
    // A replay after reconnecting may repeat an event already shown.
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    empty.hidden = true;
    const { sale } = event;
    const time = new Date(event.occurredAt).toISOString().slice(11, 19);
    list.prepend(h('li', { class: `feed-entry${ours.has(sale.id) ? ' ours' : ''}`, 'data-sale': sale.id, 'data-via': event.via },
      h('time', { datetime: event.occurredAt }, time),
      vendorBadge(sale.connection.vendor),
      h('span', { class: 'feed-what', title: sale.connection.name }, `Sale ${sale.number ?? ''}`),
      h('span', { class: 'amount' }, formatMoney(sale.total.amount, sale.total.currency)),
      h('span', { class: `via via-${event.via.toLowerCase()}` }, VIA_LABELS[event.via] ?? event.via)));
    while (list.children.length > MAX_ENTRIES) list.lastElementChild?.remove();
    onSale({ id: sale.id, createdAt: sale.createdAt, connection: sale.connection.id, amount: sale.total.amount, currency: sale.total.currency });
  };

  void subscribe<DashboardSaleCreatedSubscription>({
    url: GRAPHQL_URL,
    query: DashboardSaleCreated.toString(),
    signal: controller.signal,
    onData: (data) => show(data.saleCreated),
    onMissed,
    onErrors: (errors) => {
      problem.hidden = false;
      problem.textContent = `Live feed: ${errors.map((error) => `${error.extensions?.code ?? 'ERROR'} — ${error.message}`).join('; ')}`;
    },
    onStatus: (state) => {
      status.className = `pill ${state === 'live' ? 'pill-closed' : state === 'ended' ? 'pill-open' : 'pill-half_open'}`;
      fill(status, h('i', { class: 'dot' }), STATUS_LABELS[state]);
      if (state === 'live') problem.hidden = true;
    },
  });

  return {
    recordedHere(sale) {
      ours.add(sale.id);
      list.querySelector(`[data-sale="${CSS.escape(sale.id)}"]`)?.classList.add('ours');
    },
    stop: () => controller.abort(),
  };
}
