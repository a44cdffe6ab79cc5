import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardConfig } from '../../../examples/dashboard/vite.config.ts';

const API_KEY = 'pk_dashboard_test_key';

describe('the dashboard dev server', () => {
  let gateway: Server;
  let vite: ViteDevServer;
  let base: string;
  const received: Array<{ url: string | undefined; headers: IncomingHttpHeaders }> = [];

  beforeAll(async () => {
    // A stand-in gateway that records what the proxy forwards.
    gateway = createHttpServer((request, response) => {
      received.push({ url: request.url, headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"ok":true}}');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const config = dashboardConfig({ gateway: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/graphql`, apiKey: API_KEY, port: 0 });
    vite = await createServer({ ...config, logLevel: 'silent', server: { ...config.server, host: '127.0.0.1', hmr: false, watch: null } });
    await vite.listen();
    base = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await vite?.close();
    gateway?.closeAllConnections();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  it('proxies /graphql to the gateway, same-origin for the page, adding the API key', async () => {
    const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' });
    expect(await response.json()).toEqual({ data: { ok: true } });
    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe('/graphql');
    expect(received[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('never ships the API key in the page or its modules', async () => {
    const pages = ['/', '/src/main.ts', '/src/api.ts', '/src/feed.ts', '/src/sse.ts', '/src/form.ts'];
    for (const path of pages) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).not.toContain(API_KEY);
    }
  });
});
