/**
 * `npm run example`: Vite serves the dashboard on :5173 and proxies /graphql to the gateway,
 * so the page is same-origin (no CORS). The API key, when there is one, is added here by the
 * proxy and never reaches the page or its bundle.
 *
 *   POSGRAPH_URL      the gateway (default http://localhost:4000, i.e. `npm start`)
 *   POSGRAPH_API_KEY  sent as `Authorization: Bearer <key>` (a gateway with tenants needs one)
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type InlineConfig } from 'vite';

export interface DashboardServerOptions {
  /** The gateway's origin; a path (…/graphql) is ignored. */
  readonly gateway: string;
  readonly apiKey?: string | undefined;
  /** 0 picks a free port. Default 5173. */
  readonly port?: number;
}

export function dashboardConfig({ gateway, apiKey, port = 5173 }: DashboardServerOptions): InlineConfig {
  const proxy = {
    '/graphql': {
      target: new URL(gateway).origin,
      changeOrigin: true,
      ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
    },
  };
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    configFile: false,
    clearScreen: false,
    server: { port, strictPort: port !== 0, proxy },
    preview: { proxy },
  };
}

export default defineConfig(dashboardConfig({
  gateway: process.env.POSGRAPH_URL ?? 'http://localhost:4000',
  apiKey: process.env.POSGRAPH_API_KEY,
}));
