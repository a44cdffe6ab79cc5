/**
 * config/compose.json is config/demo.json seen from inside docker compose: the simulators are
 * the `simulators` service instead of loopback. Everything else must stay the same, so that
 * the two never drift apart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config.ts';

interface ConfigFile {
  connections: Array<{ id: string; settings: { baseUrl: string } & Record<string, unknown> }>;
}

const read = (path: string): ConfigFile => JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;

describe('config/compose.json', () => {
  it('is config/demo.json with the simulators reached as the compose service `simulators`, on the same ports', () => {
    const demo = read('config/demo.json');
    const compose = read('config/compose.json');
    expect(compose.connections.map((connection) => new URL(connection.settings.baseUrl).hostname)).toEqual(['simulators', 'simulators', 'simulators', 'simulators']);
    for (const connection of compose.connections) {
      const url = new URL(connection.settings.baseUrl);
      url.hostname = '127.0.0.1';
      connection.settings.baseUrl = url.href.replace(/\/$/, '');
    }
    expect(compose).toEqual(demo);
  });

  it('is a configuration the gateway accepts, tenants and all', async () => {
    const config = await loadConfigFile('config/compose.json');
    expect(config.connections).toHaveLength(4);
    expect(config.tenants?.map((tenant) => tenant.id)).toEqual(['acme', 'globex']);
  });
});
