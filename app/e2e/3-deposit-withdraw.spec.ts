import { expect, test } from "@playwright/test";
import { formatNmr } from "../src/lib/format";
import {
  accountOf,
  answerWallet,
  connectDevWallet,
  demoAccount,
  nmrAllowance,
  screenshot,
  setAllowance,
} from "./helpers";

const E = 10n ** 18n;

test("deposit with approval (two transactions), then a withdrawal request with its release date", async ({ page }) => {
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

  await amount.fill("100");
  await expect(deposit.getByText("Two transactions: first allow the contract")).toBeVisible();
  await deposit.getByRole("button", { name: "Approve and deposit" }).click();
  await expect(page.getByTestId("dev-wallet-prompt")).toContainText("approve");
  await answerWallet(page, "Confirm");
  await expect(page.getByTestId("dev-wallet-prompt")).toContainText("deposit");
  await answerWallet(page, "Confirm");
  const status = deposit.getByTestId("deposit-tx");
  await expect(status).toHaveAttribute("data-phase", "confirmed");
  await expect(status).toContainText("Deposited: at risk from round");
  const after = await accountOf(dave.address);
  expect(after.balance - before.balance).toBe(100n * E);
  expect(await nmrAllowance(dave.address)).toBe(0n); // the approval was exactly the amount, and it was used
  await expect(page.getByTestId("balance")).toHaveText(`${formatNmr(after.balance)} NMR`);
  await screenshot(page, "10-deposit-confirmed");

  const withdraw = page.locator("section", { has: page.getByRole("heading", { name: "Withdraw" }) });
  await expect(withdraw.getByTestId("withdrawal-status")).toContainText("No pending withdrawal");
  await withdraw.getByLabel("Request a withdrawal (NMR)").fill("40");
  await withdraw.getByRole("button", { name: "Request withdrawal" }).click();
  await answerWallet(page, "Confirm");
  await expect(withdraw.getByTestId("withdraw-tx")).toHaveAttribute("data-phase", "confirmed");
  const requested = await accountOf(dave.address);
  expect(requested.pendingWithdrawal).toBe(40n * E);
  await expect(withdraw.getByTestId("withdrawal-status")).toContainText("40.00 NMR pending. Release date:");
  const release = new Date(Number(requested.withdrawalReleaseAt) * 1000);
  await expect(withdraw.getByTestId("withdrawal-status")).toContainText(String(release.getFullYear()));
  await expect(withdraw.getByRole("button", { name: "Claim 40.00 NMR" })).toBeDisabled();
  await expect(page.getByTestId("pending-withdrawal")).toHaveText("40.00 NMR");
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
