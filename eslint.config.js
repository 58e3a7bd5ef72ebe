import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.junction/**', 'web/dist/**', 'coverage/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['../api', '../api/*', '../../api', '../../api/*', '../../../api', '../../../api/*'], message: 'nothing imports api (see ARCHITECTURE.md)' }] }],
    },
  },
  {
    files: ['src/api/**', 'src/cli/**', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The console: plain ES modules run by the browser (no build step).
    files: ['web/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
  },
);
