/**
 * Exposure and owed rewards, against the chain. Runs last: it moves the chain's clock four weeks forward.
 *   1. A demo account's exposure sentence ("round r risks X NMR; the N open rounds risk at most Y NMR in all") equals
 *      what the contract says, recomputed here from sliceAt, roundInfo and stakeAt, and never exceeds the stake.
 *   2. A whale stakes so much that one round at +100% of its slice pays more than the whole rewards pool: the rest is
 *      owed. A refill pays half of it; the page shows what is owed and claimable, and the Claim button (the whale's
 *      own wallet) credits the stake with exactly the claimable amount.
 */
import { expect, test } from "@playwright/test";
import type { Abi, Address, Hex } from "viem";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { formatNmr } from "../src/lib/format";
import { at } from "@portfolio-stake/core/checks";
import { accountRoundResult, buildRoundTree, withCumulatives } from "@portfolio-stake/core/results";
import {
  accountOf,
  answerWallet,
  chain,
  connectDevWallet,
  demo,
  demoAccount,
  screenshot,
  send,
  setAllowance,
} from "./helpers";

const E = 10n ** 18n;
const DAY = 86_400;
const OPERATOR = 0; // the demo's operator (DEMO_ROLES)
const WHALE = 8; // a development account the demo does not use

// Function names and arguments as plain strings and values.
const anyAbi: Abi = portfolioStakeAbi;
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.readContract({ address: demo().stake, abi: anyAbi, functionName, args }) as Promise<T>;

async function passTime(seconds: number) {
  await chain.request<{ Parameters: [number]; ReturnType: unknown }>({ method: "evm_increaseTime", params: [seconds] });
  await chain.request<{ Parameters: undefined; ReturnType: unknown }>({ method: "evm_mine" });
}

/** The chain's "now" as the app takes it: the later of the latest and the pending block's time. */
async function chainTime() {
  const [latest, pending] = await Promise.all([
    chain.getBlock({ blockTag: "latest" }),
    chain.getBlock({ blockTag: "pending" }),
  ]);
  return latest.timestamp > pending.timestamp ? latest.timestamp : pending.timestamp;
}

/**
 * Exposure from the contract's own views: the next round's slice (also stake / R), the rounds opened and not past
 * their proof deadline, and the sum of their slice x cap.
 */
async function exposureFromChain(account: Address) {
  const current = await read<number>("currentRound");
  const { sliceDivisor } = await read<{ sliceDivisor: number }>("parameters");
  const nextSlice = await read<bigint>("sliceAt", [account, current + 1]);
  expect(nextSlice).toBe((await read<bigint>("stakeAt", [account, current + 1])) / BigInt(sliceDivisor));
  const now = await chainTime();
  let open = 0;
  let openMax = 0n;
  for (let r = current; r >= 1; r--) {
    const info = await read<{ proofDeadline: number; rateCap: bigint; sliceDivisor: number }>("roundInfo", [r]);
    if (BigInt(info.proofDeadline) < now) break;
    const slice = await read<bigint>("sliceAt", [account, r]);
    expect(slice).toBe((await read<bigint>("stakeAt", [account, r])) / BigInt(info.sliceDivisor));
    open++;
    openMax += (slice * info.rateCap) / E;
  }
  return { nextRound: current + 1, nextSlice, open, openMax };
}

async function expectExposureShown(page: import("@playwright/test").Page, account: Address) {
  const want = await exposureFromChain(account);
  const sentence = page.getByTestId("exposure-sentence");
  await expect(sentence).toHaveAttribute("data-next-round", String(want.nextRound));
  await expect(sentence).toHaveAttribute("data-next-slice", want.nextSlice.toString());
  await expect(sentence).toHaveAttribute("data-open-count", String(want.open));
  await expect(sentence).toHaveAttribute("data-open-max", want.openMax.toString());
  await expect(sentence).toHaveText(
    `Round ${want.nextRound} risks ${formatNmr(want.nextSlice)} NMR; the ${want.open === 1 ? "1 open round risks" : `${want.open} open rounds risk`} at most ${formatNmr(want.openMax)} NMR in all.`,
  );
  await expect(page.getByTestId("exposure")).toContainText("opened and not past their proof deadline");
  return want;
}

test("exposure: the next round's slice and the most the open rounds can take, as the contract says", async ({
  page,
}) => {
  const alice = demoAccount("alice");
  await page.goto(`/account/${alice.address}`);
  const want = await expectExposureShown(page, alice.address);
  expect(want.open).toBeGreaterThan(1); // the demo leaves rounds open
  const view = await accountOf(alice.address);
  expect(want.openMax).toBeGreaterThan(0n);
  expect(want.openMax).toBeLessThanOrEqual(view.balance + view.pendingWithdrawal); // no leverage
  // The open rounds' table lists each round's slice.
  await page.locator("summary", { hasText: `The ${want.open} open rounds` }).click();
  await expect(page.getByTestId("open-rounds").locator("tbody tr")).toHaveCount(want.open);
  await screenshot(page, "70-exposure");
});

