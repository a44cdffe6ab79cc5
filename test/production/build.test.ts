/**
 * The production build: `tsconfig.build.json` compiled into a temporary directory laid out
 * like the image's /app (package.json, node_modules, dist/), then run with plain node — the
 * gateway in demo mode, and the docker compose topology: the simulators listening on all
 * interfaces under a name that is not loopback, and the gateway reading config/compose.json
 * pointed at that name.
 */
import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { copyFile, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startProcess, startedGateway, stopAll } from './process.ts';

const SALES = '{ sales(first: 2) { totalCount sources { connection { vendor } status } edges { node { number total { amount } } } } }';

let app: string;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

beforeAll(async () => {
  app = await mkdtemp(join(tmpdir(), 'posgraph-build-'));
  const tsc = resolve('node_modules/typescript/bin/tsc');
  const compiled = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')]).then(
    () => 'ok',
    (error: { stdout?: string; stderr?: string }) => `tsc failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
  );
  expect(compiled).toBe('ok');
  await copyFile('package.json', join(app, 'package.json'));
  await symlink(resolve('node_modules'), join(app, 'node_modules'), 'dir');
}, 60_000);

afterAll(async () => {
  await stopAll();
  if (app) await rm(app, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('emits src/ alone, as JavaScript that imports .js files', async () => {
    const files = await filesUnder(join(app, 'dist'));
    expect(files).toContain('src/main.js');
    expect(files).toContain('src/simulators/main.js');
    expect(files.filter((file) => !file.startsWith('src/'))).toEqual([]);
    expect(files.filter((file) => !file.endsWith('.js'))).toEqual([]);
    for (const file of files) {
      const text = await readFile(join(app, 'dist', file), 'utf8');
      expect(text, file).not.toMatch(/from '\.{1,2}\/[^']*\.ts'/);
    }
  });

  it('imports only Node built-ins and production dependencies: the image installs with --omit=dev', async () => {
    const { dependencies } = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const file of await filesUnder(join(app, 'dist'))) {
      const text = await readFile(join(app, 'dist', file), 'utf8');
      // Static imports and re-exports start a line in emitted code; dynamic ones are import('…').
      for (const match of text.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*'([^']+)'|^import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm)) {
        const specifier = match[1] ?? match[2] ?? match[3];
        if (specifier!.startsWith('node:') || specifier!.startsWith('.')) continue;
        const parts = specifier!.split('/');
        imported.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
      }
    }
    expect(imported).toContain('graphql-yoga');
    expect([...imported].filter((name) => !(name in dependencies))).toEqual([]);
  });

  it('runs with plain node: demo mode answers a query over the four simulators, and SIGTERM exits 0', async () => {
    const gateway = startProcess(process.execPath, [join(app, 'dist/src/main.js')], { PORT: '0', NODE_ENV: 'production' });
    const { origin } = await startedGateway(gateway);
    const { status, json } = await postJson(`${origin}/graphql`, { query: SALES });
    expect(status).toBe(200);
    expect(json).toMatchObject({ data: { sales: { edges: [expect.anything(), expect.anything()] } } });
    expect((json as { data: { sales: { sources: Array<{ status: string }> } } }).data.sales.sources.map((source) => source.status)).toEqual(['OK', 'OK', 'OK', 'OK']);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
  });
});

describe('the docker compose topology, without docker', () => {
  it('serves each tenant through simulators reached by a name that is not loopback, with config/compose.json', async () => {
    // The compose service is called `simulators`; this machine's own name plays its part.
    const name = hostname();
    await expect(lookup(name), `${name} must resolve (it does in any container: /etc/hosts)`).resolves.toBeDefined();
    const simulators = startProcess(process.execPath, [join(app, 'dist/src/simulators/main.js')], {
      SIM_BASE_PORT: '0',
      SIM_HOST: '0.0.0.0',
      SIM_PUBLIC_HOST: name,
      SIM_SALES: '200',
    });
    await simulators.waitForLine(/^control routes:/);
    const urls = Object.fromEntries(simulators.lines.flatMap((line) => {
      const match = /^(\w+)\s+(http:\/\/\S+)/.exec(line);
      return match ? [[match[1]!, match[2]!]] : [];
    }));
    expect(Object.values(urls).map((url) => new URL(url).hostname)).toEqual([name, name, name, name]);

    const compose = JSON.parse(await readFile('config/compose.json', 'utf8')) as { connections: Array<{ vendor: string; settings: { baseUrl: string } }> };
    for (const connection of compose.connections) {
      connection.settings.baseUrl = connection.settings.baseUrl.replace(/^http:\/\/simulators:\d+/, urls[connection.vendor]!);
    }
    const configFile = join(app, 'compose-here.json');
    await writeFile(configFile, JSON.stringify(compose));
    const gateway = startProcess(process.execPath, [join(app, 'dist/src/main.js')], { PORT: '0', NODE_ENV: 'production', POSGRAPH_CONFIG: configFile });
    const { origin } = await startedGateway(gateway);

    for (const [key, vendors] of [
      ['acme-demo-key', ['INCOCLOUD', 'KASH']],
      ['globex-demo-key', ['ICASH', 'TACTILL']],
    ] as const) {
      const { status, json } = await postJson(`${origin}/graphql`, { query: SALES }, { authorization: `Bearer ${key}` });
      expect(status, key).toBe(200);
      expect((json as { errors?: unknown }).errors, key).toBeUndefined();
      const sources = (json as { data: { sales: { sources: Array<{ connection: { vendor: string }; status: string }> } } }).data.sales.sources;
      expect(sources.map((source) => [source.connection.vendor, source.status]), key).toEqual(vendors.map((vendor) => [vendor, 'OK']));
    }
    gateway.child.kill('SIGTERM');
    simulators.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(await simulators.exited).toEqual({ code: 0, signal: null });
  });
});
