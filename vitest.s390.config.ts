import { defineConfig } from 'vitest/config'

// The slow s390 path (image, boot, second stage, 9p): `npm run test:s390`; .ci/run runs it after npm test.
export default defineConfig({
  test: {
    setupFiles: ['test/helpers/cleanup.ts'],
    include: ['test/s390-reduced.test.ts'],
    fileParallelism: false,
    testTimeout: 45 * 60_000,
    hookTimeout: 300_000,
  },
})
