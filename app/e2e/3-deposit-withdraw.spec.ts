import { expect, test } from "@playwright/test";
import { formatNmr, formatTime } from "../src/lib/format";
import {
  accountOf,
  answerWallet,
  connectDevWallet,
  demoAccount,
  nmrAllowance,
  nmrBalance,
  roundInfo,
  screenshot,
  setAllowance,
} from "./helpers";

const E = 10n ** 18n;

test('deposit with approval, reject, edit the amount to "1,5", retry: 1.5 NMR deposited; the same for a withdrawal', async ({
  page,
}) => {
  const dave = demoAccount("dave");
  await setAllowance(dave.devIndex, 0n); // setup: no allowance, so the deposit needs an approval first
  const before = await accountOf(dave.address);

  await page.goto(`/account/${dave.address}`);
  await connectDevWallet(page, dave.devIndex);
  const deposit = page.locator("section", { has: page.getByRole("heading", { name: "Deposit" }) });
  const amount = deposit.getByLabel("Amount (NMR)");

  await amount.fill("abc");
  await deposit.getByRole("button", { name: /deposit/i }).click();
  await expect(deposit.getByRole("alert")).toContainText("is not an amount");
  await amount.fill("100000000");
  await expect(deposit.getByRole("alert")).toContainText("more than your wallet's");

  // Approve 100 and reject the deposit; then type "1,5" (a comma as the decimal separator) and Retry: the deposit
  // sent is 1.5 NMR, what the form shows, and the approval already given is enough for it.
  await amount.fill("100");
  await expect(deposit.getByText("Two transactions: first allow the contract")).toBeVisible();
  await deposit.getByRole("button", { name: "Approve and deposit" }).click();
  const prompt = page.getByTestId("dev-wallet-prompt");
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("approve");
  await expect(prompt.getByTestId("dev-wallet-arg-spender")).toContainText("PortfolioStake contract");
  await expect(prompt.getByTestId("dev-wallet-arg-amount")).toHaveText("100 NMR");
  await answerWallet(page, "Confirm");
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("deposit");
  await expect(prompt.getByTestId("dev-wallet-arg-amount")).toHaveText("100 NMR");
  await answerWallet(page, "Reject");
  const status = deposit.getByTestId("deposit-tx");
  await expect(status).toHaveAttribute("data-phase", "rejected");
  expect(await nmrAllowance(dave.address)).toBe(100n * E);
  const walletBefore = await nmrBalance(dave.address);

  await amount.fill("1,5x");
  await expect(status.getByRole("button", { name: "Retry" })).toBeDisabled();
  await expect(status).toContainText("Retry sends the amount above:");
  await amount.fill("1,5");
  await status.getByRole("button", { name: "Retry" }).click();
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("deposit"); // no second approval: 100 covers it
  await expect(prompt.getByTestId("dev-wallet-arg-amount")).toHaveText("1.5 NMR");
  await answerWallet(page, "Confirm");
  await expect(status).toHaveAttribute("data-phase", "confirmed");
  await expect(status).toContainText("Deposited: at risk from round");
  const after = await accountOf(dave.address);
  expect(after.balance - before.balance).toBe((15n * E) / 10n);
  expect(walletBefore - (await nmrBalance(dave.address))).toBe((15n * E) / 10n);
  expect(await nmrAllowance(dave.address)).toBe((985n * E) / 10n); // what is left of the approval of 100
  await expect(page.getByTestId("balance")).toHaveText(`${formatNmr(after.balance)} NMR`);
  await screenshot(page, "10-deposit-confirmed");

  // Withdrawal: reject a request of 40, change it to 12.25, Retry: 12.25 leaves the stake.
  const withdraw = page.locator("section", { has: page.getByRole("heading", { name: "Withdraw" }) });
  await expect(withdraw.getByTestId("withdrawal-status")).toContainText("No pending withdrawal");
  const request = withdraw.getByLabel("Request a withdrawal (NMR)");
  await request.fill("40");
  await withdraw.getByRole("button", { name: "Request withdrawal" }).click();
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("requestWithdrawal");
  await expect(prompt.getByTestId("dev-wallet-arg-amount")).toHaveText("40 NMR");
  await answerWallet(page, "Reject");
  const withdrawStatus = withdraw.getByTestId("withdraw-tx");
  await expect(withdrawStatus).toHaveAttribute("data-phase", "rejected");
  await request.fill("12.25");
  await withdrawStatus.getByRole("button", { name: "Retry" }).click();
  await expect(prompt.getByTestId("dev-wallet-arg-amount")).toHaveText("12.25 NMR");
  await answerWallet(page, "Confirm");
  await expect(withdrawStatus).toHaveAttribute("data-phase", "confirmed");
  const requested = await accountOf(dave.address);
  expect(requested.pendingWithdrawal).toBe((1225n * E) / 100n);
  expect(after.balance - requested.balance).toBe((1225n * E) / 100n);
  await expect(withdraw.getByTestId("withdrawal-status")).toContainText("12.25 NMR pending");
  // The honest date: not the 7-day release, but when the last round it is at risk in (the round open at the request)
  // resolves, and at the latest that round's proof deadline.
  const lastRound = await roundInfo(requested.withdrawalLastRound);
  expect(lastRound.resolvesAt).toBeGreaterThan(requested.withdrawalReleaseAt);
  await expect(withdraw.getByTestId("withdrawal-window")).toContainText(
    `It can be claimed from about ${formatTime(lastRound.resolvesAt)}`,
  );
  await expect(withdraw.getByTestId("withdrawal-window")).toContainText(
    `at the latest ${formatTime(lastRound.proofDeadline)} (round ${requested.withdrawalLastRound}'s proof deadline`,
  );
  await expect(page.getByTestId("pending-withdrawal")).toHaveText("12.25 NMR");
  await expect(withdraw.getByRole("button", { name: "Claim 12.25 NMR" })).toBeDisabled();
  await screenshot(page, "11-withdrawal-requested");
});

test("a contract revert is explained before the wallet opens (a second withdrawal while one is pending)", async ({
  page,
}) => {
  const alice = demoAccount("alice");
  const view = await accountOf(alice.address);
  expect(view.pendingWithdrawal).toBeGreaterThan(0n); // the demo leaves alice with a pending withdrawal
  await page.goto(`/account/${alice.address}`);
  await connectDevWallet(page, alice.devIndex);
  const withdraw = page.locator("section", { has: page.getByRole("heading", { name: "Withdraw" }) });
  await withdraw.getByLabel("Request a withdrawal (NMR)").fill("10");
  await withdraw.getByRole("button", { name: "Request withdrawal" }).click();
  const status = withdraw.getByTestId("withdraw-tx");
  await expect(status).toHaveAttribute("data-phase", "failed");
  await expect(status).toContainText(
    `An earlier withdrawal of ${formatNmr(view.pendingWithdrawal)} NMR (at risk until round ${view.withdrawalLastRound}) is still pending: claim it before requesting another.`,
  );
  await expect(page.getByTestId("dev-wallet-prompt")).toHaveCount(0); // never reached the wallet
  expect((await accountOf(alice.address)).pendingWithdrawal).toBe(view.pendingWithdrawal);
  await screenshot(page, "12-revert-decoded");
});
