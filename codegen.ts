import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations the tests and examples send. `npm run codegen`
 * writes them; a test regenerates in memory and fails when the committed output is stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  // ESM output: relative imports carry their extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/e2e/__generated__/': {
      documents: ['test/e2e/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
      },
    },
    // The example dashboard writes its operations inline with `graphql()`; string documents
    // keep the graphql library out of its bundle (sent as-is with fetch).
    'examples/dashboard/src/__generated__/': {
      documents: ['examples/dashboard/src/**/*.ts', '!examples/dashboard/src/__generated__/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
