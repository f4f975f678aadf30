import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { timeline } from "./timeline";
import type { AccountEvent } from "./types";

const E18 = 10n ** 18n;
const at = (block: number, logIndex = 0) => ({ blockNumber: BigInt(block), logIndex, txHash: `0x${block}` as `0x${string}` });

describe("account timeline", () => {
  it("lists events newest first, in words, with amounts in NMR", () => {
    const events: AccountEvent[] = [
      { ...at(1), kind: "deposited", amount: 1000n * E18, balance: 1000n * E18, effectiveRound: 3 },
      { ...at(2, 1), kind: "allocation-set", effectiveRound: 3, by: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", weights: [7500, 0, 2500] },
      { ...at(9), kind: "settled", round: 3, stakeAtRisk: 1000n * E18, rates: [], delta: -(25n * E18) / 2n, paid: 0n, burned: (25n * E18) / 2n, unpaidRewards: 0n, balance: 9875n * E18 / 10n },
      { ...at(2, 0), kind: "model-registered", modelId: "0x11111111111111111111111111111111", slot: 0 },
    ];
    const rows = timeline(events, (slot) => `m${slot}`);
    assert.deepEqual(rows.map((r) => r.title), ["Round 3 settled", "Reallocation", "Model registered", "Deposit"]);
    assert.equal(rows[0].detail, "-12.50 NMR (-1.25% of 1,000.00 at risk), balance 987.50 NMR");
    assert.equal(rows[1].detail, "from round 3: m0 75.00%, m2 25.00% (by 0x7099…79C8)");
    assert.equal(rows[3].detail, "+1,000.00 NMR, balance 1,000.00 NMR, at risk from round 3");
  });
});
