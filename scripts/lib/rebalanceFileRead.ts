/** Reads rebalance files and names maps from disk for rebalanceFile.ts's parsers (kept apart: those run in the browser too). */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  isRecord,
  parseRebalanceCsv,
  parseRebalanceJson,
  type ParseOptions,
  type RebalanceRequest,
} from "@portfolio-stake/core/rebalanceFile";

/** Reads a names map file: a JSON object {"model name": "UUID or bytes16 ID"}. */
export function readNamesFile(file: string): Record<string, string> {
  if (!existsSync(file)) throw new Error(`names map ${file} does not exist`);
  const data = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!isRecord(data)) throw new Error(`${file}: expected a JSON object {"model name": "UUID or bytes16 ID"}`);
  return data as Record<string, string>;
}

/** Reads a .json or .csv rebalance file (by extension; other extensions: by content). */
export function readRebalanceFile(file: string, options: ParseOptions = {}): RebalanceRequest {
  if (!existsSync(file)) throw new Error(`rebalance file ${file} does not exist`);
  const text = readFileSync(file, "utf8");
  const extension = path.extname(file).toLowerCase();
  const json = extension === ".json" || (extension !== ".csv" && text.trimStart().startsWith("{"));
  const source = path.basename(file);
  return json ? parseRebalanceJson(text, { ...options, source }) : parseRebalanceCsv(text, { ...options, source });
}
