import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { createPublicClient, createWalletClient, http, type Abi, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { parseDemoFile, type DemoFile } from "@portfolio-stake/core/demoFile";
import { DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { at } from "@portfolio-stake/core/checks";

export function demo(): DemoFile {
  const file = process.env.E2E_DEMO_JSON;
  if (!file) throw new Error("E2E_DEMO_JSON is not set: run the tests with `npm run test:e2e -w app`");
  return parseDemoFile(readFileSync(file, "utf8"), file);
}

export function demoAccount(name: string) {
  const account = demo().accounts.find((a) => a.name === name);
  if (!account) throw new Error(`no demo account ${name}`);
  const index = DEV_ACCOUNTS.findIndex((a) => a.address === account.address);
  return { ...account, devIndex: index };
}

const rpc = () => http(process.env.E2E_RPC_URL ?? "http://127.0.0.1:8547");
export const chain = createPublicClient({ chain: hardhat, transport: rpc() });

/** Reads straight from the chain, to check that what the page shows is what the contract holds. */
export async function nextRoundWeights(account: Address): Promise<number[]> {
  const round = await chain.readContract({
    address: demo().stake,
    abi: portfolioStakeAbi,
    functionName: "currentRound",
  });
  const [, bps] = await chain.readContract({
    address: demo().stake,
    abi: portfolioStakeAbi,
    functionName: "allocationAt",
    args: [account, round + 1],
  });
  return bps.map(Number);
}

export async function accountOf(account: Address) {
  return chain.readContract({
    address: demo().stake,
    abi: portfolioStakeAbi,
    functionName: "accountOf",
    args: [account],
  });
}

export async function roundInfo(round: number) {
  return chain.readContract({
    address: demo().stake,
    abi: portfolioStakeAbi,
    functionName: "roundInfo",
    args: [round],
  });
}

/**
 * Test setup outside the UI: `who` sets its NMR allowance for the stake contract. The local token is NMRLike, whose
 * approve (like the real NMR's) only goes from or to zero: a non-zero allowance is changed with changeApproval.
 */
export async function setAllowance(devIndex: number, amount: bigint) {
  const account = privateKeyToAccount(at(DEV_ACCOUNTS, devIndex, "dev accounts").privateKey);
  const wallet = createWalletClient({ account, chain: hardhat, transport: rpc() });
  const current = await nmrAllowance(account.address);
  if (current === amount) return;
  const hash =
    current === 0n || amount === 0n
      ? await wallet.writeContract({
          address: demo().nmr,
          abi: nmrAbi,
          functionName: "approve",
          args: [demo().stake, amount],
        })
      : await wallet.writeContract({
          address: demo().nmr,
          abi: nmrAbi,
          functionName: "changeApproval",
          args: [demo().stake, current, amount],
        });
  await chain.waitForTransactionReceipt({ hash });
  expect(await nmrAllowance(account.address)).toBe(amount);
}

/**
 * Test setup outside the UI: sends one transaction from development account `devIndex` (to the stake contract, or
 * with `token` to the NMR token) and waits for it to succeed. Function names and arguments as plain strings and values.
 */
export async function send(devIndex: number, functionName: string, args: readonly unknown[], token = false) {
  const account = privateKeyToAccount(at(DEV_ACCOUNTS, devIndex, "dev accounts").privateKey);
  const wallet = createWalletClient({ account, chain: hardhat, transport: rpc() });
  const abi: Abi = token ? nmrAbi : portfolioStakeAbi;
  const hash = await wallet.writeContract({ address: token ? demo().nmr : demo().stake, abi, functionName, args });
  const receipt = await chain.waitForTransactionReceipt({ hash });
  expect(receipt.status, `${functionName} succeeded`).toBe("success");
}

/** The owner's NMR (token) balance, read from the chain. */
export async function nmrBalance(owner: Address) {
  return chain.readContract({ address: demo().nmr, abi: nmrAbi, functionName: "balanceOf", args: [owner] });
}

export async function nmrAllowance(owner: Address) {
  return chain.readContract({
    address: demo().nmr,
    abi: nmrAbi,
    functionName: "allowance",
    args: [owner, demo().stake],
  });
}

/** Connects the development wallet as Hardhat account `devIndex` from the header's Connect menu. */
export async function connectDevWallet(page: Page, devIndex: number) {
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByLabel("Development account").selectOption(String(devIndex));
  await page.getByRole("button", { name: "Development wallet" }).click();
  await expect(page.getByTestId("account-button")).toContainText(
    at(DEV_ACCOUNTS, devIndex, "dev accounts").address.slice(0, 6),
  );
}

/** Answers the development wallet's Confirm/Reject dialog. */
export async function answerWallet(page: Page, answer: "Confirm" | "Reject") {
  const prompt = page.getByTestId("dev-wallet-prompt");
  await expect(prompt).toBeVisible();
  await prompt.getByRole("button", { name: answer }).click();
  await expect(prompt).toBeHidden();
}

export const ARTIFACTS = path.join(__dirname, "..", "e2e-artifacts");

export async function screenshot(page: Page, name: string) {
  // Scrolled to the end first, so a sticky bar (the editor's total and Save) is drawn where the page ends, not
  // pushed to the top of its card as a full-page capture from the top would show it.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * How far the page scrolls sideways (0: it fits), and the outermost elements sticking out on the right, so that a
 * failure names the culprit.
 */
export async function sidewaysOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      if (el.getBoundingClientRect().right <= width + 0.5) continue;
      // Only the outermost: skip an element inside one already listed, or inside a scrolling container.
      if (el.parentElement?.closest(".table-wrap, [data-overflow-listed]")) continue;
      el.setAttribute("data-overflow-listed", "");
      culprits.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? "").trim().slice(0, 60)}"`);
    }
    document.querySelectorAll("[data-overflow-listed]").forEach((el) => el.removeAttribute("data-overflow-listed"));
    return { overflow: document.documentElement.scrollWidth - width, culprits: culprits.slice(0, 5) };
  });
}
