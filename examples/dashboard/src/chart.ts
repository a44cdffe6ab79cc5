/** Inline SVG bar chart: the day's takings per hour, stacked by connection. */
import { h, svg, vendorLabel } from './dom.ts';
import { compareAmounts, formatMoney, maxAmount, ratio, sumAmounts } from './money.ts';
import { salesPerHour, type DaySale } from './sales.ts';

export interface ChartSeries {
  readonly connection: string;
  readonly vendor: string;
}

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 8;
const BOTTOM = 22;
const TOP = 16;

export function hourlyChart(sales: readonly DaySale[], series: readonly ChartSeries[], currency: string): SVGSVGElement {
  const hours = salesPerHour(sales);
  const hourTotals = [...Array(24).keys()].map((hour) => sumAmounts([...(hours.get(hour)?.values() ?? [])].flat(), 2));
  const largest = maxAmount(hourTotals);
  const slot = (WIDTH - LEFT) / 24;
  const plot = HEIGHT - BOTTOM - TOP;
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': 'Takings per hour, stacked by vendor' });
  for (const fraction of [0.25, 0.5, 0.75, 1]) {
    const y = TOP + plot * (1 - fraction);
    chart.append(svg('line', { x1: LEFT, x2: WIDTH, y1: y, y2: y, class: 'gridline' }));
  }
  // The busiest hour's takings label the top line: the scale, without float arithmetic on money.
  if (compareAmounts(largest, '0') > 0) chart.append(svg('text', { x: WIDTH, y: TOP - 2, class: 'axis', 'text-anchor': 'end' }, formatMoney(largest, currency)));
  for (let hour = 0; hour < 24; hour += 1) {
    const x = LEFT + hour * slot + slot * 0.15;
    let y = TOP + plot;
    const byConnection = hours.get(hour);
    for (const { connection, vendor } of series) {
      const amounts = byConnection?.get(connection);
      if (!amounts) continue;
      const total = sumAmounts(amounts, 2);
      const height = plot * ratio(total, largest);
      y -= height;
      chart.append(
        svg('rect', { x, y, width: slot * 0.7, height: Math.max(height, 0.5), rx: 2, class: `bar bar-${vendor.toLowerCase()}` },
          svg('title', {}, `${String(hour).padStart(2, '0')}:00 ${vendorLabel(vendor)}: ${formatMoney(total, currency)} (${amounts.length} sales)`)),
      );
    }
    if (hour % 3 === 0) chart.append(svg('text', { x: x + slot * 0.35, y: HEIGHT - 6, class: 'axis', 'text-anchor': 'middle' }, `${String(hour).padStart(2, '0')}h`));
  }
  return chart;
}

export function legend(series: readonly ChartSeries[]): HTMLElement {
  return h('div', { class: 'legend' }, ...series.map(({ vendor }) => h('span', {}, h('i', { class: `swatch bar-${vendor.toLowerCase()}` }), vendorLabel(vendor))));
}
