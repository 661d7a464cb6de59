// ESLint flat config. Besides the usual TypeScript checks it enforces the layer boundaries of
// docs/ARCHITECTURE.md: the core and the protocol never import `vscode` (nor Node's process APIs
// that belong to the host), and the webview imports only `src/protocol/**` from `src/`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vscodeBan = { name: 'vscode', message: 'src/core and src/protocol are pure: no `vscode` here (see docs/ARCHITECTURE.md).' };
const processBans = [
  { name: 'child_process', message: 'The core runs no processes.' },
  { name: 'node:child_process', message: 'The core runs no processes.' },
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'dist-vsix/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'test/vscode-host/**', 'test/workspace/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { ecmaVersion: 2022, sourceType: 'module' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscodeBan, ...processBans],
        patterns: [
          { group: ['**/editor/**', '**/tasks/**', '**/views/**', '**/commands/**', '**/webview/**', '**/extension'], message: 'The core does not depend on the VS Code layers.' },
        ],
      }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscodeBan],
        patterns: [{ group: ['node:*', 'fs', 'path', 'os', '**/core/onnx/*', '**/editor/**'], message: 'The protocol is plain data shared with the webview: no Node, no VS Code, no core internals.' }],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview never imports `vscode`; talk to the host through src/protocol.' }],
        patterns: [
          { regex: '^(\\.\\./)+src/(?!protocol/)', message: 'webview/ may import only src/protocol/** from src/.' },
          { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'The webview is a browser program.' },
        ],
      }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/onnx/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscodeBan, ...processBans],
        patterns: [
          { regex: '^\\.\\./onnx/(?!index$)', message: 'Other layers import the ONNX layer only through its index.ts.' },
          { regex: '^\\.\\./(layout|graphView)/(?!index$)', message: 'Other layers import the layout and graph-view layers only through their index.ts.' },
          { group: ['**/editor/**', '**/tasks/**', '**/views/**', '**/commands/**', '**/webview/**'], message: 'The core does not depend on the VS Code layers.' },
        ],
      }],
    },
  },
  {
    // The tasks core builds command lines; of the other layers it reads only the engine-report index
    // (trtexec version tags). It never runs anything: src/tasks does.
    files: ['src/core/tasks/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscodeBan, ...processBans],
        patterns: [
          { group: ['**/editor/**', '**/views/**', '**/commands/**', '**/webview/**', '**/engineView/**', '../../tasks/**'], message: 'The core does not depend on the VS Code layers.' },
          { regex: '^\\.\\./(?!engineReport/index$)', message: 'src/core/tasks imports only the engine-report layer, through its index.ts.' },
        ],
      }],
    },
  },
  {
    // Editing changes models through the ONNX layer and reads fix types from the analysis, both through
    // their index; it does not depend on the layers built on top of it (sensitivity, graph view, numeric).
    files: ['src/core/editing/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscodeBan, ...processBans],
        patterns: [
          { regex: '^\\.\\./(onnx|graph|analysis)/(?!index$)', message: 'The editing layer imports other core layers only through their index.ts.' },
          { regex: '^\\.\\./(sensitivity|graphView|layout|numeric|engineReport)(/|$)', message: 'The editing layer does not depend on sensitivity, graph view, layout, numeric or engine report (they build on it).' },
          { group: ['**/editor/**', '**/tasks/**', '**/views/**', '**/commands/**', '**/webview/**'], message: 'The core does not depend on the VS Code layers.' },
        ],
      }],
    },
  },
  {
    // The layout is a pure algorithm over arrays and sizes: it knows no ONNX and no other layer.
    files: ['src/core/layout/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [vscodeBan, ...processBans],
        patterns: [
          { group: ['**/editor/**', '**/tasks/**', '**/views/**', '**/commands/**', '**/webview/**'], message: 'The core does not depend on the VS Code layers.' },
          { regex: '^\\.\\./', message: 'src/core/layout imports nothing from other layers (it lays out plain arrays; see docs/ARCHITECTURE.md).' },
        ],
      }],
    },
  },
);
