/**
 * Composition: posgraph's subgraph SDL and a second team's subgraph that extends `Sale`
 * compose into one supergraph, the way a router's build step (rover, Hive) would do it.
 */
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { buildASTSchema, parse, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LOYALTY_TYPE_DEFS } from './loyalty-subgraph.ts';

const POSGRAPH_SDL = readFileSync('schema/subgraph.graphql', 'utf8');

function compose(posgraphSdl: string) {
  return composeServices([
    { name: 'posgraph', typeDefs: parse(posgraphSdl), url: 'http://posgraph.invalid/graphql' },
    { name: 'loyalty', typeDefs: LOYALTY_TYPE_DEFS, url: 'http://loyalty.invalid/graphql' },
  ]);
}

describe('supergraph composition with @apollo/composition', () => {
  it('composes posgraph with a subgraph extending Sale, without errors', () => {
    const result = compose(POSGRAPH_SDL);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
    expect(result.hints?.map((hint) => hint.message)).toEqual([]);
    expect(result.supergraphSdl).toContain('join__graph(name: "posgraph", url: "http://posgraph.invalid/graphql")');
    expect(result.supergraphSdl).toContain('join__graph(name: "loyalty", url: "http://loyalty.invalid/graphql")');
  });

  it('gives the supergraph a Sale with the fields of both subgraphs, keyed by id in each', () => {
    const { supergraphSdl } = compose(POSGRAPH_SDL);
    const sale = /type Sale implements Node[^{]*\{[^}]*\}/.exec(supergraphSdl!)![0];
    expect(sale).toContain('@join__type(graph: LOYALTY, key: "id")');
    expect(sale).toContain('@join__type(graph: POSGRAPH, key: "id")');

    // The API schema clients of the router see.
    const api = buildASTSchema(parse(supergraphSdl!), { assumeValidSDL: true });
    const fields = (api.getType('Sale') as GraphQLObjectType).getFields();
    expect(String(fields.loyaltyPoints!.type)).toBe('Int!');
    expect(String(fields.total!.type)).toBe('Money!');
    expect(String(fields.lines!.type)).toBe('[SaleLine!]!');
    expect(String(fields.id!.type)).toBe('ID!');
    // posgraph's root fields are reachable through the router.
    expect(Object.keys(api.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['sales', 'node', 'nodes', 'items']));
  });

  it('fails composition when the second subgraph asks for a key posgraph does not declare', () => {
    // Guards the test above: composition really checks the keys posgraph publishes.
    const unkeyed = POSGRAPH_SDL.replace(/(type Sale implements Node)\s+@key\(fields: "id"\)/, '$1');
    expect(unkeyed).not.toBe(POSGRAPH_SDL);
    const result = compose(unkeyed);
    expect(result.errors?.map((error) => error.extensions.code)).toEqual(['INVALID_FIELD_SHARING']);
    expect(result.errors![0]!.message).toContain('"Sale.id"');
  });
});
