import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const WORKFLOW_BOUNDARY =
  'Workflow code imports only @temporalio/workflow, zod, the contract (workflows/contract/) and other workflow files.';

/** The import boundary of workflow files: `leaving` matches a relative import that leaves their tree. */
function workflowImports(files, leaving, ignores, extraPackages = []) {
  const packages = ['@temporalio/workflow', 'zod', ...extraPackages].map((p) => p.replace(/[/]/g, '\\/'));
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^(?!(${packages.join('|')})$|\\.)`, message: WORKFLOW_BOUNDARY },
            { regex: leaving, message: WORKFLOW_BOUNDARY },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.stack/', 'coverage/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // Workflow code runs in Temporal's deterministic sandbox, and everything it shares with the rest of the
  // project crosses the Temporal boundary: it imports only @temporalio/workflow, zod, the contract
  // (workflows/contract/, which every other side imports too) and other workflow files — no Node
  // built-ins, no I/O, no second copy of a message, a schema or a status rule.
  workflowImports(['workflows/*.ts'], '^\\.\\./', []),
  workflowImports(['workflows/*/**/*.ts'], '^\\.\\./\\.\\./', ['workflows/contract/**']),
  workflowImports(['workflows/contract/**/*.ts'], '^\\.\\./', [], ['@temporalio/common']),
  {
    // The domain knows nothing of HTTP: the API adapts the domain's rules and refusals into answers, so the
    // rules hold the same for every caller (API, workflows, CLI) and an HTTP change never reaches them.
    files: ['src/session/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/*', '**/api/**'],
              message:
                'src/session is the domain: it may not import the HTTP layer (src/api). Move what both need here.',
            },
          ],
        },
      ],
    },
  },
  {
    // The API reaches the cluster through src/k8s and sessions through Temporal; activities are the worker's
    // side of workflows, and importing them would tie the API to the worker's failure types and clients.
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities/*', '**/activities/**'],
              message: 'src/api may not import activities/: share what both need through src/k8s or src/session.',
            },
          ],
        },
      ],
    },
  },
  {
    // The client library runs in browsers too: platform APIs only (fetch, streams), no Node built-ins.
    files: ['packages/client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'child_process', 'os', 'stream'],
              message: 'The client library runs in browsers as well as in Node: use platform APIs only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly' } },
  },
);
