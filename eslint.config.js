// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'docs/api/', '.bench/', 'src/scripts/lua.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_`-prefixed parameters are required by a signature (Express error handlers) but unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A promise nobody awaits loses its rejection: every fire-and-forget must say so with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      // The storage types its EventEmitter overloads (`on`) by merging an interface into the class: the standard pattern.
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      // An async method without await still keeps its promise-returning contract (e.g. stop(): Promise<void>).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON replies of the CLI and the example; their shape is asserted, not typed.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // Destructuring a fixture ({ storage, keys } = await setup(t)) is not calling a method without its object.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // Formatting is prettier's job: no lint rule may disagree with it.
  prettier,
);
