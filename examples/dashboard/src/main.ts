/**
 * posgraph example dashboard: a day's sales across every vendor connection, exact totals per
 * connection, takings per hour, the live feed of new sales, and a form that records one.
 */
import './style.css';
import { errorCodes, execute } from './api.ts';
import type { DashboardConnectionsQuery } from './__generated__/graphql.ts';
import { hourlyChart, legend } from './chart.ts';
import { fill, h, skeletonRows, vendorBadge, vendorLabel } from './dom.ts';
import { createSaleForm } from './form.ts';
import { startLiveFeed } from './feed.ts';
import { formatMoney, maxAmount, ratio } from './money.ts';
import { DashboardConnections } from './operations.ts';
import { loadDay, todayUtc, totalsByConnection, totalsByCurrency, type DayReport, type DaySale } from './sales.ts';

type Connection = DashboardConnectionsQuery['connections'][number];

const app = document.querySelector<HTMLElement>('#app')!;
const health = h('div', { class: 'health', id: 'health' }, h('span', { class: 'skeleton wide' }));
const dayInput = h('input', { type: 'date', id: 'day', value: todayUtc() });
const warnings = h('div', { class: 'warnings', id: 'warnings' });
const summary = h('div', { class: 'summary', id: 'summary' });
const totalsBody = h('tbody', {}, ...skeletonRows(4, 4));
const chartBox = h('div', { class: 'chart-box', id: 'chart' }, h('div', { class: 'skeleton chart-skeleton' }));
const formBox = h('div', { id: 'sale-form' }, h('div', { class: 'skeleton block' }));
const feedBox = h('section', { class: 'card feed-card' });

