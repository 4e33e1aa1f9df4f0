import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'runs/**', 'src/nn/wasm/**/*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `const { dropped: _x, ...rest } = o` leaves a field out: the underscore says it is unused on purpose
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        {
          // sort(() => rand() - 0.5): a comparator that ignores its arguments gives a biased order
          selector: "CallExpression[callee.property.name='sort'] > :matches(ArrowFunctionExpression, FunctionExpression)[params.length=0]",
          message: 'A comparator that ignores its arguments is not a shuffle (biased order); use the shuffle of Rng or SceneRng (src/util/rng.ts).',
        },
        {
          // a.localeCompare(b) follows the user's LANG / LC_ALL: the same runs would be ordered by the shell they ran in
          selector: "CallExpression[callee.property.name='localeCompare'][arguments.length<2]",
          message: "localeCompare without a locale follows the user's LANG / LC_ALL (cs_CZ sorts 'ch' after 'h'); use compareText (src/util/text-order.ts).",
        },
      ],
    },
  },
  // bin/ is plain JavaScript run by Node (no TypeScript lib to declare its globals)
  { files: ['bin/**/*.js'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
);
