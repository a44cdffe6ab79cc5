/**
 * Configuration: the vendor connections to serve and the tenants that may use them. A JSON
 * file named by POSGRAPH_CONFIG:
 *
 *   { "connections": [ { "id": "paris", "name": "Paris shop", "vendor": "kash",
 *                        "settings": { …the vendor's own settings… },
 *                        "resilience": { …optional, see below… } } ],
 *     "tenants": [ { "id": "acme", "name": "Acme", "apiKeys": ["sha256:<hex>"],
 *                    "connections": ["paris"] } ] }
 *
 * A file must declare tenants: every request then needs `Authorization: Bearer <key>`.
 * `npm run hash-key -- <key>` prints the form a key takes in the file.
 *
 * `resilience` tunes how the gateway treats that vendor when it is slow or failing; every
 * field is optional and the defaults (core/resilience.ts DEFAULT_RESILIENCE) stay below
 * the vendors' limits:
 *
 *   timeouts          { connectMs 3000, headersMs 5000, bodyMs 5000 } per HTTP request
 *   requestDeadlineMs 8000   the connection's reads within one GraphQL request, retries included
 *   maxConcurrency    8      requests in flight to this vendor
 *   ratePerSecond     20     requests started per second, on average
 *   burst             100    requests that may start back to back after a quiet spell
 *   retry             { maxAttempts 3, budgetPercent 20, budgetFloor 5, budgetWindowMs 10000,
 *                       baseDelayMs 100, maxDelayMs 2000 }   reads only, never writes
 *   breaker           { failureThreshold 5, halfOpenAfterMs 10000 }
 *
 * `cache` (optional) sets the entity and response caches (src/cache/), in Redis when
 * REDIS_URL is set, else in memory: `{ "enabled": true, "maxEntries": 10000, "ttlSeconds":
 * { "item": 300, "location": 300, "customer": 60, "cashbook": 30, "sale": 10, "payment": 10,
 * "booking": 10 } }`; a TTL of 0 caches nothing of that kind.
 *
 * Any string may be "${ENV_NAME}" so secrets stay out of the file. Errors name the field
 * and say what was expected.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Dispatcher } from 'undici';
import type { Connection } from './core/connection.ts';
import { createConnectionResilience, ResilienceConfigSchema, type ResilienceConfig } from './core/resilience.ts';
import { API_KEY_HASH, type TenantConfig } from './core/tenants.ts';
import { CacheConfigSchema, type CacheSettings } from './cache/entity-cache.ts';
import { LiveConfigSchema, liveConfigIssue, type LiveSettings } from './live/setup.ts';
import type { SharedState } from './state/shared-state.ts';
import { VENDOR_IDS, VENDORS, type VendorId } from './vendors/index.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG';
}

const ConnectionSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" and "_", at most 64'),
  name: z.string().min(1).optional(),
  vendor: z.enum(VENDOR_IDS as [VendorId, ...VendorId[]]),
  settings: z.record(z.string(), z.unknown()),
  resilience: ResilienceConfigSchema.optional(),
});

const TenantSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" and "_", at most 64'),
    name: z.string().min(1).optional(),
    apiKeys: z.array(z.string().regex(API_KEY_HASH, 'a key\'s hash, "sha256:" and 64 lowercase hex digits (npm run hash-key -- <key>)')).min(1),
    connections: z.array(z.string()).min(1),
  })
  .strict();

const ConfigSchema = z.object({ connections: z.array(ConnectionSchema).min(1), tenants: z.array(TenantSchema).min(1).optional(), cache: CacheConfigSchema.optional(), live: LiveConfigSchema.optional() }).strict();

export interface ConnectionConfig {
  readonly id: string;
  readonly name: string;
  readonly vendor: VendorId;
  /** Validated by the vendor's own schema. */
  readonly settings: unknown;
  /** Deadlines, retries, limits and breaker of this connection; defaults when absent. */
  readonly resilience?: ResilienceConfig;
}

export interface GatewayConfig {
  readonly connections: readonly ConnectionConfig[];
  /** Who may call, with which key, on which connections; absent only where no key is checked. */
  readonly tenants?: readonly TenantConfig[];
  /** Entity and response caches (src/cache/): on with per-kind TTLs unless `enabled: false`. */
  readonly cache?: CacheSettings;
  /** Live updates (src/live/): polling intervals, per connection overrides, replay size. */
  readonly live?: LiveSettings;
}

