import { readFileSync } from 'node:fs';
import { isObjectType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import { printSchemaFile } from '../../src/schema/print.ts';
import { printSubgraphSchemaFile, subgraphSchema } from '../../src/schema/subgraph.ts';

const NODE_TYPES = ['Item', 'Sale', 'Payment', 'Customer', 'Cashbook', 'Booking', 'Location'];

describe('schema/subgraph.graphql', () => {
  it('matches the subgraph schema the code builds (run `npm run schema` after changing a type)', () => {
    expect(readFileSync('schema/subgraph.graphql', 'utf8')).toBe(printSubgraphSchemaFile());
  });

  it('links Federation v2.6 and keys every Node type by its global ID, and nothing else', () => {
    const sdl = printSubgraphSchemaFile();
    expect(sdl).toMatch(/^extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.6", import: \["@key", "@shareable"\]\)/);
    const keyed = [...sdl.matchAll(/^type (\w+) implements Node\s+@key\(fields: "id"\)/gm)].map((match) => match[1]);
    expect(keyed.sort()).toEqual([...NODE_TYPES].sort());
    expect(sdl.match(/@key\(/g)).toHaveLength(NODE_TYPES.length);
  });

  it('is schema/schema.graphql plus the link and the keys, in the same order whatever order the modules load in', () => {
    const withoutFederation = printSubgraphSchemaFile()
      .replace(/^extend schema\n  @link\([^\n]*\)\n\n/, '')
      .replaceAll('\n  @key(fields: "id")\n{', ' {');
    // The subgraph printer leaves out @specifiedBy; nothing else differs.
    expect(withoutFederation).toBe(printSchemaFile().replace(/^(scalar \w+) @specifiedBy\([^)]*\)$/gm, '$1'));
  });

  it('adds _entities over exactly the Node types, and _service, to the normal root fields', () => {
    const query = subgraphSchema.getQueryType()!;
    const entity = subgraphSchema.getType('_Entity');
    expect(entity && 'getTypes' in entity && entity.getTypes().map(String).sort()).toEqual([...NODE_TYPES].sort());
    expect(String(query.getFields()._entities!.type)).toBe('[_Entity]!');
    expect(String(query.getFields()._service!.type)).toBe('_Service!');
    expect(Object.keys(query.getFields()).filter((name) => !name.startsWith('_')).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    expect(Object.keys(subgraphSchema.getMutationType()!.getFields()).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  it('leaves the normal schema without any federation type, field or directive', () => {
    expect(schema.getType('_Entity')).toBeUndefined();
    expect(schema.getType('_Service')).toBeUndefined();
    expect(schema.getType('_Any')).toBeUndefined();
    expect(Object.keys(schema.getQueryType()!.getFields()).filter((name) => name.startsWith('_'))).toEqual([]);
    const printed = printSchemaFile();
    expect(printed).not.toContain('@key');
    expect(printed).not.toContain('@link');
    // Same types on both sides, apart from the federation ones.
    const names = (s: typeof schema) => Object.values(s.getTypeMap()).filter((type) => isObjectType(type) && !type.name.startsWith('_')).map((type) => (type as GraphQLObjectType).name).sort();
    expect(names(subgraphSchema)).toEqual(names(schema));
  });
});
