import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allocationCsv, vectorFromCsv } from "./csv";
import { parseRebalanceCsv } from "@portfolio-stake/core/rebalanceFile";

const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const FREE = `0x${"0".repeat(32)}`;
const ids = Array.from({ length: 4 }, (_, i) => `0x${String(i + 1).padStart(32, "a")}`);
const names: Record<string, string> = { alice_00: ids[0]!, alice_01: ids[1]! };
const nameOf = (id: string) => Object.keys(names).find((n) => names[n] === id);

describe("allocationCsv: the editor's vector in the rebalance script's format", () => {
  test("the script's parser reads the export back to the same basis points", () => {
    const weights = [1250, 3333, 5417, 0];
    const csv = allocationCsv(ACCOUNT, ids, weights, nameOf);
    assert.match(csv, /^# portfolio-stake allocation/);
    assert.match(csv, /\naccount,model,weight\n/);
    assert.match(csv, /# alice_00: 12.50%\n/);
    const parsed = parseRebalanceCsv(csv);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.accounts[0]?.weights.map((w) => [w.modelId, w.bps]),
      ids.map((id, i) => [id, weights[i]]),
    );
  });
  test("a freed slot is left out", () => {
    const csv = allocationCsv(ACCOUNT, [ids[0]!, FREE], [10_000, 0], () => undefined);
    assert.ok(!csv.includes(FREE));
  });
});

describe("vectorFromCsv: imported with the rebalance script's parser, all or nothing", () => {
  test("round trip, and models by name or in any order", async () => {
    const csv = allocationCsv(ACCOUNT, ids, [4000, 3000, 2000, 1000], nameOf);
    assert.deepEqual(await vectorFromCsv(csv, ACCOUNT, ids, names), {
      ok: true,
      weights: [4000, 3000, 2000, 1000],
      rows: 4,
    });
    const byName = `account,model,weight\n${ACCOUNT},alice_01,60%\n${ACCOUNT},alice_00,40%\n`;
    assert.deepEqual(await vectorFromCsv(byName, ACCOUNT, ids, names), {
      ok: true,
      weights: [4000, 6000, 0, 0],
      rows: 2,
    });
  });
  test("a bad total, a bad weight, another account or a foreign model: refused with every problem", async () => {
    const short = await vectorFromCsv(`account,model,weight\n${ACCOUNT},${ids[0]},90%\n`, ACCOUNT, ids, names);
    assert.equal(short.ok, false);
    assert.match((short as { problems: string[] }).problems.join(), /10.00% short of 100%/);
    const comma = await vectorFromCsv(`account,model,weight\n${ACCOUNT},${ids[0]},"1,5%"\n`, ACCOUNT, ids, names);
    assert.equal(comma.ok, false);
    const other = await vectorFromCsv(`account,model,weight\n${OTHER},${ids[0]},100%\n`, ACCOUNT, ids, names);
    assert.deepEqual(other, { ok: false, problems: [`the file has rows for ${OTHER}, not this account`] });
    const foreign = `0x${"b".repeat(32)}`;
    const stranger = await vectorFromCsv(`account,model,weight\n${ACCOUNT},${foreign},100%\n`, ACCOUNT, ids, names);
    assert.deepEqual(stranger, {
      ok: false,
      problems: [`line 2: model ${foreign} is not one of this account's models`],
    });
    const header = await vectorFromCsv(`model,weight\n${ids[0]},100%\n`, ACCOUNT, ids, names);
    assert.equal(header.ok, false);
    assert.match((header as { problems: string[] }).problems.join(), /no "account" column/);
  });
});
