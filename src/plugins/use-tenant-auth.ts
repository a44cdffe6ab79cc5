/**
 * API keys: a GraphQL request must carry `Authorization: Bearer <key>` of a configured
 * tenant, or it is answered 401 before anything is parsed. The GraphiQL page itself (a GET
 * that asks for HTML) loads without a key: it holds no data, and its header editor is where
 * the key goes.
 */
import type { Plugin } from 'graphql-yoga';
import type { TenantDirectory } from '../core/tenants.ts';

export interface TenantAuthOptions {
  readonly directory: TenantDirectory;
  readonly graphqlEndpoint?: string;
}

export function useTenantAuth({ directory, graphqlEndpoint = '/graphql' }: TenantAuthOptions): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== graphqlEndpoint) return;
      if (request.method === 'GET' && request.headers.get('accept')?.includes('text/html')) return;
      if (directory.authenticate(request.headers.get('authorization'))) return;
      const message = request.headers.has('authorization') ? 'The API key is not valid' : 'An API key is required: send Authorization: Bearer <key>';
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }), {
          status: 401,
          headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="posgraph"' },
        }),
      );
    },
  };
}
