import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one for Yoga and graphql-ws;
    // make our sources load the same file, or GraphQLError instances would not be recognised across them.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: two files at a time keeps real servers, Redis and Chromium from starving each other.
    maxWorkers: 2,
    // The slow-consumer test samples the heap after forced garbage collection.
    execArgv: ['--expose-gc'],
  },
});
