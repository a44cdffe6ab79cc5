import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { launchChromium } from './chromium.ts';

describe('GraphiQL in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ sales: 400 }), launchChromium()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('opens on the ready-made query and runs it, showing sales of all four vendors', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const offsite: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('http://127.0.0.1') && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) offsite.push(request.url());
    });
    await page.goto(stack.url);
    await page.getByText('query LatestSales').first().waitFor({ timeout: 20_000 });
    const response = page.waitForResponse((r) => r.url() === stack.url && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('LatestSales'));
    await page.locator('.graphiql-execute-button').click();
    const body = (await (await response).json()) as { data: { sales: { edges: Array<{ node: { connection: { vendor: string } } }> } } };
    expect(new Set(body.data.sales.edges.map((edge) => edge.node.connection.vendor))).toEqual(new Set(['INCOCLOUD', 'KASH', 'ICASH', 'TACTILL']));
    // The result pane shows it too.
    await page.getByText('"TACTILL"').first().waitFor({ timeout: 10_000 });
    // `SCREENSHOTS=docs npm test` refreshes the README's picture.
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/graphiql.png` });
    expect(offsite).toEqual([]);
  }, 60_000);

  it('has a ready-made createSale tab that rings up 0.10 + 0.20 = 0.30, once however often it runs', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(stack.url);
    await page.getByRole('tab', { name: /CreateSale/ }).click();
    await page.getByText('mutation CreateSale').first().waitFor({ timeout: 20_000 });
    const before = stack.demo.simulators.kash.simulator.counts().sales;
    for (let run = 0; run < 2; run += 1) {
      const response = page.waitForResponse((r) => r.url() === stack.url && (r.request().postData() ?? '').includes('CreateSale'));
      await page.locator('.graphiql-execute-button').click();
      const body = (await (await response).json()) as { data: { createSale: { sale: { total: { amount: string } }; errors: unknown[] } } };
      expect(body.data.createSale.errors).toEqual([]);
      expect(body.data.createSale.sale.total.amount).toBe('0.30');
    }
    expect(stack.demo.simulators.kash.simulator.counts().sales).toBe(before + 1);
  }, 60_000);
});
