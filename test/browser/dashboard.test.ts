/**
 * The example dashboard (examples/dashboard) in headless Chromium, served by Vite and proxied
 * to a real gateway over the four simulators, whose shop trades until today.
 */
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardConfig } from '../../examples/dashboard/vite.config.ts';
import { Decimal } from '../../src/core/money.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { launchChromium } from './chromium.ts';

const VENDORS = ['INCOCLOUD', 'KASH', 'ICASH', 'TACTILL'];
const today = new Date().toISOString().slice(0, 10);

/** Today's total per vendor, summed here with the gateway's own Decimal from a plain API walk. */
async function expectedTotals(stack: TestStack): Promise<Record<string, { count: number; total: string }>> {
  const totals: Record<string, { count: number; total: Decimal }> = {};
  let after: string | null = null;
  do {
    const response: Awaited<ReturnType<typeof stack.query<SalesPage, unknown>>> = await stack.query<SalesPage, unknown>(
      `query ($after: String, $from: DateTime, $to: DateTime) { sales(first: 100, after: $after, filter: { from: $from, to: $to }) {
         edges { node { total { amount } connection { vendor } } } pageInfo { hasNextPage endCursor } } }`,
      { after, from: `${today}T00:00:00.000Z`, to: `${today}T23:59:59.999Z` },
    );
    const page = response.data!.sales;
    for (const { node } of page.edges) {
      const entry = (totals[node.connection.vendor] ??= { count: 0, total: Decimal.parse('0') });
      entry.count += 1;
      entry.total = entry.total.add(Decimal.parse(node.total.amount));
    }
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return Object.fromEntries(Object.entries(totals).map(([vendor, { count, total }]) => [vendor, { count, total: total.toFixedAtLeast(2) }]));
}

interface SalesPage {
  sales: { edges: Array<{ node: { total: { amount: string }; connection: { vendor: string } } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

/** What the totals table shows per vendor: the exact amount it carries, and the sale count. */
async function shownTotals(page: Page): Promise<Record<string, { count: number; total: string | null }>> {
  const rows = await page.locator('#totals tbody tr[data-vendor]').evaluateAll((elements) =>
    elements.map((row) => ({
      vendor: row.getAttribute('data-vendor')!,
      count: Number(row.children[1]!.textContent),
      total: row.querySelector('[data-amount]')?.getAttribute('data-amount') ?? null,
    })),
  );
  return Object.fromEntries(rows.map(({ vendor, count, total }) => [vendor, { count, total }]));
}

describe('the example dashboard in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let vite: ViteDevServer;
  let dashboard: string;

  beforeAll(async () => {
    // The live log carries the sales written through the gateway (no pollers: the feed shows exactly those).
    [stack, browser] = await Promise.all([startTestStack({ lastDay: today, gateway: { live: new InMemoryLiveEvents() } }), launchChromium()]);
    const config = dashboardConfig({ gateway: stack.url, port: 0 });
    vite = await createServer({ ...config, logLevel: 'silent', server: { ...config.server, host: '127.0.0.1', hmr: false, watch: null } });
    await vite.listen();
    dashboard = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}/`;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await vite?.close();
    await stack?.close();
  });

  it("shows today's sales of all four vendors, totalled exactly per connection, and a chart", async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(dashboard);
    await expect.poll(() => page.locator('#totals tbody tr[data-vendor] [data-amount]').count(), { timeout: 20_000 }).toBe(4);
    expect(await page.locator('#day').inputValue()).toBe(today);

    const expected = await expectedTotals(stack);
    expect(Object.keys(expected).sort()).toEqual([...VENDORS].sort());
    const shown = await shownTotals(page);
    for (const vendor of VENDORS) expect(shown[vendor], vendor).toEqual(expected[vendor]);

    const grandTotal = Object.values(expected).reduce((sum, { total }) => sum.add(Decimal.parse(total)), Decimal.parse('0')).toFixedAtLeast(2);
    expect(await page.locator('#summary [data-amount]').getAttribute('data-amount')).toBe(grandTotal);
    // The chart stacks every vendor's takings.
    for (const vendor of VENDORS) expect(await page.locator(`#chart rect.bar-${vendor.toLowerCase()}`).count(), vendor).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#health .pill-closed').count()).toBe(4);
    await expect.poll(() => page.locator('.banner').count()).toBe(0);
    await page.close();
  }, 60_000);

  it('records a sale from the form, once, and the live feed shows it as coming from this gateway', async () => {
    // The README's picture: as high as the page, no more.
    const page = await browser.newPage({ viewport: { width: 1360, height: 700 } });
    await page.goto(dashboard);
    await page.locator('#feed-status', { hasText: 'live' }).waitFor({ timeout: 20_000 });
    await page.locator('#sale-connection').selectOption('demo-kash');
    await page.locator('#sale-item option').first().waitFor({ state: 'attached', timeout: 10_000 });
    await page.locator('#sale-search').fill('baguette');
    await expect.poll(() => page.locator('#sale-item option').first().textContent()).toMatch(/Baguette/);
    await page.locator('#sale-quantity').fill('3');
    await page.locator('#sale-method').selectOption('CASH');
    await expect.poll(() => page.locator('#sale-to-pay').textContent()).not.toBe('—');
    const before = stack.demo.simulators.kash.simulator.counts().sales;

    await page.getByRole('button', { name: 'Record sale' }).click();
    await page.locator('.form-success').waitFor({ timeout: 15_000 });
    expect(stack.demo.simulators.kash.simulator.counts().sales).toBe(before + 1);

    const entry = page.locator('#feed .feed-entry.ours');
    await entry.waitFor({ timeout: 15_000 });
    expect(await entry.getAttribute('data-via')).toBe('GATEWAY');
    expect(await entry.textContent()).toContain('Kash');
    // The sale is today's, so the totals count it too.
    await expect.poll(async () => (await shownTotals(page)).KASH?.count).toBe((await expectedTotals(stack)).KASH!.count);

    // `SCREENSHOTS=docs npm test` refreshes the README's picture.
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/dashboard.png`, fullPage: true });
    await page.close();
  }, 60_000);

  it('shows the typed error of a bad input next to the form, and records nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(dashboard);
    await page.locator('#sale-item option').first().waitFor({ state: 'attached', timeout: 20_000 });
    const before = Object.values(stack.demo.simulators).map((simulator) => simulator.simulator.counts().sales);
    await page.locator('#sale-quantity').fill('0');
    await page.getByRole('button', { name: 'Record sale' }).click();
    const error = page.locator('.user-errors li[data-code="VALIDATION"]');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toContain('lines[0].quantity');
    expect(await error.textContent()).toContain('quantity must be greater than 0');
    expect(Object.values(stack.demo.simulators).map((simulator) => simulator.simulator.counts().sales)).toEqual(before);
    await page.close();
  }, 60_000);

  it('says so, with a way to retry, when the gateway cannot be reached at all', async () => {
    // A dev server whose gateway address refuses connections.
    const config = dashboardConfig({ gateway: 'http://127.0.0.1:1', port: 0 });
    const unreachable = await createServer({ ...config, logLevel: 'silent', server: { ...config.server, host: '127.0.0.1', hmr: false, watch: null } });
    await unreachable.listen();
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      await page.goto(`http://127.0.0.1:${(unreachable.httpServer!.address() as AddressInfo).port}/`);
      const banner = page.locator('.banner-error');
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.textContent()).toContain('Sales could not be loaded');
      expect(await banner.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      await page.locator('#health', { hasText: 'gateway unreachable' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('#totals [data-amount]').count()).toBe(0);
      await page.close();
    } finally {
      await unreachable.close();
    }
  }, 60_000);

  it("warns about a failing vendor by name while the other vendors' sales still show", async () => {
    const tactill = stack.demo.simulators.tactill;
    const fault = await fetch(`${tactill.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1, errorStatus: 503 }) });
    expect(fault.status).toBe(200);
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      await page.goto(dashboard);
      const warning = page.locator('.banner-warning[data-vendor="TACTILL"]');
      await warning.waitFor({ timeout: 30_000 });
      expect(await warning.textContent()).toContain('Tactill');
      expect(await warning.textContent()).toMatch(/VENDOR_[A-Z_]+/);
      const shown = await shownTotals(page);
      expect(shown.TACTILL?.total).toBeNull();
      for (const vendor of ['INCOCLOUD', 'KASH', 'ICASH']) expect(shown[vendor]?.total, vendor).toMatch(/^\d+\.\d{2}$/);
      await page.close();
    } finally {
      tactill.reset();
    }
  }, 60_000);
});
