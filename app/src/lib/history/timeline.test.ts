import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signedPercent, timeline } from "./timeline";
import type { AccountEvent } from "@portfolio-stake/core/history";

const E18 = 10n ** 18n;
const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const MANAGER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" as const;
const at = (block: number, logIndex = 0) => ({
  blockNumber: BigInt(block),
  logIndex,
  openRound: block > 5 ? 4 : 2,
  txHash: `0x${block}` as `0x${string}`,
});
const names = {
  model: (slot: number) => `m${slot}`,
  address: (a: string) => (a === MANAGER ? "bob's manager" : undefined),
};

describe("account timeline", () => {
  it("lists events newest first, in words, with signed NMR amounts and the round open at the time", () => {
    const events: AccountEvent[] = [
      { ...at(1), kind: "deposited", amount: 1000n * E18, balance: 1000n * E18, effectiveRound: 3 },
      { ...at(2, 1), kind: "allocation-set", effectiveRound: 3, by: ACCOUNT, weights: [7500, 0, 2500] },
      {
        ...at(9),
        kind: "settled",
        round: 3,
        stakeAtRisk: 1000n * E18,
        rates: [-(E18 / 60n), 0n, 0n],
        delta: -(25n * E18) / 2n,
        paid: 0n,
        burned: (25n * E18) / 2n,
        unpaidRewards: 0n,
        balance: (9875n * E18) / 10n,
      },
      { ...at(2, 0), kind: "model-registered", modelId: "0x11111111111111111111111111111111", slot: 0 },
      { ...at(8), kind: "allocation-set", effectiveRound: 5, by: MANAGER, weights: [0, 10_000, 0] },
    ];
    const rows = timeline(events, names, ACCOUNT);
    assert.deepEqual(
      rows.map((r) => r.title),
      ["Round 3 settled", "Reallocation", "Reallocation", "Model registered", "Deposit"],
    );
    assert.deepEqual(
      rows.map((r) => r.amount),
      [-(25n * E18) / 2n, null, null, null, 1000n * E18],
    );
    assert.equal(rows[0]?.detail, "-1.25% of 1,000.00 NMR at risk, balance 987.50 NMR");
    assert.equal(rows[1]?.detail, "from round 5: m1 100.00% (by bob's manager (0x9965…A4dc))");
    assert.equal(rows[2]?.detail, "from round 3: m0 75.00%, m2 25.00% (by the account)");
    assert.equal(rows[3]?.detail, "m0 in slot 0");
    assert.equal(rows[4]?.detail, "balance 1,000.00 NMR, at risk from round 3");
    assert.deepEqual(
      rows.map((r) => r.openRound),
      [4, 4, 2, 2, 2],
    );
    assert.deepEqual(
      rows.map((r) => r.txHash),
      ["0x9", "0x8", "0x2", "0x2", "0x1"],
    );
  });

  it("describes managers, withdrawals, owed rewards and rounds without a result", () => {
    const events: AccountEvent[] = [
      { ...at(1), kind: "manager-set", manager: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" },
      { ...at(2), kind: "manager-set", manager: "0x0000000000000000000000000000000000000000" },
      {
        ...at(3),
        kind: "withdrawal-requested",
        amount: 40n * E18,
        pendingWithdrawal: 140n * E18,
        balance: 60n * E18,
        lastAtRiskRound: 7,
        releaseAt: 1_767_225_600,
      },
      { ...at(4), kind: "withdrawal-claimed", amount: 140n * E18 },
      {
        ...at(6),
        kind: "settled",
        round: 5,
        stakeAtRisk: 200n * E18,
        rates: [E18 / 50n],
        delta: 3n * E18,
        paid: 1n * E18,
        burned: 0n,
        unpaidRewards: 2n * E18,
        balance: 201n * E18,
      },
      {
        ...at(7),
        kind: "settled",
        round: 6,
        stakeAtRisk: 200n * E18,
        rates: [0n],
        delta: 0n,
        paid: 0n,
        burned: 0n,
        unpaidRewards: 2n * E18,
        balance: 201n * E18,
      },
    ];
    const rows = timeline(events, names, ACCOUNT);
    assert.deepEqual(
      rows.map((r) => r.title),
      [
        "Round 6 settled",
        "Round 5 settled",
        "Withdrawal claimed",
        "Withdrawal requested",
        "Manager set",
        "Manager set",
      ],
    );
    assert.equal(
      rows[0]?.detail,
      "no result (0% of 200.00 NMR at risk), balance 201.00 NMR, 2.00 NMR of rewards owed in all",
    );
    assert.equal(
      rows[1]?.detail,
      "+1.50% of 200.00 NMR at risk (the pool was short: 2.00 NMR of the gain owed), balance 201.00 NMR, 2.00 NMR of rewards owed in all",
    );
    // What the account holds grew by what the pool paid, not by the whole gain.
    assert.equal(rows[1]?.amount, 1n * E18);
    assert.deepEqual([rows[2]?.amount, rows[3]?.amount], [-140n * E18, null]);
    assert.equal(
      rows[3]?.detail,
      "40.00 NMR from the balance to pending (pending 140.00, balance 60.00 NMR); at risk up to round 7, claimable from 2026-01-01 00:00 UTC",
    );
    assert.equal(rows[4]?.detail, "manager removed");
    assert.equal(rows[5]?.detail, "manager 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  });

  it("describes owed rewards claimed and refills the account funded, with how each refill was split", () => {
    const events: AccountEvent[] = [
      {
        ...at(8),
        kind: "rewards-funded",
        amount: 10n * E18,
        toOwed: 4n * E18,
        pool: 6n * E18,
        owedTotal: 0n,
        owedFactor: 10n ** 36n,
        owedEpoch: 2,
        owedScale: 0,
      },
      {
        ...at(9),
        kind: "rewards-funded",
        amount: 1n * E18,
        toOwed: 1n * E18,
        pool: 0n,
        owedTotal: 3n * E18,
        owedFactor: 75n * 10n ** 34n,
        owedEpoch: 2,
        owedScale: 0,
      },
      { ...at(10), kind: "rewards-claimed", amount: E18 / 4n, unpaidRewards: 3n * E18, balance: 100n * E18 },
      { ...at(11), kind: "rewards-claimed", amount: 3n * E18, unpaidRewards: 0n, balance: 103n * E18 },
    ];
    const rows = timeline(events, names, ACCOUNT);
    assert.deepEqual(
      rows.map((r) => [r.title, r.amount]),
      [
        ["Owed rewards claimed", 3n * E18],
        ["Owed rewards claimed", E18 / 4n],
        ["Rewards funded", null],
        ["Rewards funded", null],
      ],
    );
    assert.match(
      rows[0]!.detail,
      /^3\.00 NMR that refills paid .* credited to the stake \(balance 103\.00 NMR\); nothing more owed$/,
    );
    assert.match(rows[1]!.detail, /; 3\.00 NMR still owed$/);
    assert.equal(
      rows[2]!.detail,
      "1.00 NMR added: 1.00 NMR paid owed rewards (every owed account the same share), 0.00 NMR to the pool (now 0.00 NMR); 3.00 NMR still owed in all (owed factor 750000000000000000000000000000000000, epoch 2)",
    );
    assert.match(
      rows[3]!.detail,
      /4\.00 NMR paid owed rewards .* 6\.00 NMR to the pool \(now 6\.00 NMR\); nothing owed any more/,
    );
  });

  it("describes unprovable settlements, model proposals, unbinding and cancelled signatures", () => {
    const modelId = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" as const;
    const events: AccountEvent[] = [
      { ...at(1), kind: "model-proposed", modelId },
      { ...at(2), kind: "model-proposal-cancelled", modelId },
      { ...at(3), kind: "model-unbound", modelId, slot: 1, by: ACCOUNT },
      { ...at(4), kind: "nonces-invalidated", nonce: 41n },
      {
        ...at(6),
        kind: "settled",
        round: 5,
        stakeAtRisk: 200n * E18,
        rates: [0n, 0n],
        delta: 0n,
        paid: 0n,
        burned: 0n,
        unpaidRewards: 0n,
        balance: 200n * E18,
        unprovable: true,
      },
    ];
    const rows = timeline(events, { ...names, modelById: (id) => `model<${id.slice(2, 6)}>` }, ACCOUNT);
    assert.deepEqual(
      rows.map((r) => [r.title, r.detail]),
      [
        ["Round 5 settled", "settled as unprovable (counts as zero) on 200.00 NMR at risk, balance 200.00 NMR"],
        ["Signatures cancelled", "every signed request with a nonce up to 41 can no longer be used"],
        ["Model unbound", "model<aaaa> left slot 1 (by the account); the slot is free"],
        ["Model proposal cancelled", "the proposal of model<aaaa> was withdrawn, declined or replaced"],
        ["Model proposed", "the operator proposed model<aaaa>; it is bound once the account accepts it"],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.amount),
      [0n, null, null, null, null],
    );
  });

  it("describes rounds settled together (settleSpans) as one row with their net result", () => {
    const span = {
      ...at(12),
      kind: "span-settled" as const,
      fromRound: 3,
      toRound: 22,
      stakeAtRisk: 100n * E18,
      rateSums: [E18 / 4n, 0n],
      delta: -(7n * E18) / 2n,
      paid: 0n,
      burned: (7n * E18) / 2n,
      unpaidRewards: 0n,
      balance: 6_396n * E18 + E18 / 2n,
    };
    const gain = { ...span, ...at(13), delta: 5n * E18, paid: 3n * E18, burned: 0n, unpaidRewards: 2n * E18 };
    const rows = timeline([span, gain], names, ACCOUNT);
    assert.deepEqual(
      rows.map((r) => [r.title, r.amount, r.detail]),
      [
        [
          "Rounds 3–22 settled together: +5.00 NMR",
          3n * E18,
          "20 rounds with the same stake and vector, 100.00 NMR at risk in each, settled as one: their gains and losses net (the pool was short: 2.00 NMR of the gain owed), balance 6,396.50 NMR, 2.00 NMR of rewards owed in all",
        ],
        [
          "Rounds 3–22 settled together: -3.50 NMR",
          -(7n * E18) / 2n,
          "20 rounds with the same stake and vector, 100.00 NMR at risk in each, settled as one: their gains and losses net, balance 6,396.50 NMR",
        ],
      ],
    );
  });

  it("writes percentages with a sign, keeping tiny non-zero ones visible", () => {
    assert.deepEqual([0.0293, -0.0125, 0, -0.000005, 0.00004].map(signedPercent), [
      "+2.93%",
      "-1.25%",
      "0.00%",
      "-0.0005%",
      "+0.004%",
    ]);
  });
});
