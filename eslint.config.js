// ESLint (flat config): typescript-eslint's recommended rules everywhere, and the type-aware
// ones that are cheap and catch real bugs (a promise left floating, awaited non-promises) in src/.
// Formatting is prettier's (.prettierrc), not ESLint's.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/out/', 's390-work/', 'work/', '**/.docrun/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node's globals, for the plain .mjs scripts (TypeScript checks its own files' names itself).
    languageOptions: {
      globals: Object.fromEntries(
        ['process', 'console', 'Buffer', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'URL', 'performance'].map((g) => [g, 'readonly']),
      ),
    },
    rules: {
      // `catch {}`: an error that is expected and means nothing (a file already gone, a closed pipe).
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `_name` says "unused on purpose" (a callback's position, a destructured rest).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // These match control characters on purpose: ANSI escapes, and what XML 1.0 cannot hold.
    files: ['src/shell/tty-clean.ts', 'src/report/junit.ts', 'src/report/html/ansi.ts', 'src/checks/ktap.ts', 'src/checks/splats.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // Functions that fit on a screen (docs/architecture.md); the limit is the issue's, with room.
      'max-lines-per-function': ['error', { max: 100 }],
    },
  },
)
