/**
 * The schema as an Apollo Federation v2 subgraph: the normal schema plus `_entities` and
 * `_service`, with every Node type an entity (`@key(fields: "id")`, see federation.ts).
 * Served by createGateway({ subgraph: true }); a router composes it with other subgraphs.
 */
import { printSubgraphSchema } from '@apollo/subgraph';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLSchema, type NameNode } from 'graphql';
import './index.ts';
import './federation.ts';
import { builder } from './builder.ts';

export const FEDERATION_LINK_URL = 'https://specs.apollo.dev/federation/v2.6';

export const subgraphSchema = builder.toSubGraphSchema({
  linkUrl: FEDERATION_LINK_URL,
  // @key is what the schema uses; @shareable is imported so a type another subgraph also
  // resolves can be marked without changing the link.
  federationDirectives: ['@key', '@shareable'],
});

/**
 * The subgraph SDL prints from the types' AST nodes, which list fields in the order the
 * modules happened to declare them (so it would change with import order). Orders them as
 * the schema itself is ordered — sorted, like schema/schema.graphql — before printing.
 */
function orderAstLikeSchema(schema: GraphQLSchema): void {
  const ordered = <N extends { readonly name: NameNode }>(nodes: readonly N[] | undefined, names: readonly string[]): N[] | undefined =>
    nodes && [...nodes].sort((a, b) => names.indexOf(a.name.value) - names.indexOf(b.name.value));
  for (const type of Object.values(schema.getTypeMap())) {
    if ((isObjectType(type) || isInterfaceType(type)) && type.astNode) {
      const fields = type.getFields();
      const fieldNodes = ordered(type.astNode.fields, Object.keys(fields))?.map((field) => ({
        ...field,
        arguments: ordered(field.arguments, fields[field.name.value]?.args.map((arg) => arg.name) ?? []),
      }));
      const interfaces = ordered(type.astNode.interfaces, type.getInterfaces().map((iface) => iface.name));
      if (isObjectType(type)) type.astNode = { ...type.astNode!, fields: fieldNodes, interfaces };
      else type.astNode = { ...type.astNode!, fields: fieldNodes, interfaces };
    } else if (isEnumType(type) && type.astNode) {
      type.astNode = { ...type.astNode, values: ordered(type.astNode.values, type.getValues().map((value) => value.name)) };
    } else if (isInputObjectType(type) && type.astNode) {
      type.astNode = { ...type.astNode, fields: ordered(type.astNode.fields, Object.keys(type.getFields())) };
    } else if (isUnionType(type) && type.astNode) {
      type.astNode = { ...type.astNode, types: ordered(type.astNode.types, type.getTypes().map((member) => member.name)) };
    }
  }
}

orderAstLikeSchema(subgraphSchema);
const sdl = printSubgraphSchema(subgraphSchema);
// `_service { sdl }` serves the ordered SDL: what a router reads is schema/subgraph.graphql.
subgraphSchema.getQueryType()!.getFields()._service!.resolve = () => ({ sdl });

/** The subgraph SDL with its federation directives, as a router or `rover` reads it. */
export function printSubgraphSchemaFile(): string {
  return `${sdl}\n`;
}
