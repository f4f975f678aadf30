/**
 * First-load JavaScript per page, measured on a running `next start` (Next 16 no longer prints it): every
 * <script src> a page's HTML loads, gzipped (what the browser downloads). Fails when a page exceeds the budget.
 *
 *   node --import tsx scripts/first-load-js.ts http://127.0.0.1:3100 / /account/0x… [--budget-kb 250]
 */
import { gzipSync } from "node:zlib";

async function main() {
  const args = process.argv.slice(2);
  const budgetIndex = args.indexOf("--budget-kb");
  const budgetKb = budgetIndex >= 0 ? Number(args.splice(budgetIndex, 2)[1]) : 250;
  const [base, ...paths] = args;
  if (!base || paths.length === 0) throw new Error("usage: first-load-js.ts <base-url> <path>… [--budget-kb n]");
  const sizes = new Map<string, { raw: number; gzip: number }>();
  const sizeOf = async (src: string) => {
    if (!sizes.has(src)) {
      const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
      sizes.set(src, { raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
    }
    return sizes.get(src)!;
  };
  let over = false;
  console.log("page".padEnd(64), "scripts", "  raw kB", " gzip kB");
  for (const path of paths) {
    const response = await fetch(new URL(path, base));
    if (response.status === 404) {
      console.log(path.padEnd(64), "   (no such page in this build: HTTP 404)");
      continue;
    }
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const html = await response.text();
    const sources = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]);
    const scripts = [...new Set(sources.filter((src) => src !== undefined))];
    let raw = 0;
    let gzip = 0;
    for (const src of scripts) {
      const s = await sizeOf(src);
      raw += s.raw;
      gzip += s.gzip;
    }
    const kb = gzip / 1024;
    if (kb > budgetKb) over = true;
    console.log(
      path.padEnd(64),
      String(scripts.length).padStart(7),
      (raw / 1024).toFixed(1).padStart(8),
      kb.toFixed(1).padStart(8),
      kb > budgetKb ? `> ${budgetKb} kB budget` : "",
    );
  }
  if (over) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
