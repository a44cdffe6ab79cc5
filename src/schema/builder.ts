/** The SchemaBuilder, its scalars and the Context type. Types live in their own files. */
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { GraphQLError, Kind } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GatewayContext } from '../context.ts';
import { Decimal, DecimalError } from '../core/money.ts';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    Decimal: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  // Federation (src/schema/federation.ts) marks entities with @key; the directives plugin carries
  // those into the subgraph SDL. The normal schema prints without them.
  plugins: [DirectivesPlugin, FederationPlugin],
  // Non-null unless a field says otherwise: clients can trust what the schema promises.
  defaultFieldNullability: false,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new GraphQLError('Decimal must be a string such as "1.250"', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  try {
    return Decimal.from(value).toString();
  } catch (error) {
    throw new GraphQLError(error instanceof DecimalError ? error.message : 'Invalid Decimal', { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

builder.scalarType('Decimal', {
  description: 'An exact decimal number, written as a string ("1.250"); never a binary float.',
  serialize: (value) => String(value),
  parseValue: parseDecimal,
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING && node.kind !== Kind.INT && node.kind !== Kind.FLOAT) {
      throw new GraphQLError('Decimal must be a string such as "1.250"', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseDecimal(node.value);
  },
});

builder.queryType({});
builder.mutationType({});
