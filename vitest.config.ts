import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    setupFiles: ['test/helpers/cleanup.ts'],
    include: ['test/**/*.test.ts'],
    // The reduced s390 path takes about ten minutes: `npm run test:s390` (vitest.s390.config.ts);
    // the kernel corpus longer: `npm run test:corpus` (vitest.corpus.config.ts).
    exclude: ['test/s390-reduced.test.ts', 'test/corpus.test.ts', '**/node_modules/**'],
    // Real shells, chroots and QEMU guests: tests are slow by nature and share
    // machine-wide resources (loop devices, mounts), so files run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
})
