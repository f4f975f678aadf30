// ESLint for every TypeScript file of the repository: the Hardhat side (hardhat.config.ts, scripts/, test/, ignition/),
// the web app (app/) and the indexer (indexer/). Type-aware rules run through the TypeScript project service, which
// picks the nearest tsconfig.json of each file (root, app/ or indexer/). Formatting is Prettier's job only.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import js from "@eslint/js";
import nextPlugin from "@next/eslint-plugin-next";
import prettierConfig from "eslint-config-prettier/flat";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const REPO_ROOT = import.meta.dirname;
const CORE_ROOT = path.join(REPO_ROOT, "packages", "core");

/** The folder of the nearest package.json at or above `dir` (the repository root, app, indexer, packages/core). */
function packageRoot(dir) {
  for (let d = dir; d.startsWith(REPO_ROOT); d = path.dirname(d)) {
    if (existsSync(path.join(d, "package.json"))) return d;
    if (d === REPO_ROOT) break;
  }
  return REPO_ROOT;
}

/** Each workspace package by its package.json name: the root ("portfolio-stake") and its workspaces. */
const WORKSPACE_PACKAGES = (() => {
  const read = (dir) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const root = read(REPO_ROOT);
  const byName = new Map([[root.name, REPO_ROOT]]);
  for (const workspace of root.workspaces ?? []) {
    const dir = path.join(REPO_ROOT, workspace);
    byName.set(read(dir).name, dir);
  }
  return byName;
})();

/** The package name a bare specifier starts with: "@scope/name" or "name". */
const packageName = (source) =>
  source
    .split("/")
    .slice(0, source.startsWith("@") ? 2 : 1)
    .join("/");

/**
 * Package boundaries: an import stays inside its own package (the root's Hardhat side, app/, indexer/,
 * packages/core/), whether by relative path or by a workspace package's name ("indexer/ponder.schema", "app/...",
 * "portfolio-stake/..."); what packages share is in @portfolio-stake/core, imported by name. So the app never reaches
 * into scripts/ or the indexer, the indexer never into the app or the root, and core never into anyone. Type-only
 * imports count too: they couple the packages' sources all the same.
 */
export const packageBoundaries = {
  meta: {
    type: "problem",
    docs: { description: "imports must not leave their package; shared code is @portfolio-stake/core" },
    schema: [],
    messages: {
      crossesPackage:
        '"{{source}}" climbs out of {{from}} into {{to}}: share the code through @portfolio-stake/core (packages/core) instead',
      packageByName:
        '"{{source}}" imports the workspace package {{to}} from {{from}}: share the code through @portfolio-stake/core (packages/core) instead',
      coreByPath: '"{{source}}" reaches packages/core by path: import it by name, "@portfolio-stake/core/{{module}}"',
    },
  },
  create(context) {
    const filename = context.physicalFilename;
    const from = packageRoot(path.dirname(filename));
    const name = (root) => path.relative(REPO_ROOT, root) || "the root package";
    const check = (literal) => {
      if (!literal || literal.type !== "Literal" || typeof literal.value !== "string") return;
      const source = literal.value;
      if (!source.startsWith(".") && !path.isAbsolute(source)) {
        const to = WORKSPACE_PACKAGES.get(packageName(source));
        if (to === undefined || to === from || to === CORE_ROOT) return; // a dependency, itself, or core
        context.report({ node: literal, messageId: "packageByName", data: { source, from: name(from), to: name(to) } });
        return;
      }
      const target = path.resolve(path.dirname(filename), source);
      const to = packageRoot(target);
      if (to === from) return;
      if (to === CORE_ROOT) {
        const module = path.relative(path.join(CORE_ROOT, "src"), target).split(path.sep).join("/");
        context.report({ node: literal, messageId: "coreByPath", data: { source, module } });
        return;
      }
      context.report({ node: literal, messageId: "crossesPackage", data: { source, from: name(from), to: name(to) } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      // import x = require("..."), and require("...") itself
      TSExternalModuleReference: (node) => check(node.expression),
      CallExpression: (node) => {
        if (node.callee.type === "Identifier" && node.callee.name === "require") check(node.arguments[0]);
      },
      // a type written as import("...").Name
      TSImportType: (node) => check(node.argument?.type === "TSLiteralType" ? node.argument.literal : node.source),
    };
  },
};

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

  {
    name: "portfolio-stake/package-boundaries",
    files: ["**/*.{ts,tsx,mts,cts,js,mjs,cjs}"],
    plugins: { "portfolio-stake": { rules: { "package-boundaries": packageBoundaries } } },
    rules: { "portfolio-stake/package-boundaries": "error" },
  },

  // The shared core is plain TypeScript that Hardhat, Next and Ponder all load: no framework inside it.
  {
    name: "portfolio-stake/core",
    files: ["packages/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "hardhat",
                "hardhat/*",
                "@nomicfoundation/*",
                "ethers",
                "ethers/*",
                "react",
                "react-*",
                "next",
                "next/*",
                "wagmi",
                "ponder",
              ],
              message:
                "packages/core is framework-free TypeScript (viem is fine): keep Hardhat, ethers, React, Next and Ponder outside it",
            },
          ],
        },
      ],
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
