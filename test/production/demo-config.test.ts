/**
 * The issue's own check: `npm run simulators` (default ports 4101–4104) beside
 * `POSGRAPH_CONFIG=config/demo.json npm start` — two real processes — and the demo keys
 * enforced. Simulators already serving on those ports (a developer's own
 * `npm run simulators`) are used as they are; otherwise the test starts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { encodeGlobalId } from '../../src/core/ids.ts';
import { VENDOR_IDS, VENDORS } from '../../src/vendors/index.ts';
import { postJson, startedGateway, startProcess, stopAll } from './process.ts';

const TSX = ['--import', 'tsx'];

async function simulatorsAlreadyUp(): Promise<boolean> {
  const answers = await Promise.all(
    VENDOR_IDS.map(async (vendor) => {
      try {
        const response = await request(`http://127.0.0.1:${4100 + VENDORS[vendor].portOffset}/__sim/info`);
        const info = (await response.body.json()) as { vendor?: string };
        return info.vendor === vendor;
      } catch {
        return false;
      }
    }),
  );
  return answers.every(Boolean);
}

describe('config/demo.json beside npm run simulators', () => {
  let graphql: string;
  const ask = (query: string, key?: string) => postJson(graphql, { query }, key ? { authorization: `Bearer ${key}` } : {});

  beforeAll(async () => {
    if (!(await simulatorsAlreadyUp())) {
      const simulators = startProcess(process.execPath, [...TSX, 'src/simulators/main.ts'], { SIM_BASE_PORT: undefined });
      await simulators.waitForLine(/^control routes:/);
    }
    const gateway = startProcess(process.execPath, [...TSX, 'src/main.ts'], { PORT: '0', POSGRAPH_CONFIG: 'config/demo.json' });
    const { origin } = await startedGateway(gateway);
    expect(gateway.lines.join('\n')).toContain('2 tenants, API keys required');
    graphql = `${origin}/graphql`;
  }, 60_000);
  afterAll(() => stopAll());

  it('answers 401 without a key or with a wrong one', async () => {
    for (const key of [undefined, 'acme-demo-key-wrong']) {
      const { status, json } = await ask('{ connections { id } }', key);
      expect(status).toBe(401);
      expect(json).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    }
  });

  it('serves acme its IncoCloud and Kash shops, and globex its iCash and Tactill ones, with all sources OK', async () => {
    const query = '{ connections { id } sales(first: 30) { edges { node { connection { id } } } sources { connection { id } status } } }';
    type Answer = { data: { connections: Array<{ id: string }>; sales: { edges: Array<{ node: { connection: { id: string } } }>; sources: Array<{ connection: { id: string }; status: string }> } } };
    for (const [key, own] of [
      ['acme-demo-key', ['demo-incocloud', 'demo-kash']],
      ['globex-demo-key', ['demo-icash', 'demo-tactill']],
    ] as const) {
      const { status, json } = await ask(query, key);
      expect(status).toBe(200);
      const { data } = json as Answer;
      expect(data.connections.map((c) => c.id)).toEqual(own);
      expect(data.sales.sources.map((s) => [s.connection.id, s.status])).toEqual(own.map((id) => [id, 'OK']));
      expect(new Set(data.sales.edges.map((edge) => edge.node.connection.id))).toEqual(new Set(own));
    }
  });

  it("answers null with NOT_FOUND for the other tenant's record", async () => {
    const id = encodeGlobalId({ type: 'Sale', connection: 'demo-kash', id: '1' });
    const own = await ask(`{ node(id: "${id}") { id } }`, 'acme-demo-key');
    expect((own.json as { data: { node: unknown } }).data.node).toEqual({ id });
    const foreign = (await ask(`{ node(id: "${id}") { id } }`, 'globex-demo-key')).json as { data: { node: unknown }; errors: Array<{ extensions: { code: string } }> };
    expect(foreign.data.node).toBeNull();
    expect(foreign.errors[0]!.extensions.code).toBe('NOT_FOUND');
  });
});
