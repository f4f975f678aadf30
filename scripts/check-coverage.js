// Fails unless every coverage metric of contracts/ reaches the minimum (default 100%).
const { readFileSync } = require("node:fs");
const min = Number(process.argv[2] ?? 100);
const { total } = JSON.parse(readFileSync("coverage/coverage-summary.json", "utf8"));
let failed = false;
for (const metric of ["lines", "statements", "functions", "branches"]) {
  const { pct, covered, total: all } = total[metric];
  const ok = pct >= min;
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "FAIL"} ${metric.padEnd(10)} ${pct}% (${covered}/${all}), minimum ${min}%`);
}
if (failed) process.exit(1);
