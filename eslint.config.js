// ESLint for lab's TypeScript: the recommended rules of typescript-eslint, and functions
// short enough to read (the project's own limit).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'examples/', 'logs/', '.lab/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  // A test file's describe() holds its cases: long by nature, each case short.
  { files: ['test/**/*.ts'], rules: { 'max-lines-per-function': 'off' } },
  { files: ['bin/*.js'], languageOptions: { globals: { process: 'readonly' } } },
);
