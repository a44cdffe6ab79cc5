/**
 * API keys: every request that reaches this plugin must carry `Authorization: Bearer <key>`
 * of a configured tenant, or it is answered 401 before anything is parsed.
 *
 * It checks every request, whatever its path or method, rather than only `/graphql`: Yoga
 * serves GraphQL on more spellings than one (`/graphql/`, `//graphql`, any path or query
 * string that ends in `/graphql`), and a path test here that missed one would open the
 * gateway. The routes that need no key are answered before this plugin runs: `/health`,
 * the GraphiQL page (a GET asking for HTML; it holds no data, and its header editor is where
 * the key goes) and CORS preflights by Yoga itself, then `/ready`, `/metrics` and vendors'
 * webhooks by the plugins server.ts lists first. Any other path without a key is 401, not 404.
 */
import type { Plugin } from 'graphql-yoga';
import type { TenantDirectory } from '../core/tenants.ts';

export interface TenantAuthOptions {
  readonly directory: TenantDirectory;
}

export function useTenantAuth({ directory }: TenantAuthOptions): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (directory.ofRequest(request)) return;
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
