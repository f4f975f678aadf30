import { expect, test } from "@playwright/test";
import { formatNmr } from "../src/lib/format";
import {
  accountOf,
  answerWallet,
  chain,
  connectDevWallet,
  demo,
  demoAccount,
  nmrAllowance,
  nmrBalance,
  setAllowance,
} from "./helpers";

const E = 10n ** 18n;

test("deposit on the NMR-like token with a leftover allowance smaller than the amount (changeApproval, not approve)", async ({
  page,
}) => {
  // The local chain's token behaves like NMR: approve refuses to go from a non-zero allowance to another.
  const nmrName = await chain.readContract({
    address: demo().nmr,
    abi: [{ type: "function", name: "name", stateMutability: "view", inputs: [], outputs: [{ type: "string" }] }],
    functionName: "name",
  });
  expect(nmrName).toContain("NMRLike");

  const dave = demoAccount("dave");
  await setAllowance(dave.devIndex, 0n);
  await setAllowance(dave.devIndex, 30n * E); // a leftover allowance, short of the deposit
  const stakeBefore = (await accountOf(dave.address)).balance;
  const tokensBefore = await nmrBalance(dave.address);

  await page.goto(`/account/${dave.address}`);
  await connectDevWallet(page, dave.devIndex);
  const deposit = page.locator("section", { has: page.getByRole("heading", { name: "Deposit" }) });
  await expect(deposit.getByText("The contract may take: 30.00 NMR")).toBeVisible();
  await deposit.getByLabel("Amount (NMR)").fill("75");
  await deposit.getByRole("button", { name: "Approve and deposit" }).click();
  const prompt = page.getByTestId("dev-wallet-prompt");
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("changeApproval");
  await expect(prompt.getByTestId("dev-wallet-arg-spender")).toContainText("PortfolioStake contract");
  await expect(prompt.getByTestId("dev-wallet-arg-current-allowance")).toHaveText("30 NMR");
  await expect(prompt.getByTestId("dev-wallet-arg-new-allowance")).toHaveText("75 NMR");
  await answerWallet(page, "Confirm");
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("deposit");
  await expect(prompt.getByTestId("dev-wallet-arg-amount")).toHaveText("75 NMR");
  await answerWallet(page, "Confirm");
  const status = deposit.getByTestId("deposit-tx");
  await expect(status).toHaveAttribute("data-phase", "confirmed");

  const stakeAfter = (await accountOf(dave.address)).balance;
  expect(stakeAfter - stakeBefore).toBe(75n * E);
  expect(tokensBefore - (await nmrBalance(dave.address))).toBe(75n * E);
  expect(await nmrAllowance(dave.address)).toBe(0n); // raised to exactly the amount, then used
  await expect(page.getByTestId("balance")).toHaveText(`${formatNmr(stakeAfter)} NMR`);
});
