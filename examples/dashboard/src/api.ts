/** Queries and mutations over fetch, typed by the generated documents. */
import type { TypedDocumentString } from './__generated__/graphql.ts';
import type { GraphQLError } from './sse.ts';

/** Same origin: the dev server proxies /graphql to the gateway (and adds the API key if set). */
export const GRAPHQL_URL = '/graphql';

export interface GraphQLResult<TData> {
  readonly data?: TData | null;
  readonly errors?: readonly GraphQLError[];
}

/** The gateway could not be reached or answered no GraphQL at all. */
export class GatewayUnavailableError extends Error {
  override readonly name = 'GatewayUnavailableError';
  readonly code = 'GATEWAY_UNAVAILABLE';
}

export async function execute<TData, TVariables>(
  document: TypedDocumentString<TData, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<GraphQLResult<TData>> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new GatewayUnavailableError('The gateway cannot be reached');
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) throw new GatewayUnavailableError(`The gateway answered HTTP ${response.status}`);
  return (await response.json()) as GraphQLResult<TData>;
}

/** The codes of a result's errors, for messages ("VENDOR_UNAVAILABLE, …"). */
export function errorCodes(errors: readonly GraphQLError[] | undefined): string {
  return [...new Set((errors ?? []).map((error) => error.extensions?.code ?? 'ERROR'))].join(', ');
}
