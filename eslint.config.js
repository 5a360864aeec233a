// Lint rules that the type checker cannot express: no floating promises, and
// dependencies that point one way (see docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders under src/ and what each may not import. */
const layers = [
  {
    dir: 'src/api',
    forbidden: [
      'store',
      'apiserver',
      'cli',
      'controllers',
      'providers',
      'server',
      'metrics',
      'childcluster',
      'emulators',
    ],
  },
  {
    dir: 'src/store',
    forbidden: [
      'apiserver',
      'cli',
      'controllers',
      'providers',
      'server',
      'metrics',
      'childcluster',
      'emulators',
    ],
  },
  {
    dir: 'src/apiserver',
    forbidden: ['cli', 'controllers', 'providers', 'childcluster', 'emulators'],
  },
  {
    dir: 'src/cli',
    forbidden: [
      'identity',
      'audit',
      'store',
      'apiserver',
      'controllers',
      'providers',
      'childcluster',
      'metrics',
      'emulators',
    ],
  },
  {
    dir: 'src/providers',
    forbidden: [
      'apiserver',
      'cli',
      'store',
      'controllers',
      'server',
      'emulators',
      'identity',
      'audit',
    ],
  },
  {
    dir: 'src/childcluster',
    forbidden: ['apiserver', 'cli', 'store', 'controllers', 'providers', 'server', 'emulators'],
  },
  {
    dir: 'src/controllers',
    forbidden: ['apiserver', 'cli', 'server', 'emulators', 'identity', 'audit'],
  },
  {
    dir: 'src/metrics',
    forbidden: [
      'apiserver',
      'cli',
      'controllers',
      'providers',
      'childcluster',
      'server',
      'emulators',
    ],
  },
  {
    // Identity: users' passwords, sessions, API tokens, OIDC. Kept in the store; the API
    // server's authenticators and auth routes use it.
    dir: 'src/identity',
    forbidden: [
      'apiserver',
      'cli',
      'controllers',
      'providers',
      'server',
      'childcluster',
      'emulators',
      'audit',
    ],
  },
  {
    // The audit log (its own SQLite file); the API server writes and queries it.
    dir: 'src/audit',
    forbidden: [
      'apiserver',
      'cli',
      'controllers',
      'providers',
      'server',
      'childcluster',
      'emulators',
      'identity',
      'store',
    ],
  },
  {
    // Test and try-out doubles for infrastructure Slipway cannot run here; they may reuse
    // the sim machinery, and nothing in the product may import them.
    dir: 'src/emulators',
    forbidden: ['apiserver', 'cli', 'controllers', 'store', 'server'],
  },
];

const layerRules = layers.map(({ dir, forbidden }) => ({
  files: [`${dir}/**/*.ts`],
  ignores: [`${dir}/**/*.test.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((name) => ({
          // The composition roots (src/server.ts, src/control-plane.ts) sit at the top of
          // src; any other name is a folder under src.
          group:
            name === 'server'
              ? [
                  '../server.ts',
                  '../../server.ts',
                  '../../../server.ts',
                  '../control-plane.ts',
                  '../../control-plane.ts',
                  '../../../control-plane.ts',
                ]
              : [`**/${name}/**`],
          message: `${dir} must not import ${name}: dependencies point one way (docs/architecture.md).`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'web/dist/**', '**/.scratch/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    // Plain JavaScript entry points and config: no type information, Node globals.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
    },
  },
  ...layerRules,
);
