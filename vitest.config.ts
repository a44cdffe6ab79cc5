import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Simulators and gateways listen on real loopback sockets; parallel files are fine
    // because every test server picks a free port.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
