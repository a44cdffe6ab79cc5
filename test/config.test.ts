import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../src/config.ts';
import { VENDOR_IDS, VENDORS } from '../src/vendors/index.ts';

const demoConnections = VENDOR_IDS.map((vendor) => ({ id: `c-${vendor}`, vendor, settings: VENDORS[vendor].adapter.demoSettings('http://127.0.0.1:9') }));

describe('configuration', () => {
  it('accepts one connection per vendor with its own settings, naming each by its id by default', () => {
    const config = parseConfig({ connections: demoConnections });
    expect(config.connections.map((c) => [c.id, c.vendor, c.name])).toEqual(VENDOR_IDS.map((vendor) => [`c-${vendor}`, vendor, `c-${vendor}`]));
  });

  it('names the field and what was expected when a connection is wrong', () => {
    expect(() => parseConfig({ connections: [{ id: 'x', vendor: 'square', settings: {} }] })).toThrow(/connections\[0\]\.vendor: /);
    expect(() => parseConfig({ connections: [{ id: 'x', vendor: 'kash', settings: { baseUrl: 'not a url' } }] })).toThrow(/connections\[0\]\.settings\.baseUrl/);
    expect(() => parseConfig({ connections: [] })).toThrow(ConfigError);
    expect(() => parseConfig({ connections: demoConnections, extra: 1 })).toThrow(/Unrecognized key/);
  });

  it('refuses the same connection id twice', () => {
    expect(() => parseConfig({ connections: [demoConnections[0], demoConnections[0]] })).toThrow(/used twice/);
  });

  it('takes secrets from the environment and says which variable is missing', () => {
    const [first] = demoConnections;
    const settings = { ...first!.settings, baseUrl: '${POSGRAPH_TEST_URL}' };
    const config = parseConfig({ connections: [{ ...first, settings }] }, { POSGRAPH_TEST_URL: 'http://127.0.0.1:7' });
    expect((config.connections[0]!.settings as { baseUrl: string }).baseUrl).toBe('http://127.0.0.1:7');
    expect(() => parseConfig({ connections: [{ ...first, settings }] }, {})).toThrow(/POSGRAPH_TEST_URL is not set/);
  });

  it('reports an unreadable or invalid file clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'posgraph-config-'));
    await expect(loadConfigFile(join(dir, 'missing.json'))).rejects.toThrow(/Cannot read configuration .*ENOENT/);
    await writeFile(join(dir, 'bad.json'), '{ nope');
    await expect(loadConfigFile(join(dir, 'bad.json'))).rejects.toThrow(/is not valid JSON/);
  });
});

describe('the README', () => {
  it("shows a configuration that the loader accepts, one connection per vendor", () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = /```json\n(\{\n  "connections"[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const env = { INCO_APP_ID: 'a', INCO_APP_SECRET: 'b', KASH_API_KEY: 'c', ICASH_KEY: 'd', ICASH_SECRET: 'e', TACTILL_API_KEY: 'v5_f' };
    const config = parseConfig(JSON.parse(example!), env);
    expect(config.connections.map((connection) => connection.vendor).sort()).toEqual([...VENDOR_IDS].sort());
  });
});
