import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../src/config.ts';
import { capabilitiesOf } from '../src/core/adapter.ts';
import { HttpTransport } from '../src/core/http.ts';
import { hashApiKey } from '../src/core/tenants.ts';
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

  it('takes optional resilience settings per connection and names a wrong one', () => {
    const [first] = demoConnections;
    const resilience = { requestDeadlineMs: 4_000, retry: { maxAttempts: 2 }, breaker: { halfOpenAfterMs: 30_000 } };
    expect(parseConfig({ connections: [{ ...first, resilience }] }).connections[0]!.resilience).toEqual(resilience);
    expect(parseConfig({ connections: [first] }).connections[0]!.resilience).toBeUndefined();
    expect(() => parseConfig({ connections: [{ ...first, resilience: { retry: { maxAttempts: 0 } } }] })).toThrow(/connections\[0\]\.resilience\.retry\.maxAttempts/);
    expect(() => parseConfig({ connections: [{ ...first, resilience: { retries: 3 } }] })).toThrow(/Unrecognized key/);
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

describe('tenants in the configuration', () => {
  const key = hashApiKey('k1');
  const tenant = { id: 'acme', apiKeys: [key], connections: ['c-kash'] };

  it('takes tenants with hashed keys and the connections each may use', () => {
    const config = parseConfig({ connections: demoConnections, tenants: [tenant] });
    expect(config.tenants).toEqual([{ id: 'acme', name: 'acme', apiKeys: [key], connections: ['c-kash'] }]);
  });

  it('refuses a key in clear, a connection that does not exist, a tenant twice and a key shared by two tenants', () => {
    expect(() => parseConfig({ connections: demoConnections, tenants: [{ ...tenant, apiKeys: ['k1'] }] })).toThrow(/tenants\[0\]\.apiKeys\[0\]: .*sha256/);
    expect(() => parseConfig({ connections: demoConnections, tenants: [{ ...tenant, connections: ['nope'] }] })).toThrow(/tenants\[0\]\.connections\[0\]: no connection "nope"/);
    expect(() => parseConfig({ connections: demoConnections, tenants: [tenant, tenant] })).toThrow(/"acme" is used twice/);
    expect(() => parseConfig({ connections: demoConnections, tenants: [tenant, { ...tenant, id: 'globex' }] })).toThrow(/a key of tenant "acme" is given to "globex"/);
  });

  it('will not serve a configuration file without tenants: only demo mode runs without keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'posgraph-config-'));
    await writeFile(join(dir, 'open.json'), JSON.stringify({ connections: demoConnections }));
    await expect(loadConfigFile(join(dir, 'open.json'))).rejects.toThrow(/"tenants" is required/);
  });

  it('ships config/demo.json: acme and globex over npm run simulators’ default ports and demo settings', async () => {
    const config = await loadConfigFile('config/demo.json');
    for (const connection of config.connections) {
      const url = `http://127.0.0.1:${4100 + VENDORS[connection.vendor].portOffset}`;
      expect(connection.settings, connection.id).toEqual(VENDORS[connection.vendor].adapter.settingsSchema.parse(VENDORS[connection.vendor].adapter.demoSettings(url)));
    }
    expect(config.tenants!.map((t) => [t.id, t.apiKeys, t.connections])).toEqual([
      ['acme', [hashApiKey('acme-demo-key')], ['demo-incocloud', 'demo-kash']],
      ['globex', [hashApiKey('globex-demo-key')], ['demo-icash', 'demo-tactill']],
    ]);
  });
});

describe('the README', () => {
  it("shows a configuration that the loader accepts, one connection per vendor", () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = /```json\n(\{\n  "connections"[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const env = { INCO_APP_ID: 'a', INCO_APP_SECRET: 'b', KASH_API_KEY: 'c', KASH_WEBHOOK_SECRET: 'a-long-enough-webhook-secret', ICASH_KEY: 'd', ICASH_SECRET: 'e', TACTILL_API_KEY: 'v5_f' };
    const config = parseConfig(JSON.parse(example!), env);
    expect(config.connections.map((connection) => connection.vendor).sort()).toEqual([...VENDOR_IDS].sort());
    expect(config.tenants!.map((tenant) => tenant.apiKeys)).toEqual([[hashApiKey('acme-example-key')], [hashApiKey('accountant-example-key')]]);
    expect(config.cache?.ttlSeconds?.sale).toBe(5);
    expect(config.live?.pollIntervalMs).toBe(10_000);
  });

  it('names, in its configuration reference, every environment variable the code reads', () => {
    const readme = readFileSync('README.md', 'utf8');
    const reference = readme.slice(readme.indexOf('## Configuration reference'), readme.indexOf('## Layout'));
    const files = execSync('git ls-files src scripts examples/dashboard/vite.config.ts test/browser', { encoding: 'utf8' }).split('\n').filter((file) => /\.ts$/.test(file));
    const read = new Set(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]!)));
    read.delete('VITEST');
    expect(read.size).toBeGreaterThan(10);
    for (const name of read) expect(reference, name).toContain(`\`${name}\``);
  });
});

describe("the README's capabilities table", () => {
  it('says what each adapter can do: list, how lookups are served, create', () => {
    const lines = readFileSync('README.md', 'utf8').split('\n');
    const headerAt = lines.findIndex((line) => line.startsWith('| | Item | Sale |'));
    const header = lines[headerAt]!;
    const table = lines.slice(headerAt + 2, lines.findIndex((line, index) => index > headerAt && !line.startsWith('|')));
    const kinds = header.split('|').slice(2, -1).map((cell) => cell.trim().toLowerCase());
    for (const vendor of VENDOR_IDS) {
      const row = table.find((line) => line.startsWith(`| ${VENDORS[vendor].displayName.split(' ')[0]} |`))!;
      const cells = row.split('|').slice(2, -1).map((cell) => cell.trim());
      const settings = VENDORS[vendor].adapter.settingsSchema.parse(VENDORS[vendor].adapter.demoSettings('http://127.0.0.1:9'));
      const capabilities = capabilitiesOf(VENDORS[vendor].adapter.createAdapter(settings, { connectionId: 'readme', transport: new HttpTransport() }));
      kinds.forEach((kind, index) => {
        const cell = cells[index]!;
        const capability = capabilities[kind as keyof typeof capabilities];
        const claimed = { list: cell !== '—' && !cell.startsWith('in '), get: /BY_IDS|SCAN|EACH/.exec(cell)?.[0] ?? false, create: cell.includes('create') };
        const actual = { list: capability.list, get: capability.get === false ? false : { byIds: 'BY_IDS', scan: 'SCAN', each: 'EACH' }[capability.get], create: capability.create };
        expect(claimed, `${vendor} ${kind}: "${cell}"`).toEqual(actual);
      });
    }
  });
});
