/**
 * Every script that approves goes through setAllowance (scripts/lib/allowance.ts), which follows NMR's approve rule
 * (only from or to zero; changeApproval otherwise): a direct `approve(` call anywhere else under scripts/ fails here,
 * since on the real NMR it reverts from a leftover allowance (issue 12, point 3).
 * Pure TypeScript: `node --import tsx --test scripts/lib/allowanceUse.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const SCRIPTS = path.join(__dirname, "..");
const ALLOWANCE = path.join(__dirname, "allowance.ts");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(file);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [file] : [];
  });
}

/** `file:line` of each direct approve / changeApproval call in `text` (comments aside). */
function directApproves(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) =>
      /\.(approve|changeApproval)\s*\(/.test(line.replace(/\/\/.*$/, "")) && !/^\s*\*/.test(line)
        ? [`${path.relative(SCRIPTS, file)}:${i + 1}: ${line.trim()}`]
        : [],
    );
}

describe("scripts approve only through setAllowance", () => {
  it("finds a direct approve call (the check itself)", () => {
    assert.equal(directApproves("x.ts", "  await nmr.connect(s).approve(stake, max, gas);\n").length, 1);
    assert.equal(directApproves("x.ts", " * a comment about nmr.approve(x)\n// nmr.approve(y)\n").length, 0);
  });

  it("no script under scripts/ calls approve or changeApproval itself", () => {
    const found = sources(SCRIPTS)
      .filter((file) => file !== ALLOWANCE)
      .flatMap((file) => directApproves(file, readFileSync(file, "utf8")));
    assert.deepEqual(found, [], `use setAllowance (scripts/lib/allowance.ts) instead:\n${found.join("\n")}`);
  });
});
