import { defineConfig } from 'vitest/config'

// The corpus (every kernel document with a literal block, imported and linted: minutes on two
// cores, longer on a loaded machine): `npm run test:corpus`; .ci/run runs it after npm test.
export default defineConfig({
  test: {
    setupFiles: ['test/helpers/cleanup.ts'],
    include: ['test/corpus.test.ts'],
    fileParallelism: false,
    testTimeout: 60 * 60_000,
    hookTimeout: 300_000,
  },
})
