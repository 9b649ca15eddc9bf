import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The one direction imports take between the folders of src/ (docs/architecture.md): each folder names the folders
// it may import. A folder not listed here may import nothing of src/. The protocol is at the bottom, the
// composition roots at the top; the engine owns its ports and the adapters implement them, never the reverse.
const MAY_IMPORT = {
  cni: [],
  log: [],
  wire: ['cni'],
  core: ['cni'],
  engine: ['cni', 'core'],
  invoke: ['cni', 'core', 'engine'],
  store: ['cni', 'core', 'engine'],
  k8s: ['cni', 'core', 'engine'],
  local: ['cni', 'core', 'engine', 'store'],
  install: ['cni', 'store'],
  compose: ['cni', 'core', 'engine', 'invoke', 'store', 'log'],
  app: ['cni', 'core', 'engine', 'invoke', 'store', 'k8s', 'local', 'log', 'compose', 'wire'],
  daemon: ['cni', 'core', 'engine', 'invoke', 'store', 'k8s', 'log', 'compose', 'wire'],
  cli: ['cni', 'core', 'engine', 'invoke', 'store', 'k8s', 'local', 'log', 'install', 'daemon'],
};
const FOLDERS = Object.keys(MAY_IMPORT);
const importDirections = FOLDERS.map((folder) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f)).flatMap((f) => [
              `../${f}/*`,
              `../../${f}/*`,
            ]),
            message: `src/${folder}/ may import only from ${MAY_IMPORT[folder].map((f) => `src/${f}/`).join(', ') || 'node and its packages'} (eslint.config.js, docs/architecture.md)`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'dist-test/', 'node_modules/', 'coverage/', 'src/core/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
      },
    },
    rules: {
      'no-console': ['error', { allow: ['error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['scripts/**', 'test/**', 'bin/**'], rules: { 'no-console': 'off' } },
  // Style targets as rules (docs/architecture.md): small functions with few parameters, every switch exhaustive,
  // no promise left unhandled. Type-aware, so src/ only (tests and scripts are linted without types).
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      complexity: ['error', 15],
      'max-params': ['error', 4],
      'max-lines-per-function': ['error', { max: 50, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  ...importDirections,
);
