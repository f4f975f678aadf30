/**
 * The command line of `npm run suggest` (scripts/suggest.ts): flags, each with the environment variable that sets it
 * under `npx hardhat run` (which passes no arguments to a script).
 */
import { parseWeightSetting } from "@portfolio-stake/core/suggest/core";
import { TOTAL_BPS } from "@portfolio-stake/core/bps";

/** Command-line flags, each with its environment variable (the only way in under `hardhat run`). */
export interface Args {
  evaluate: boolean;
  results?: string;
  delay?: number;
  window: number;
  minRates: number;
  every: number;
  minBps: number;
  maxBps: number;
  scoreConfig: string;
  sliceDivisor: number;
  markdown: boolean;
  network?: string;
}

const FLAGS = ["evaluate", "markdown"] as const;
const OPTIONS = [
  "results",
  "delay",
  "window",
  "min-rates",
  "every",
  "min-weight",
  "max-weight",
  "score-config",
  "slice-divisor",
  "network",
] as const;

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Args {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = (argv[i] ?? "").replace(/^--/, "");
    if ((FLAGS as readonly string[]).includes(name)) given.set(name, "1");
    else if ((OPTIONS as readonly string[]).includes(name)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
      given.set(name, value);
    } else
      throw new Error(
        `unknown argument "${argv[i] ?? ""}"; flags: ${[...FLAGS, ...OPTIONS].map((f) => `--${f}`).join(", ")}`,
      );
  }
  const text = (name: string, variable: string) => given.get(name) ?? env[variable];
  const whole = (name: string, variable: string, fallback: number | undefined, min: number) => {
    const t = text(name, variable);
    if (t === undefined || t.trim() === "") return fallback;
    const n = Number(t);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} (${variable})="${t}" must be a whole number of at least ${min}`);
    return n;
  };
  return {
    evaluate: given.has("evaluate") || env.EVALUATE === "1",
    results: text("results", "RESULTS_FILE"),
    delay: whole("delay", "DELAY", undefined, 0),
    window: whole("window", "WINDOW", 60, 2)!,
    minRates: whole("min-rates", "MIN_RATES", 20, 2)!,
    every: whole("every", "EVERY", 1, 1)!,
    minBps: parseWeightSetting(text("min-weight", "MIN_WEIGHT"), 0, "MIN_WEIGHT"),
    maxBps: parseWeightSetting(text("max-weight", "MAX_WEIGHT"), TOTAL_BPS, "MAX_WEIGHT"),
    scoreConfig: text("score-config", "SCORE_CONFIG") ?? "numerai-2026-atomic",
    sliceDivisor: whole("slice-divisor", "SLICE_DIVISOR", 64, 1)!,
    markdown: given.has("markdown"),
    network: given.get("network"),
  };
}
