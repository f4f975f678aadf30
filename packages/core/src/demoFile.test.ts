import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDemoFile, type DemoFile } from "./demoFile";
import { hexAddress, modelIdHex } from "./hex";

const ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const demo: DemoFile = {
  chainId: 31337,
  generatedAt: "2026-12-01T00:00:00.000Z",
  seed: 1,
  stake: ADDRESS,
  nmr: ADDRESS,
  operator: ADDRESS,
  manager: ADDRESS,
  firstRound: 1,
  lastRound: 2,
  publishedRounds: [1],
  roundsDir: "/tmp/rounds",
  accounts: [{ name: "alice", address: ADDRESS, models: [{ id: `0x${"ab".repeat(16)}`, name: "alice-1" }] }],
  actions: [],
};

test("demo.json: what scripts/demo.ts writes reads back; a file missing what readers rely on is refused in words", () => {
  assert.deepEqual(parseDemoFile(JSON.stringify(demo)), demo);
  for (const broken of [
    { ...demo, stake: "0x12" },
    { ...demo, accounts: [{ ...demo.accounts[0], models: [{ id: "0x12", name: "short" }] }] },
    { ...demo, roundsDir: undefined },
    null,
  ]) {
    assert.throws(() => parseDemoFile(JSON.stringify(broken), "x/demo.json"), /x\/demo\.json is not a demo file/);
  }
});

test("hex checks: addresses and bytes16 model ids, with what was wrong", () => {
  assert.equal(hexAddress(ADDRESS), ADDRESS);
  assert.throws(() => hexAddress("0x1234", "SIGNER"), /SIGNER is not a 0x address: "0x1234"/);
  assert.equal(modelIdHex(`0x${"0".repeat(32)}`), `0x${"0".repeat(32)}`);
  assert.throws(() => modelIdHex(ADDRESS), /not a bytes16 model id/);
});
