/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  subscription DashboardSaleCreated {\n    saleCreated {\n      eventId\n      occurredAt\n      via\n      sale {\n        id\n        number\n        createdAt\n        total { amount currency }\n        connection { id name vendor }\n      }\n    }\n  }\n": typeof types.DashboardSaleCreatedDocument,
    "\n  query DashboardConnections {\n    connections {\n      id\n      name\n      vendor\n      currency\n      capabilities { sale { create } }\n      health { state recentFailures lastError { code message } }\n    }\n  }\n": typeof types.DashboardConnectionsDocument,
    "\n  query DaySales($from: DateTime!, $to: DateTime!, $after: String) {\n    sales(first: 100, after: $after, filter: { from: $from, to: $to }) {\n      sources {\n        connection { id name vendor }\n        status\n        error { code message }\n      }\n      edges {\n        node {\n          id\n          createdAt\n          total { amount currency }\n          connection { id }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.DaySalesDocument,
    "\n  query SearchItems($connection: ID!, $text: String) {\n    items(first: 25, connections: [$connection], filter: { text: $text }) {\n      sources { status error { code message } }\n      edges { node { id name code price { amount currency } } }\n    }\n  }\n": typeof types.SearchItemsDocument,
    "\n  mutation DashboardCreateSale($input: CreateSaleInput!) {\n    createSale(input: $input) {\n      sale {\n        id\n        number\n        createdAt\n        total { amount currency }\n        connection { id name vendor }\n      }\n      errors { code field message }\n    }\n  }\n": typeof types.DashboardCreateSaleDocument,
};
const documents: Documents = {
    "\n  subscription DashboardSaleCreated {\n    saleCreated {\n      eventId\n      occurredAt\n      via\n      sale {\n        id\n        number\n        createdAt\n        total { amount currency }\n        connection { id name vendor }\n      }\n    }\n  }\n": types.DashboardSaleCreatedDocument,
    "\n  query DashboardConnections {\n    connections {\n      id\n      name\n      vendor\n      currency\n      capabilities { sale { create } }\n      health { state recentFailures lastError { code message } }\n    }\n  }\n": types.DashboardConnectionsDocument,
    "\n  query DaySales($from: DateTime!, $to: DateTime!, $after: String) {\n    sales(first: 100, after: $after, filter: { from: $from, to: $to }) {\n      sources {\n        connection { id name vendor }\n        status\n        error { code message }\n      }\n      edges {\n        node {\n          id\n          createdAt\n          total { amount currency }\n          connection { id }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.DaySalesDocument,
    "\n  query SearchItems($connection: ID!, $text: String) {\n    items(first: 25, connections: [$connection], filter: { text: $text }) {\n      sources { status error { code message } }\n      edges { node { id name code price { amount currency } } }\n    }\n  }\n": types.SearchItemsDocument,
    "\n  mutation DashboardCreateSale($input: CreateSaleInput!) {\n    createSale(input: $input) {\n      sale {\n        id\n        number\n        createdAt\n        total { amount currency }\n        connection { id name vendor }\n      }\n      errors { code field message }\n    }\n  }\n": types.DashboardCreateSaleDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DashboardSaleCreated {\n    saleCreated {\n      eventId\n      occurredAt\n      via\n      sale {\n        id\n        number\n        createdAt\n        total { amount currency }\n        connection { id name vendor }\n      }\n    }\n  }\n"): typeof import('./graphql.js').DashboardSaleCreatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardConnections {\n    connections {\n      id\n      name\n      vendor\n      currency\n      capabilities { sale { create } }\n      health { state recentFailures lastError { code message } }\n    }\n  }\n"): typeof import('./graphql.js').DashboardConnectionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DaySales($from: DateTime!, $to: DateTime!, $after: String) {\n    sales(first: 100, after: $after, filter: { from: $from, to: $to }) {\n      sources {\n        connection { id name vendor }\n        status\n        error { code message }\n      }\n      edges {\n        node {\n          id\n          createdAt\n          total { amount currency }\n          connection { id }\n        }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').DaySalesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchItems($connection: ID!, $text: String) {\n    items(first: 25, connections: [$connection], filter: { text: $text }) {\n      sources { status error { code message } }\n      edges { node { id name code price { amount currency } } }\n    }\n  }\n"): typeof import('./graphql.js').SearchItemsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DashboardCreateSale($input: CreateSaleInput!) {\n    createSale(input: $input) {\n      sale {\n        id\n        number\n        createdAt\n        total { amount currency }\n        connection { id name vendor }\n      }\n      errors { code field message }\n    }\n  }\n"): typeof import('./graphql.js').DashboardCreateSaleDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
