/** `npm run schema`: writes the SDL, sorted, to schema/schema.graphql (a test fails on drift). */
import { mkdir, writeFile } from 'node:fs/promises';
import { printSchemaFile } from '../src/schema/print.ts';

await mkdir('schema', { recursive: true });
await writeFile('schema/schema.graphql', printSchemaFile());
console.log('schema/schema.graphql written');
