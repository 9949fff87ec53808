// Lint rules, above all the layer boundaries: renderer -> shared <- electron.
// The renderer and shared code must never reach Node or Electron; only the files that
// wire Electron (main.ts, windows/, ipc/, preload/) may import it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'stream',
  'zlib',
  'worker_threads',
];

const noElectron = {
  group: ['electron', 'electron/*'],
  message: 'Only electron/main.ts, windows/, ipc/ and preload/ may import Electron.',
};
const noNode = { group: nodeBuiltins, message: 'This layer runs without Node.' };
const noElectronTree = {
  group: ['**/electron/**', '../electron', '../../electron'],
  message: 'Dependencies point renderer -> shared <- electron.',
};
const noRendererTree = {
  group: ['**/renderer/**', '../renderer', '../../renderer'],
  message: 'Dependencies point renderer -> shared <- electron.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
    },
  },
  {
    files: ['**/*.config.{js,ts,mjs}', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noElectron, noNode, noElectronTree, noRendererTree] },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [noElectron, noNode, noElectronTree] }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/windows/**', 'electron/ipc/**', 'electron/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noElectron, noRendererTree] }],
    },
  },
);
