/**
 * posgraph in subgraph mode, over real HTTP, asked what a router asks: `_entities` with
 * representations `{ __typename, id }`, and `_service { sdl }`. The demo configuration's
 * tenants apply: acme (IncoCloud, Kash) and globex (iCash, Tactill), each with its API key.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { encodeGlobalId } from '../../src/core/ids.ts';
import { TenantDirectory } from '../../src/core/tenants.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';

const demoFile = parseConfig(JSON.parse(readFileSync('config/demo.json', 'utf8')));
const ACME = { authorization: 'Bearer acme-demo-key' };
const GLOBEX = { authorization: 'Bearer globex-demo-key' };

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Node { id }
    ... on Sale { number total { amount currency } connection { id } }
    ... on Item { name }
    ... on Customer { name }
    ... on Payment { amount { amount } }
  }
}`;

interface Entity {
  readonly __typename: string;
  readonly id: string;
  readonly number?: string;
  readonly total?: { amount: string; currency: string };
  readonly connection?: { id: string };
  readonly name?: string;
}
type Entities = { _entities: Array<Entity | null> };
type Sales = { sales: { edges: Array<{ node: { id: string; number: string; total: { amount: string; currency: string }; connection: { id: string } } }> } };

const saleRef = (id: string) => ({ __typename: 'Sale', id });

describe('_entities and _service in subgraph mode', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 60, gateway: { subgraph: true, tenants: new TenantDirectory(demoFile.tenants!) } });
  });
  afterAll(() => stack.close());

  async function salesOf(connection: string, first: number, headers: Record<string, string>): Promise<Sales['sales']['edges'][number]['node'][]> {
    const response = await stack.query<Sales, unknown>(
      'query($c: [ID!], $first: Int) { sales(first: $first, connections: $c) { edges { node { id number total { amount currency } connection { id } } } } }',
      { c: [connection], first },
      headers,
    );
    expect(response.errors).toBeUndefined();
    return response.data!.sales.edges.map((edge) => edge.node);
  }

  it('resolves Sale references to the sales a list shows, in the order asked', async () => {
    const sales = await salesOf('demo-tactill', 5, GLOBEX);
    const asked = [...sales].reverse();
    const response = await stack.query<Entities, unknown>(ENTITIES, { representations: asked.map((sale) => saleRef(sale.id)) }, GLOBEX);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual(asked.map((sale) => ({ __typename: 'Sale', ...sale })));
  });

  it('resolves references of several Node types in one call', async () => {
    type Listed = { items: { edges: Array<{ node: { id: string; name: string } }> }; customers: { edges: Array<{ node: { id: string; name: string } }> }; payments: { edges: Array<{ node: { id: string; amount: { amount: string } } }> } };
    const listed = await stack.query<Listed, never>(
      '{ items(first: 1) { edges { node { id name } } } customers(first: 1) { edges { node { id name } } } payments(first: 1) { edges { node { id amount { amount } } } } }',
      undefined,
      ACME,
    );
    expect(listed.errors).toBeUndefined();
    const [item, customer, payment] = [listed.data!.items.edges[0]!.node, listed.data!.customers.edges[0]!.node, listed.data!.payments.edges[0]!.node];
    const response = await stack.query<Entities, unknown>(
      ENTITIES,
      { representations: [{ __typename: 'Item', id: item.id }, { __typename: 'Customer', id: customer.id }, { __typename: 'Payment', id: payment.id }] },
      ACME,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      { __typename: 'Item', ...item },
      { __typename: 'Customer', ...customer },
      { __typename: 'Payment', ...payment },
    ]);
  });

  it('batches 50 Sale references of a connection that looks ids up together into one vendor call', async () => {
    const sales = await salesOf('demo-tactill', 50, GLOBEX);
    expect(sales).toHaveLength(50);
    stack.resetSimulators();
    const response = await stack.query<Entities, unknown>(ENTITIES, { representations: sales.map((sale) => saleRef(sale.id)) }, GLOBEX);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities.map((entity) => entity?.id)).toEqual(sales.map((sale) => sale.id));
    // Tactill answers up to 100 ids per call: one call for the 50, none anywhere else.
    expect(stack.upstreamCalls()).toEqual({ incocloud: 0, kash: 0, icash: 0, tactill: 1 });
  });

  it('makes one detail call per distinct sale where the vendor only looks sales up one by one', async () => {
    const sales = await salesOf('demo-kash', 25, ACME);
    stack.resetSimulators();
    // Each sale asked for twice: a router may repeat a reference; it costs nothing more.
    const representations = [...sales, ...sales].map((sale) => saleRef(sale.id));
    const response = await stack.query<Entities, unknown>(ENTITIES, { representations }, ACME);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toHaveLength(50);
    expect(response.data!._entities.every((entity, index) => entity?.id === representations[index]!.id)).toBe(true);
    const { 'GET /workers/getOrder.php': detailCalls, ...others } = stack.demo.simulators.kash.stats().byRoute;
    expect(detailCalls).toBe(25);
    // Besides, only the payment modes the sales are mapped with, read once per request.
    expect(others).toEqual({ 'GET /workers/getPaymentModes.php': 1 });
  });

  it('answers null for another tenant’s sale, exactly as for one that does not exist, without asking its vendor', async () => {
    const [kashSale] = await salesOf('demo-kash', 1, ACME);
    stack.resetSimulators();
    const representations = [
      saleRef(kashSale!.id), // acme's, asked by globex
      saleRef(encodeGlobalId({ type: 'Sale', connection: 'nowhere', id: '1' })),
      saleRef(encodeGlobalId({ type: 'Sale', connection: 'demo-tactill', id: 'no-such-sale' })),
    ];
    const response = await stack.query<Entities, unknown>(ENTITIES, { representations }, GLOBEX);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null, null, null]);
    expect(stack.upstreamCalls().kash).toBe(0);

    // The same reference resolves for its own tenant.
    const own = await stack.query<Entities, unknown>(ENTITIES, { representations: [saleRef(kashSale!.id)] }, ACME);
    expect(own.data!._entities).toEqual([{ __typename: 'Sale', ...kashSale }]);
  });

  it('answers BAD_USER_INPUT in its own slot for a malformed ID or the ID of another type', async () => {
    const [tactillSale] = await salesOf('demo-tactill', 1, GLOBEX);
    const representations = [{ __typename: 'Sale', id: 'not-an-id' }, { __typename: 'Item', id: tactillSale!.id }, saleRef(tactillSale!.id)];
    const response = await stack.query<Entities, unknown>(ENTITIES, { representations }, GLOBEX);
    expect(response.data!._entities.map((entity) => entity?.id ?? null)).toEqual([null, null, tactillSale!.id]);
    expect(response.errors!.map((error) => [error.path, error.extensions!.code])).toEqual([
      [['_entities', 0], 'BAD_USER_INPUT'],
      [['_entities', 1], 'BAD_USER_INPUT'],
    ]);
  });

  it('names the vendor and connection when the vendor fails to answer a reference', async () => {
    const [tactillSale] = await salesOf('demo-tactill', 1, GLOBEX);
    stack.demo.simulators.tactill.addFault({ errorRate: 1, errorStatus: 403 });
    try {
      const response = await stack.query<Entities, unknown>(ENTITIES, { representations: [saleRef(tactillSale!.id)] }, GLOBEX);
      expect(response.data!._entities).toEqual([null]);
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.path).toEqual(['_entities', 0]);
      expect(response.errors![0]!.extensions).toMatchObject({ code: expect.stringMatching(/^VENDOR_/), vendor: 'tactill', connection: 'demo-tactill' });
    } finally {
      stack.resetSimulators();
    }
  });

  it('publishes, in _service { sdl }, the SDL in schema/subgraph.graphql, with the entity keys', async () => {
    const response = await stack.query<{ _service: { sdl: string } }, never>('{ _service { sdl } }', undefined, ACME);
    expect(response.errors).toBeUndefined();
    expect(response.data!._service.sdl.trim()).toBe(readFileSync('schema/subgraph.graphql', 'utf8').trim());
    expect(response.data!._service.sdl).toMatch(/type Sale implements Node\s+@key\(fields: "id"\)/);
  });

  it('still wants an API key: 401 UNAUTHENTICATED before any vendor call', async () => {
    stack.resetSimulators();
    const response = await stack.query<Entities, unknown>(ENTITIES, { representations: [saleRef(encodeGlobalId({ type: 'Sale', connection: 'demo-tactill', id: '1' }))] });
    expect(response.status).toBe(401);
    expect(response.errors).toEqual([{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(Object.values(stack.upstreamCalls()).reduce((a, b) => a + b, 0)).toBe(0);
  });
});
