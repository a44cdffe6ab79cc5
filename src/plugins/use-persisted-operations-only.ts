import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

export interface PersistedOperationsOnlyOptions {
  /** id → document text: the only operations this server runs. */
  readonly operations: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
}

export const PERSISTED_CODES = {
  notFound: 'PERSISTED_QUERY_NOT_FOUND',
  only: 'PERSISTED_QUERY_ONLY',
  idRequired: 'PERSISTED_QUERY_ID_REQUIRED',
} as const;

/**
 * Runs only operations known in advance. A client sends the id instead of the text, as
 * `extensions: { persistedQuery: { version: 1, sha256Hash: <id> } }` (Apollo's and
 * graphql-codegen's format) or as `documentId: <id>` (the GraphQL-over-HTTP proposal); any
 * id may be used, not only a hash. Free text, an unknown id or no id at all is refused with
 * 400 before parsing. The caller must also let Yoga accept the `documentId` parameter
 * (`extraParamNames`, see PERSISTED_PARAM_NAMES).
 */
export function usePersistedOperationsOnly({ operations }: PersistedOperationsOnlyOptions): Plugin {
  const byId = operations instanceof Map ? operations : new Map(Object.entries(operations));
  const error = (message: string, code: string) => ({ message, extensions: { code, http: { status: 400 } } });
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: (params) => {
      const extensions = params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined;
      const hash = extensions?.persistedQuery?.version === 1 ? extensions.persistedQuery.sha256Hash : undefined;
      const documentId = (params as { documentId?: unknown }).documentId;
      if (typeof hash === 'string') return hash;
      return typeof documentId === 'string' ? documentId : null;
    },
    getPersistedOperation: (id) => byId.get(id) ?? null,
    customErrors: {
      notFound: error('No persisted operation has this id.', PERSISTED_CODES.notFound),
      persistedQueryOnly: error('This server runs persisted operations only: send the operation id, not its text.', PERSISTED_CODES.only),
      keyNotFound: error('A persisted operation id is required (extensions.persistedQuery.sha256Hash or documentId).', PERSISTED_CODES.idRequired),
    },
  }) as Plugin;
}

/** Request parameters Yoga must accept besides query, variables, operationName, extensions. */
export const PERSISTED_PARAM_NAMES = ['documentId'] as const;
