/**
 * demo.json: what `scripts/demo.ts` generated on a local chain (written to DEMO_DIR, default .demo). The app labels
 * models and accounts with its names; the indexer test and the app's end-to-end run find the demo's actors in it.
 */
import { isHexAddress, isModelIdHex, type Hex } from "./hex";

export const DEMO_FILE_NAME = "demo.json";

export interface DemoAccount {
  name: string;
  address: Hex;
  /** bytes16 model ids (0x + 32 hex digits) with the demo's human names. */
  models: { id: Hex; name: string }[];
}

export interface DemoFile {
  chainId: number;
  generatedAt: string;
  seed: number;
  stake: Hex;
  nmr: Hex;
  operator: Hex;
  /** bob's manager. */
  manager: Hex;
  firstRound: number;
  lastRound: number;
  publishedRounds: number[];
  /** Where the published rounds' leaf files are. */
  roundsDir: string;
  accounts: DemoAccount[];
  /** What happened when, in words. */
  actions: string[];
}

/** Parses demo.json's text; `source` names it in the error. Checks the fields readers rely on. */
export function parseDemoFile(text: string, source = DEMO_FILE_NAME): DemoFile {
  const demo = JSON.parse(text) as Partial<DemoFile> | null;
  if (
    !demo ||
    !isHexAddress(demo.stake) ||
    !isHexAddress(demo.operator) ||
    !isHexAddress(demo.manager) ||
    !Array.isArray(demo.accounts) ||
    !demo.accounts.every(
      (a) => isHexAddress(a.address) && Array.isArray(a.models) && a.models.every((m) => isModelIdHex(m.id)),
    ) ||
    typeof demo.roundsDir !== "string"
  ) {
    throw new Error(`${source} is not a demo file written by scripts/demo.ts: generate the demo again (npm start)`);
  }
  return demo as DemoFile;
}