function describeIssues(error: z.ZodError, prefix: (string | number)[] = []): string {
  return error.issues
    .map((issue) => {
      const path = [...prefix, ...issue.path].map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) throw new ConfigError(`${path}: environment variable ${name} is not set`);
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substituteEnv(item, env, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, `${path}.${key}`)]));
  }
  return value;
}

export function parseConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describeIssues(parsed.error)}`);
  const seen = new Set<string>();
  const connections = parsed.data.connections.map((connection, index) => {
    if (seen.has(connection.id)) throw new ConfigError(`connections[${index}].id: "${connection.id}" is used twice`);
    seen.add(connection.id);
    const settings = VENDORS[connection.vendor].adapter.settingsSchema.safeParse(substituteEnv(connection.settings, env, `connections[${index}].settings`));
    if (!settings.success) {
      throw new ConfigError(`Invalid configuration: ${describeIssues(settings.error, ['connections', index, 'settings'])}`);
    }
    return {
      id: connection.id,
      name: connection.name ?? connection.id,
      vendor: connection.vendor,
      settings: settings.data,
      ...(connection.resilience ? { resilience: connection.resilience } : {}),
    };
  });
  const tenants = parsed.data.tenants?.map((tenant, index) => {
    for (const [position, id] of tenant.connections.entries()) {
      if (!seen.has(id)) throw new ConfigError(`tenants[${index}].connections[${position}]: no connection "${id}"`);
    }
    return { id: tenant.id, name: tenant.name ?? tenant.id, apiKeys: tenant.apiKeys, connections: [...new Set(tenant.connections)] };
  });
  const tenantIds = new Set<string>();
  const keyOwners = new Map<string, string>();
  for (const [index, tenant] of (tenants ?? []).entries()) {
    if (tenantIds.has(tenant.id)) throw new ConfigError(`tenants[${index}].id: "${tenant.id}" is used twice`);
    tenantIds.add(tenant.id);
    for (const key of tenant.apiKeys) {
      const owner = keyOwners.get(key);
      if (owner !== undefined && owner !== tenant.id) throw new ConfigError(`tenants[${index}].apiKeys: a key of tenant "${owner}" is given to "${tenant.id}" too`);
      keyOwners.set(key, tenant.id);
    }
  }
  const { cache, live } = parsed.data;
  const liveIssue = live ? liveConfigIssue(live, seen) : null;
  if (liveIssue) throw new ConfigError(`Invalid configuration: ${liveIssue}`);
  return { connections, ...(tenants ? { tenants } : {}), ...(cache ? { cache } : {}), ...(live ? { live } : {}) };
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read configuration ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const config = parseConfig(json, env);
  // Only demo mode (no file) serves without keys; a file that forgets tenants must not open the gateway.
  if (!config.tenants) throw new ConfigError(`${path}: "tenants" is required: declare who may call and with which API key`);
  return config;
}

/**
 * Builds the live connections (adapters with their clients) of a configuration. Each gets
 * its own transport — limiter and circuit breaker — over the shared agent (or `base`'s
 * dispatcher), and its reads wrapped with the deadline and retries; writes are not.
 * With `state` (src/state, Redis when REDIS_URL is set) the vendor tokens, each
 * connection's rate budget and the iCash nonce lanes are shared with the other replicas.
 */
export function createConnections(
  config: GatewayConfig,
  base: { readonly dispatcher?: Dispatcher; readonly state?: Pick<SharedState, 'tokens' | 'rateBudgets'> & Partial<Pick<SharedState, 'lanes'>> } = {},
): Map<string, Connection> {
  return new Map(
    config.connections.map((connection) => {
      const vendor = VENDORS[connection.vendor];
      const resilience = createConnectionResilience(connection.resilience, {
        dispatcher: base.dispatcher,
        site: { vendor: connection.vendor, connection: connection.id },
        sharedBucket: base.state?.rateBudgets?.bucket(connection.id),
      });
      // The token store serves IncoCloud (bought token), Kash (key from a login) and iCash (session
      // from a login); Tactill sends a static key. The lanes keep iCash's nonces in order across replicas.
      const adapter = vendor.adapter.createAdapter(connection.settings as never, {
        connectionId: connection.id,
        transport: resilience.transport,
        tokenStore: base.state?.tokens,
        lanes: base.state?.lanes,
      });
      const webhook = vendor.adapter.webhook?.(connection.settings) ?? undefined;
      return [
        connection.id,
        { id: connection.id, name: connection.name, vendor: connection.vendor, adapter: resilience.guardReads(adapter), health: resilience.health, ...(webhook ? { webhook } : {}) },
      ];
    }),
  );
}
