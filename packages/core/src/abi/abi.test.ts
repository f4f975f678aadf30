import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ABI_DIR, GENERATED_ABIS, readArtifactAbi, renderAbiModule } from "../../scripts/abiSources";

for (const source of GENERATED_ABIS) {
  test(`${source.file} matches ${source.artifact} (else: npm run generate:abi -w @portfolio-stake/core)`, () => {
    const expected = renderAbiModule(source.exportName, source.artifact, readArtifactAbi(source.artifact));
    const actual = readFileSync(path.join(ABI_DIR, source.file), "utf8");
    assert.equal(actual, expected);
  });
}