test("owed rewards: a short pool, a partial refill, and a claim that adds exactly the claimable amount", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const whale = at(DEV_ACCOUNTS, WHALE, "dev accounts").address;
  const model: Hex = "0x7e57000000000000000000000000beef";
  const [, , pool] = await read<readonly [bigint, bigint, bigint, bigint, bigint]>("totals");
  expect(pool).toBeGreaterThan(0n);
  const { sliceDivisor } = await read<{ sliceDivisor: number }>("parameters");

  // The whale's slice (stake / R) is 1.5 pools: a round at +100% of it gains more than the pool holds.
  const amount = (pool * BigInt(sliceDivisor) * 3n) / 2n;
  await send(OPERATOR, "proposeModels", [whale, [model]]);
  await send(WHALE, "acceptModels", [[model]]);
  await send(WHALE, "faucet", [whale, amount], true);
  await setAllowance(WHALE, amount);
  await send(WHALE, "deposit", [amount]);
  await send(WHALE, "setAllocation", [[model], [10_000]]);

  // Its first round opens, resolves four weeks later and is published with the model at the round's cap.
  await passTime(DAY);
  await send(OPERATOR, "openRound", []);
  const round = await read<number>("currentRound");
  const info = await read<{ resolvesAt: number; rateCap: bigint }>("roundInfo", [round]);
  await passTime(Number(info.resolvesAt) - Number(await chainTime()) + 60);
  const tree = buildRoundTree(
    round,
    withCumulatives(
      [
        { modelId: model, rate: info.rateCap },
        { modelId: "0x00000000000000000000000000000001", rate: 0n },
      ],
      undefined, // the first round this chain publishes
      info.rateCap,
    ),
  );
  await send(OPERATOR, "publishRound", [round, tree.root, "e2e://owed-rewards"]);
  const result = accountRoundResult(round, tree, [model]);
  await send(OPERATOR, "settle", [{ account: whale, models: [model], results: [{ ...result, round }] }]);
  const short = await accountOf(whale);
  const gain = ((amount / BigInt(sliceDivisor)) * info.rateCap) / E; // one model, all the weight: slice x rate
  expect(short.unpaidRewards).toBe(gain - pool); // the pool paid what it had, the rest is owed
  expect((await read<readonly [bigint, bigint, bigint, bigint, bigint]>("totals"))[2]).toBe(0n);

  // A refill of half of what is owed: it all goes to owed rewards, and half becomes claimable.
  const refill = short.unpaidRewards / 2n;
  await send(OPERATOR, "faucet", [at(DEV_ACCOUNTS, OPERATOR, "dev accounts").address, refill], true);
  await setAllowance(OPERATOR, refill);
  await send(OPERATOR, "fundRewards", [refill]);
  const before = await accountOf(whale);
  expect(before.claimableRewards).toBeGreaterThan(0n);
  expect(before.claimableRewards).toBeLessThanOrEqual(refill);
  expect(before.unpaidRewards + before.claimableRewards).toBe(short.unpaidRewards);

  await page.goto(`/account/${whale}`);
  await expectExposureShown(page, whale);
  const owed = page.getByTestId("owed-rewards");
  await expect(owed.getByTestId("owed-claimable")).toHaveAttribute("data-wei", before.claimableRewards.toString());
  await expect(owed.getByTestId("owed-unpaid")).toHaveAttribute("data-wei", before.unpaidRewards.toString());
  await expect(owed).toContainText("every owed account the same share");
  await expect(owed).toContainText("Connect a wallet (any wallet) to claim it.");
  // When: the paid part now, the rest at the next refill (which has no date).
  await expect(owed.getByTestId("owed-when")).toHaveText(
    `${formatNmr(before.claimableRewards)} NMR can be claimed now. ${formatNmr(before.unpaidRewards)} NMR becomes claimable at the next refill of the rewards pool (pro rata if the refill is short); refills have no schedule, so there is no date for it.`,
  );

  await connectDevWallet(page, WHALE);
  const claim = owed.getByTestId("claim-rewards");
  await expect(claim).toHaveText(`Claim ${formatNmr(before.claimableRewards)} NMR`);
  await claim.click();
  await expect(page.getByTestId("dev-wallet-prompt")).toContainText("claimRewards");
  await answerWallet(page, "Confirm");
  await expect(owed.getByTestId("claim-rewards-tx")).toHaveAttribute("data-phase", "confirmed");
  const after = await accountOf(whale);
  expect(after.balance - before.balance).toBe(before.claimableRewards); // exactly the claimable amount
  expect(after.claimableRewards).toBe(0n);
  expect(after.unpaidRewards).toBe(before.unpaidRewards); // still owed, for the next refills
  await expect(page.getByTestId("balance")).toHaveText(`${formatNmr(after.balance)} NMR`);
  await expect(owed.getByTestId("owed-claimable")).toHaveAttribute("data-wei", "0");
  await expect(owed.getByTestId("owed-when")).toHaveText(/^[\d,.]+ NMR becomes claimable at the next refill/);
  await expect(claim).toHaveCount(0);
  await screenshot(page, "71-owed-rewards-claimed");

  await page.goto(`/account/${whale}/history`);
  await expect(page.getByText("Owed rewards claimed")).toBeVisible();
  await expect(page.getByText(`Round ${round} settled`)).toBeVisible();
});
