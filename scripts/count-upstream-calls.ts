/**
 * `npm run calls`: vendor calls made by the nested sales query, per connection, with
 * posgraph's batching and with a naive per-field gateway (the same schema and adapters,
 * loaders switched to one call per field and no sharing). Counted by the simulators.
 */
import { createConnections } from '../src/config.ts';
import { startDemo } from '../src/demo.ts';
import { createGateway } from '../src/server.ts';
import { VENDOR_IDS } from '../src/vendors/index.ts';

const QUERY = `query($first: Int, $connections: [ID!]) {
  sales(first: $first, connections: $connections) {
    edges { node { lines { item { name } } customer { name } payments { amount { amount } } } }
  }
}`;

const demo = await startDemo({ basePort: 0 });
const connections = createConnections(demo.config);
const gateways = { batched: createGateway({ connections }), naive: createGateway({ connections, batching: false }) };

async function count(mode: keyof typeof gateways, first: number, connectionIds?: string[]): Promise<number> {
  for (const simulator of Object.values(demo.simulators)) simulator.reset();
  const response = await gateways[mode].fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY, variables: { first, connections: connectionIds } }),
  });
  const body = (await response.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
  return Object.values(demo.simulators).reduce((sum, simulator) => sum + simulator.stats().total, 0);
}

// Warm up: logins and sessions are not part of what a query costs.
await count('batched', 1);

const rows: string[][] = [['connection', 'sales', 'posgraph calls', 'naive calls', 'ratio']];
for (const target of [...VENDOR_IDS.map((vendor) => [`demo-${vendor}`]), undefined]) {
  for (const first of [20, 100]) {
    const batched = await count('batched', first, target);
    const naive = await count('naive', first, target);
    rows.push([target ? target[0]! : 'all four (merged)', String(first), String(batched), String(naive), (naive / batched).toFixed(1)]);
  }
}
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
await demo.close();
process.exit(0);
