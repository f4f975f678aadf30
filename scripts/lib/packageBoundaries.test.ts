/**
 * The lint rule portfolio-stake/package-boundaries (eslint.config.mjs), run on sample sources placed in each package:
 * imports that leave their package, by relative path or by a workspace package's name, are refused; imports within a
 * package, of @portfolio-stake/core by name and of dependencies pass. And nothing in the repository switches it off.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { before, describe, it } from "node:test";
import { Linter, type Rule } from "eslint";
import tseslint from "typescript-eslint";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
let rule: Rule.RuleModule;

before(async () => {
  // Loaded at run time (an .mjs module without type declarations), as ESLint itself loads it.
  const config = (await import(pathToFileURL(path.join(REPO_ROOT, "eslint.config.mjs")).href)) as {
    packageBoundaries: Rule.RuleModule;
  };
  rule = config.packageBoundaries;
});

/** The rule's message ids for `code` as if it were the file `file` (repository-relative). */
function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: "flat", cwd: REPO_ROOT });
  const messages = linter.verify(
    code,
    [
      {
        files: ["**/*.ts", "**/*.tsx"],
        languageOptions: { parser: tseslint.parser },
        plugins: { boundaries: { rules: { "package-boundaries": rule } } },
        rules: { "boundaries/package-boundaries": "error" },
      },
    ],
    { filename: path.join(REPO_ROOT, file) },
  );
  for (const m of messages) assert.ok(m.ruleId, `not a rule's message (a parse error?): ${m.message}`);
  return messages.map((m) => m.messageId ?? m.message);
}

describe("package-boundaries lint rule", () => {
  it("refuses a workspace package imported by name from another package, type-only imports included", () => {
    assert.deepEqual(lint("app/src/lib/x.ts", `import type { settlement } from "indexer/ponder.schema";`), [
      "packageByName",
    ]);
    assert.deepEqual(lint("indexer/src/x.ts", `import { formatBps } from "app/src/lib/format";`), ["packageByName"]);
    assert.deepEqual(lint("app/src/x.tsx", `import { runKeeper } from "portfolio-stake/scripts/lib/keeper";`), [
      "packageByName",
    ]);
    assert.deepEqual(lint("packages/core/src/x.ts", `export * from "indexer/ponder.schema";`), ["packageByName"]);
    assert.deepEqual(lint("app/src/x.ts", `type S = import("indexer/ponder.schema").Settlement;`), ["packageByName"]);
    assert.deepEqual(lint("indexer/test/x.ts", `const m = await import("app/src/lib/x");`), ["packageByName"]);
  });

  it("refuses a relative import that climbs out of its package, and core reached by path", () => {
    assert.deepEqual(lint("indexer/test/x.ts", `import { runKeeper } from "../../scripts/lib/keeper";`), [
      "crossesPackage",
    ]);
    assert.deepEqual(lint("indexer/test/x.ts", `import { x } from "../../typechain-types";`), ["crossesPackage"]);
    assert.deepEqual(lint("scripts/x.ts", `import x = require("../app/src/lib/x");`), ["crossesPackage"]);
    assert.deepEqual(lint("app/src/x.ts", `import { TOTAL_BPS } from "../../packages/core/src/bps";`), ["coreByPath"]);
  });

  it("lets through imports within a package, core by name, dependencies and Node's modules", () => {
    assert.deepEqual(lint("app/src/lib/x.ts", `import { y } from "./y"; import { z } from "../z";`), []);
    assert.deepEqual(lint("indexer/test/x.ts", `import { log } from "./harness"; import "../ponder.schema";`), []);
    assert.deepEqual(lint("app/src/x.ts", `import { TOTAL_BPS } from "@portfolio-stake/core/bps";`), []);
    assert.deepEqual(lint("indexer/test/x.ts", `import { deploy } from "@portfolio-stake/core/devChain";`), []);
    assert.deepEqual(lint("app/src/x.ts", `import { useState } from "react"; import path from "node:path";`), []);
    assert.deepEqual(lint("scripts/x.ts", `import { y } from "./lib/y"; import "../test/helpers";`), []);
  });

  it("is switched off nowhere in the repository", () => {
    // (The pattern needs a space after the directive, so it does not match itself.)
    const directive = "eslint-disable(-next-line|-line)? .*portfolio-stake/package-boundaries";
    const grep = spawnSync("git", ["grep", "--untracked", "-n", "-E", directive], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    assert.equal(grep.status, 1, `git grep found eslint-disable comments for the rule:\n${grep.stdout}`); // 1: none
  });
});
