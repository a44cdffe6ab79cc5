/**
 * Configuration: the vendor connections to serve. A JSON file named by POSGRAPH_CONFIG:
 *
 *   { "connections": [ { "id": "paris", "name": "Paris shop", "vendor": "kash",
 *                        "settings": { …the vendor's own settings… } } ] }
 *
 * Any string may be "${ENV_NAME}" so secrets stay out of the file. Errors name the field
 * and say what was expected.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Connection } from './core/connection.ts';
import { HttpTransport } from './core/http.ts';
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
});

const ConfigSchema = z.object({ connections: z.array(ConnectionSchema).min(1) }).strict();

export interface ConnectionConfig {
  readonly id: string;
  readonly name: string;
  readonly vendor: VendorId;
  /** Validated by the vendor's own schema. */
  readonly settings: unknown;
}

export interface GatewayConfig {
  readonly connections: readonly ConnectionConfig[];
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
    return { id: connection.id, name: connection.name ?? connection.id, vendor: connection.vendor, settings: settings.data };
  });
  return { connections };
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
  return parseConfig(json, env);
}

/** Builds the live connections (adapters with their clients) of a configuration. */
export function createConnections(config: GatewayConfig, transport: HttpTransport = new HttpTransport()): Map<string, Connection> {
  return new Map(
    config.connections.map((connection) => {
      const vendor = VENDORS[connection.vendor];
      const adapter = vendor.adapter.createAdapter(connection.settings as never, { connectionId: connection.id, transport });
      return [connection.id, { id: connection.id, name: connection.name, vendor: connection.vendor, adapter }];
    }),
  );
}
