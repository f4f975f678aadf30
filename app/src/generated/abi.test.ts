import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { GENERATED_ABIS, readArtifactAbi, renderAbiModule } from "../../scripts/abiSources";

for (const source of GENERATED_ABIS) {
  test(`${source.file} matches ${source.artifact} (else: npm run generate:abi -w app)`, () => {
    const expected = renderAbiModule(source.exportName, source.artifact, readArtifactAbi(source.artifact));
    const actual = readFileSync(path.join(__dirname, source.file), "utf8");
    assert.equal(actual, expected);
  });
}
