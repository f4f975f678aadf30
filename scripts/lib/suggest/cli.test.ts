/**
 * `npm run suggest -- --evaluate --results <file>` end to end, without a chain: the table for a results file, and
 * a plain message with exit status 1 for a bad argument. Run: node --import tsx --test scripts/lib/suggest/cli.test.ts
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/suggest.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, HARDHAT_NETWORK: "no-such-network" }, // the file path must not touch hardhat at all
    timeout: 120_000,
  });

describe("npm run suggest -- --evaluate (scripts/suggest.ts)", function () {
  it("prints the walk-forward table for a results file, no chain needed", function () {
    const dir = mkdtempSync(path.join(tmpdir(), "suggest-cli-"));
    const file = path.join(dir, "rates.csv");
    // Wide CSV of rates: model a earns 1% a round, b loses 1%, c alternates.
    const rows = Array.from({ length: 40 }, (_, r) => `${100 + r},0.01,-0.01,${r % 2 ? 0.02 : -0.02}`);
    writeFileSync(
      file,
      ["round,0x" + "a".repeat(32) + ",0x" + "b".repeat(32) + ",0x" + "c".repeat(32), ...rows].join("\n"),
    );
    const out = run(["--evaluate", "--results", file, "--delay", "3", "--min-rates", "5", "--window", "10"]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /Walk-forward evaluation: 3 models, results file/);
    assert.match(out.stdout, /Rounds 108-139 \(32\)/); // 3 rounds to be public + 5 known results after round 100
    for (const label of ["Equal weight", "Minimum variance (shrunk)", "Risk parity", "Best single model in hindsight"])
      assert.match(out.stdout, new RegExp(label.replace(/[()]/g, "\\$&")));
    // Equal weight earns (1 − 1 ± 2) / 3 % a round: a mean of 0 over an even number of rounds.
    assert.match(out.stdout, /Equal weight\s+(\+|-)?0\.00%/);
  });

  it("refuses a bad argument in words, with exit status 1", function () {
    const out = run(["--evaluate", "--window", "x"]);
    assert.equal(out.status, 1);
    assert.match(out.stderr, /--window \(WINDOW\)="x" must be a whole number/);
  });
});
