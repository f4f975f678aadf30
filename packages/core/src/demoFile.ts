/**
 * demo.json: what `scripts/demo.ts` generated on a local chain (written to DEMO_DIR, default .demo). The app labels
 * models and accounts with its names; the indexer test and the app's end-to-end run find the demo's actors in it.
 */
export const DEMO_FILE_NAME = "demo.json";

export interface DemoAccount {
  name: string;
  address: string;
  /** bytes16 model ids (0x + 32 hex digits) with the demo's human names. */
  models: { id: string; name: string }[];
}

export interface DemoFile {
  chainId: number;
  generatedAt: string;
  seed: number;
  stake: string;
  nmr: string;
  operator: string;
  /** bob's manager. */
  manager: string;
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
  const isAddress = (value: unknown) => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);
  if (
    !demo ||
    !isAddress(demo.stake) ||
    !isAddress(demo.operator) ||
    !isAddress(demo.manager) ||
    !Array.isArray(demo.accounts) ||
    !demo.accounts.every((a) => isAddress(a.address) && Array.isArray(a.models)) ||
    typeof demo.roundsDir !== "string"
  ) {
    throw new Error(`${source} is not a demo file written by scripts/demo.ts: generate the demo again (npm start)`);
  }
  return demo as DemoFile;
}
