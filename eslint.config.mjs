// ESLint for every TypeScript file of the repository: the Hardhat side (hardhat.config.ts, scripts/, test/, ignition/),
// the web app (app/) and the indexer (indexer/). Type-aware rules run through the TypeScript project service, which
// picks the nearest tsconfig.json of each file (root, app/ or indexer/). Formatting is Prettier's job only.
import path from "node:path";
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import prettierConfig from "eslint-config-prettier/flat";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    name: "portfolio-stake/ignores",
    // Generated or third-party files (the same list as .prettierignore, plus build outputs).
    ignores: [
      "**/node_modules/",
      "artifacts/",
      "cache/",
      "typechain-types/",
      "coverage/",
      "dist/",
      "app/.next*/",
      "packages/core/src/abi/*Abi.ts",
      "app/next-env.d.ts",
      "app/test-results/",
      "app/playwright-report/",
      "app/e2e-artifacts/",
      "indexer/generated/",
      "indexer/.ponder/",
      "indexer/ponder-env.d.ts",
      "deployments/deployedContracts.ts",
      "ignition/deployments/",
      ".demo/",
    ],
  },

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    name: "portfolio-stake/typescript",
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // Promises: a forgotten await is a silent bug (a transaction not waited for, an unhandled rejection).
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          ignoreVoid: true,
          // node:test's test()/describe() return promises that the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      // A switch over a union must handle every member (event kinds, history sources, transaction states).
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // Type-only imports are erased (isolatedModules, ts-node --transpile-only, Turbopack).
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { prefer: "type-imports", fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
      "@typescript-eslint/no-import-type-side-effects": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // Numbers and bigints print fine in templates; objects and undefined do not.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allowNever: true, allowNullish: false },
      ],
      // `async` without `await` is how an interface method or a test double returns a promise (and turns a throw into a
      // rejection); forgotten awaits at the call sites are what no-floating-promises catches.
      "@typescript-eslint/require-await": "off",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "no-constructor-return": "error",
      "prefer-const": ["error", { destructuring: "all" }],
    },
  },

  // Hardhat side, scripts and the indexer run on Node.
  {
    name: "portfolio-stake/node",
    files: ["**/*.{ts,mts,cts,js,mjs,cjs}"],
    ignores: ["app/src/**"],
    languageOptions: { globals: { ...globals.node } },
  },

  // Tests: template strings there are diagnostics (assertion messages, test names), where printing `undefined` or
  // an array's items is what is wanted.
  {
    name: "portfolio-stake/tests",
    files: ["test/**/*.ts", "**/*.test.ts", "app/e2e/**/*.ts", "indexer/test/**/*.ts"],
    rules: {
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allowNever: true, allowNullish: true, allowArray: true },
      ],
    },
  },

  // Mocha + chai tests: `expect(x).to.be.true` is an assertion, not an unused expression.
  {
    name: "portfolio-stake/mocha",
    files: ["test/**/*.ts"],
    languageOptions: { globals: { ...globals.mocha } },
    rules: {
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },

  // The web app: React hooks rules (including the React Compiler checks) and Next.js rules.
  {
    name: "portfolio-stake/app",
    files: ["app/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    languageOptions: { globals: { ...globals.browser } },
    settings: { next: { rootDir: path.join(import.meta.dirname, "app") } },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      "react-hooks/exhaustive-deps": "error",
      ...nextPlugin.configs["core-web-vitals"].rules,
    },
  },

  // Plain JavaScript (configs, coverage check): no type information.
  {
    name: "portfolio-stake/javascript",
    files: ["**/*.{js,mjs,cjs}"],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },

  // Last: turn off every stylistic rule that Prettier owns.
  prettierConfig,
);
