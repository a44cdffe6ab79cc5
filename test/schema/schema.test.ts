import { readFileSync } from 'node:fs';
import { isInterfaceType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import { printSchemaFile } from '../../src/schema/print.ts';

function fieldSignature(type: GraphQLObjectType, name: string): string {
  const field = type.getFields()[name]!;
  const args = field.args.map((arg) => `${arg.name}: ${String(arg.type)}`).join(', ');
  return `${name}(${args}): ${String(field.type)}`;
}

describe('schema/schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema` after changing a type)', () => {
    expect(readFileSync('schema/schema.graphql', 'utf8')).toBe(printSchemaFile());
  });

  it('keeps the root fields and signatures clients rely on', () => {
    const query = schema.getQueryType()!;
    expect(fieldSignature(query, 'node')).toBe('node(id: ID!): Node');
    expect(fieldSignature(query, 'nodes')).toBe('nodes(ids: [ID!]!): [Node]!');
    expect(fieldSignature(query, 'connections')).toBe('connections(): [VendorConnection!]!');
    for (const [list, type] of [['items', 'Item'], ['sales', 'Sale'], ['payments', 'Payment'], ['customers', 'Customer'], ['cashbooks', 'Cashbook'], ['bookings', 'Booking']]) {
      expect(fieldSignature(query, list!)).toBe(`${list}(connections: [ID!], filter: ${type}Filter, first: Int, after: String): ${type}Connection!`);
    }
  });

  it('makes every entity a Node with its connection and raw vendor record', () => {
    const node = schema.getType('Node');
    expect(isInterfaceType(node) && Object.keys(node.getFields())).toEqual(['id']);
    for (const name of ['Item', 'Sale', 'Payment', 'Customer', 'Cashbook', 'Booking', 'Location']) {
      const type = schema.getType(name) as GraphQLObjectType;
      expect(type.getInterfaces().map(String)).toEqual(['Node']);
      expect(String(type.getFields().connection!.type)).toBe('VendorConnection!');
      expect(String(type.getFields().raw!.type)).toBe('JSON!');
    }
  });

  it('gives every list the same connection shape with per-source status', () => {
    for (const name of ['Item', 'Sale', 'Payment', 'Customer', 'Cashbook', 'Booking']) {
      const connection = schema.getType(`${name}Connection`) as GraphQLObjectType;
      expect(Object.fromEntries(Object.entries(connection.getFields()).map(([field, def]) => [field, String(def.type)]))).toEqual({
        edges: `[${name}Edge!]!`,
        pageInfo: 'PageInfo!',
        totalCount: 'Int',
        sources: '[Source!]!',
      });
    }
    expect(String(schema.getType('SourceStatus')!.toString())).toBe('SourceStatus');
  });

  it('writes money as exact decimal strings', () => {
    const money = schema.getType('Money') as GraphQLObjectType;
    expect(Object.fromEntries(Object.entries(money.getFields()).map(([field, def]) => [field, String(def.type)]))).toEqual({ amount: 'String!', currency: 'String!' });
  });
});