fill(app,
  h('header', { class: 'top' },
    h('div', { class: 'brand' }, h('strong', {}, 'posgraph'), h('span', { class: 'muted' }, ' · sales dashboard')),
    health),
  warnings,
  h('main', { class: 'grid' },
    h('div', { class: 'column' },
      h('section', { class: 'card' },
        h('div', { class: 'card-head' },
          h('h2', {}, 'Sales on ', dayInput),
          h('button', { type: 'button', class: 'ghost', onclick: () => void refresh() }, 'Refresh')),
        summary,
        h('table', { class: 'totals', id: 'totals' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Connection'), h('th', { class: 'num' }, 'Sales'), h('th', { class: 'num' }, 'Total'), h('th', { class: 'share' }, ''))),
          totalsBody)),
      h('section', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', {}, 'Takings per hour (UTC)'), h('div', { id: 'legend' })),
        chartBox)),
    h('div', { class: 'column side' },
      h('section', { class: 'card' }, h('h2', {}, 'New sale'), formBox),
      feedBox)),
);

let connections: Connection[] = [];
let report: DayReport | undefined;
let loading: AbortController | undefined;

/** The connections and their health; the first time, the form too (later calls leave what is typed in it). */
async function loadConnections(): Promise<void> {
  try {
    const result = await execute(DashboardConnections);
    if (!result.data) throw new Error(`The gateway refused the connections query (${errorCodes(result.errors)})`);
    const first = connections.length === 0;
    connections = result.data.connections;
    renderHealth();
    if (first) fill(formBox, createSaleForm(connections, (sale) => feed.recordedHere(sale)));
  } catch (error) {
    fill(health, h('span', { class: 'pill pill-open' }, h('i', { class: 'dot' }), 'gateway unreachable'));
    if (connections.length === 0) fill(formBox, h('p', { class: 'form-error' }, error instanceof Error ? error.message : 'The gateway cannot be reached'));
  }
}

function renderHealth(): void {
  fill(health, ...connections.map((connection) => {
    const state = connection.health.state;
    const title = connection.health.lastError ? `${state}: ${connection.health.lastError.code} — ${connection.health.lastError.message}` : `${state}, ${connection.health.recentFailures} recent failures`;
    return h('span', { class: `pill pill-${state.toLowerCase()}`, title, 'data-connection': connection.id }, h('i', { class: 'dot' }), vendorLabel(connection.vendor));
  }));
}

async function refresh({ health = true } = {}): Promise<void> {
  loading?.abort();
  const controller = (loading = new AbortController());
  const day = dayInput.value || todayUtc();
  fill(totalsBody, ...skeletonRows(4, 4));
  fill(summary, h('span', { class: 'skeleton wide' }));
  fill(chartBox, h('div', { class: 'skeleton chart-skeleton' }));
  try {
    const loaded = await loadDay(day, controller.signal);
    if (controller.signal.aborted) return;
    report = loaded;
    renderReport();
  } catch (error) {
    if (controller.signal.aborted) return;
    report = undefined;
    fill(warnings, h('div', { class: 'banner banner-error', role: 'alert' },
      h('strong', {}, 'Sales could not be loaded. '), error instanceof Error ? error.message : 'The gateway cannot be reached', ' ',
      h('button', { type: 'button', class: 'ghost', onclick: () => void refresh() }, 'Try again')));
    fill(totalsBody, h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No data.')));
    fill(summary);
    fill(chartBox);
  }
  // A vendor that just failed shows in its health too.
  if (health) void loadConnections();
}

function renderReport(): void {
  if (!report) return;
  const totals = totalsByConnection(report);
  fill(warnings, ...totals.filter((t) => t.status === 'FAILED' || t.status === 'PARTIAL').map((t) =>
    h('div', { class: `banner banner-warning`, role: 'alert', 'data-vendor': t.connection.vendor },
      vendorBadge(t.connection.vendor),
      h('span', {}, h('strong', {}, ` ${t.connection.name}: `), t.status === 'FAILED' ? 'sales unavailable' : 'some sales missing', ` (${t.error?.code ?? t.status}). `, h('span', { class: 'muted' }, t.error?.message ?? '')),
      h('span', { class: 'muted' }, ' The other vendors\' figures are shown.'))));
  if (report.truncated) warnings.append(h('div', { class: 'banner banner-info' }, 'Only the first 3,000 sales of this day are counted.'));

  const currencies = totalsByCurrency(report.sales);
  fill(summary, ...(currencies.length === 0 ? [h('span', { class: 'muted' }, 'No sales on this day.')] : currencies.map((c) =>
    h('div', { class: 'figure' }, h('span', { class: 'big', 'data-amount': c.total, 'data-currency': c.currency }, formatMoney(c.total, c.currency)), h('span', { class: 'muted' }, ` ${c.count} sales across ${totals.filter((t) => t.status === 'OK').length} of ${totals.length} connections`)))));

  const largest = maxAmount(totals.map((t) => t.total));
  fill(totalsBody, ...totals.map((t) => h('tr', { 'data-connection': t.connection.id, 'data-vendor': t.connection.vendor, class: t.status === 'FAILED' ? 'failed' : '' },
    h('td', {}, vendorBadge(t.connection.vendor), ' ', t.connection.name),
    h('td', { class: 'num' }, t.status === 'FAILED' ? '—' : String(t.count)),
    h('td', { class: 'num amount', 'data-amount': t.status === 'FAILED' ? undefined : t.total }, t.status === 'FAILED' ? h('span', { class: 'pill pill-open' }, t.error?.code ?? 'FAILED') : t.currency ? formatMoney(t.total, t.currency) : '—'),
    h('td', { class: 'share' }, h('span', { class: `share-bar bar-${t.connection.vendor.toLowerCase()}`, style: `width:${(ratio(t.total, largest) * 100).toFixed(1)}%` })))));

  const series = totals.filter((t) => t.status !== 'FAILED').map((t) => ({ connection: t.connection.id, vendor: t.connection.vendor }));
  fill(document.querySelector('#legend')!, legend(series));
  fill(chartBox, hourlyChart(report.sales, series, currencies[0]?.currency ?? 'EUR'));
}

/** A live sale of the day shown, not counted yet: counted now. */
function countLiveSale(sale: DaySale): void {
  if (!report || sale.createdAt.slice(0, 10) !== report.day || report.sales.some((s) => s.id === sale.id)) return;
  report = { ...report, sales: [...report.sales, sale] };
  renderReport();
}

const feed = startLiveFeed(feedBox, countLiveSale, () => void refresh());
dayInput.addEventListener('change', () => void refresh());
void loadConnections();
void refresh({ health: false });
