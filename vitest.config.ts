import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships ESM and CJS builds; Pothos and Yoga require the CJS one, so our own
    // imports must get that same copy or graphql refuses types "from another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Simulators and gateways listen on real loopback sockets on free ports, so test
    // files can run in parallel.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
