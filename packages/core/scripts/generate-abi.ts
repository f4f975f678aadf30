/**
 * Writes src/abi/*Abi.ts from the compiled Hardhat artifacts, as `as const` literals so viem and wagmi infer
 * argument and return types. Run after changing the contracts: `npm run generate:abi -w @portfolio-stake/core`
 * (needs `npx hardhat compile` at the root first). src/abi/abi.test.ts fails when a generated file is out of date.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ABI_DIR, GENERATED_ABIS, readArtifactAbi, renderAbiModule } from "./abiSources";

for (const source of GENERATED_ABIS) {
  const abi = readArtifactAbi(source.artifact);
  const file = path.join(ABI_DIR, source.file);
  writeFileSync(file, renderAbiModule(source.exportName, source.artifact, abi));
  console.log(`${path.relative(process.cwd(), file)}: ${abi.length} entries from ${source.artifact}`);
}
