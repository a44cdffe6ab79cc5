import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations the tests and examples send. `npm run codegen`
 * writes them; a test regenerates in memory and fails when the committed output is stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/e2e/operations/**/*.graphql', 'examples/**/*.graphql'],
  ignoreNoDocuments: true,
  // ESM output: relative imports carry their extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/e2e/__generated__/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
