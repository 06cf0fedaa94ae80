// ESLint (flat config): typescript-eslint everywhere, Lit and custom-element rules on the element.
// Formatting is Prettier's (npm run lint runs both; npm run format rewrites).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const browserFiles = [
  'src/element/**/*.ts',
  'src/element.ts',
  'src/index.ts',
  'test/browser/**/*.ts',
  'test/support/{manual-frames,mock-relay,spy-plotly,timers}.ts',
  'demo/demo.ts',
  'examples/**/*.{ts,tsx}',
  'bench/page/**/*.js',
];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'python/', '**/*.vue'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node } },
  { files: browserFiles, languageOptions: { globals: globals.browser } },
  {
    files: ['src/element/**/*.ts', 'src/element.ts', 'src/index.ts'],
    extends: [lit.configs['flat/recommended'], wc.configs['flat/recommended']],
  },
  {
    // Tests and benchmarks read Plotly's untyped graph div and the bench page's globals, and use
    // chai's property assertions (`expect(x).to.exist`).
    files: ['test/**/*.{ts,tsx}', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    rules: {
      // TypeScript checks names; the rule does not know type-only globals.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
