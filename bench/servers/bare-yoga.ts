/**
 * The floor: a bare graphql-yoga server over posgraph's own SDL (schema/schema.graphql) whose
 * root fields return, from memory, the answers posgraph gave (BENCH_ANSWERS: root field →
 * data). The same parsing, validation, execution of the same selection and serialization
 * of the same bytes — and nothing else: no context, no plugins, no vendor call.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { announce, exitWith } from '../lib/child.ts';

const answers = JSON.parse(process.env.BENCH_ANSWERS ?? '{}') as Record<string, unknown>;
const sdl = readFileSync(fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url)), 'utf8');
// Scalars built from SDL serialize values as they are; the answers are already serialized.
const schema = buildSchema(sdl);
const queryFields = schema.getQueryType()!.getFields();
for (const [field, value] of Object.entries(answers)) {
  const definition = queryFields[field];
  if (!definition) throw new Error(`posgraph's schema has no Query.${field}`);
  definition.resolve = () => value;
}
const yoga = createYoga({ schema, graphiql: false, landingPage: false, logging: false });
const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
announce({ url: `http://127.0.0.1:${port}/graphql` });
exitWith(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
