/**
 * Settlement is idempotent (review finding "One front-run settle reverts a keeper's whole settleBatch"): results for
 * rounds an account already settled are skipped, an account already up to date is a no-op, so a keeper whose batch
 * was overtaken still settles everything else. Money is checked by effect: token balances and the token's supply.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { FIRST_ROUND, NMR, RATE, deployFixture, modelIds } from "../helpers/fixtures";
import { SettlementHarness, settledEvents } from "../helpers/settlement";
import type { PlainRate } from "@portfolio-stake/core/results";

const R0 = FIRST_ROUND;
const OTHERS = modelIds("other-participant", 12);

function rates(models: string[], percents: number[]): PlainRate[] {
  return models.map((modelId, i) => ({ modelId, rate: (RATE(1) * BigInt(percents[i]! * 100)) / 10_000n }));
}

/**
 * alice, bob and carol stake and allocate; a small pool (so it runs short and order matters); rounds R0..R0+2
 * published with gains and losses for everyone.
 */
async function publishedFixture() {
  const fx = await deployFixture();
  const { alice, bob, carol, operator, models } = fx;
  const h = await SettlementHarness.attach(fx, [alice.address, bob.address, carol.address]);
  await h.fund(operator, NMR(40));
  await h.deposit(alice, NMR(1000));
  await h.deposit(bob, NMR(2000));
  await h.deposit(carol, NMR(500));
  await h.allocate(alice, [4000, 3000, 2000, 1000]);
  await h.allocate(bob, [10_000, 0, 0, 0]);
  await h.allocate(carol, [0, 5000, 5000, 0]);
  for (let k = 0; k < 3; k++) await h.open();
  const table: [number, number, number, number][] = [
    [-3, 2, 1, -1],
    [2, 2, -4, 5],
    [-5, 1, 3, 3],
  ];
  for (const [k, row] of table.entries()) {
    await h.publish(R0 + BigInt(k), [
      ...rates(models.alice, row),
      ...rates(models.bob, [row[2], row[0], row[1], row[3]]),
      ...rates(models.carol, [row[3], row[2], row[0], row[1]]),
      ...OTHERS.map((modelId, i) => ({ modelId, rate: RATE((i % 5) - 2) / 100n })),
    ]);
  }
  return { ...fx, h };
}

async function fork() {
  const fx = await loadFixture(publishedFixture);
  return { ...fx, h: fx.h.fork() };
}

describe("Idempotent settlement: a front-run never fails a keeper's batch", function () {
  it("front-running one account of a batch: the batch still succeeds, settles the others and the rest of that account, to the wei", async function () {
    const { h, stake, nmr, alice, bob, carol, keeper, outsider } = await fork();
    // The keeper plans R0..R0+2 for everyone...
    const planned = [alice, bob, carol].map((s) => h.results(s.address, R0, R0 + 2n));
    // ...and someone settles bob's first two rounds first.
    await h.settle(bob.address, R0 + 1n, { keeper: outsider });

    const stakeAddress = await stake.getAddress();
    const [supply, held] = [await nmr.totalSupply(), await nmr.balanceOf(stakeAddress)];
    const receipt = (await (await stake.connect(keeper).settleBatch(planned)).wait())!;
    const expected = [
      ...h.ref.settleUpTo(alice.address, R0 + 2n),
      ...h.ref.settleUpTo(bob.address, R0 + 2n), // only R0+2 is left for bob
      ...h.ref.settleUpTo(carol.address, R0 + 2n),
    ];
    const events = settledEvents(stake, receipt);
    expect(events).to.deep.equal(expected);
    expect(events.filter((e) => e.account === bob.address).map((e) => e.round)).to.deep.equal([R0 + 2n]);
    for (const s of [alice, bob, carol]) await h.check(s.address);

    // Money by effect: the burned NMR left the contract and the token's supply, nothing else moved.
    const burned = expected.reduce((x, e) => x + e.burned, 0n);
    expect(burned).to.be.greaterThan(0n);
    expect(supply - (await nmr.totalSupply())).to.equal(burned);
    expect(held - (await nmr.balanceOf(stakeAddress))).to.equal(burned);
  });

  it("an account settled entirely by someone else is a no-op in the batch (no event, no revert, no token moved)", async function () {
    const { h, stake, nmr, alice, bob, keeper, outsider } = await fork();
    const planned = [h.results(alice.address, R0, R0 + 2n), h.results(bob.address, R0, R0 + 2n)];
    await h.settle(alice.address, R0 + 2n, { keeper: outsider });
    const supply = await nmr.totalSupply();
    const receipt = (await (await stake.connect(keeper).settleBatch(planned)).wait())!;
    const events = settledEvents(stake, receipt);
    const expected = h.ref.settleUpTo(bob.address, R0 + 2n);
    expect(events).to.deep.equal(expected);
    expect(supply - (await nmr.totalSupply())).to.equal(expected.reduce((x, e) => x + e.burned, 0n));
    await h.check(alice.address);
    await h.check(bob.address);

    // A single settle of an up-to-date account: nothing happens.
    const before = [await nmr.totalSupply(), await stake.accountOf(alice.address), await stake.totals()];
    await expect(stake.connect(keeper).settle(planned[0]!)).not.to.emit(stake, "Settled");
    expect([await nmr.totalSupply(), await stake.accountOf(alice.address), await stake.totals()]).to.deep.equal(before);
  });

  it("the same account twice in one batch: the second entry is skipped", async function () {
    const { h, stake, alice, keeper } = await fork();
    const entry = h.results(alice.address, R0, R0 + 1n);
    const receipt = (await (await stake.connect(keeper).settleBatch([entry, entry])).wait())!;
    expect(settledEvents(stake, receipt)).to.deep.equal(h.ref.settleUpTo(alice.address, R0 + 1n));
    await h.check(alice.address);
  });

  it("what is not a front-run still reverts: a gap after the skipped rounds (RoundOutOfOrder)", async function () {
    const { h, stake, alice, keeper } = await fork();
    await h.settle(alice.address, R0);
    const stale = h.results(alice.address, R0, R0).results[0]!;
    const gap = h.results(alice.address, R0 + 2n, R0 + 2n).results[0]!;
    await expect(
      stake
        .connect(keeper)
        .settle({ account: alice.address, models: h.ref.modelsOf(alice.address), results: [stale, gap] }),
    )
      .to.be.revertedWithCustomError(stake, "RoundOutOfOrder")
      .withArgs(alice.address, R0 + 1n, R0 + 2n);
  });
});
