/** `npm run schema:subgraph`: writes the federation subgraph SDL to schema/subgraph.graphql (a test fails on drift). */
import { mkdir, writeFile } from 'node:fs/promises';
import { printSubgraphSchemaFile } from '../src/schema/subgraph.ts';

await mkdir('schema', { recursive: true });
await writeFile('schema/subgraph.graphql', printSubgraphSchemaFile());
console.log('schema/subgraph.graphql written');
