import { expect, test } from "@playwright/test";
import { portfolioStakeAbi } from "../src/generated/portfolioStakeAbi";
import { chain, connectDevWallet, demo, demoAccount, screenshot } from "./helpers";

async function settledRounds(account: `0x${string}`) {
  const logs = await chain.getContractEvents({ address: demo().stake, abi: portfolioStakeAbi, eventName: "Settled", args: { staker: account }, fromBlock: 0n });
  return logs.map((l) => Number(l.args.round));
}

test("performance: the portfolio under its actual vectors, every model, and a 17×17 correlation matrix", async ({ page }) => {
  const carol = demoAccount("carol");
  const rounds = await settledRounds(carol.address);
  expect(rounds.length).toBeGreaterThan(5);
  await page.goto(`/account/${carol.address}/performance`);
  const stats = page.getByTestId("portfolio-stats");
  await expect(stats).toContainText(`${rounds.length} (rounds ${Math.min(...rounds)}–${Math.max(...rounds)})`);
  for (const id of ["chart-portfolio-cumulative", "chart-portfolio-rounds", "chart-portfolio-drawdown", "chart-models-cumulative"]) {
    await expect(page.getByTestId(id).locator("svg")).toBeVisible();
  }
  await expect(page.getByTestId("chart-portfolio-rounds").locator("rect")).toHaveCount(rounds.length);
  await expect(page.getByTestId("chart-models-cumulative").locator("path[data-series]")).toHaveCount(17);
  await expect(page.getByTestId("model-table").locator("tbody tr")).toHaveCount(17);
  const matrix = page.getByTestId("correlation-matrix");
  await expect(matrix.locator("tbody tr")).toHaveCount(17);
  await expect(matrix.locator("tbody tr").first().locator("td")).toHaveCount(17);
  await expect(matrix.locator("tbody tr").nth(3).locator("td").nth(3)).toHaveText("1.00");
  await screenshot(page, "20-performance");
});

test("a suggestion loads into the editor at exactly 100%, and nothing is sent until saved", async ({ page }) => {
  const dave = demoAccount("dave");
  await page.goto(`/account/${dave.address}`);
  await connectDevWallet(page, dave.devIndex);
  await page.goto(`/account/${dave.address}/performance`);
  const table = page.getByTestId("suggestion-table");
  await expect(table.locator("tbody tr")).toHaveCount(3);
  // Bounds no vector can meet are refused in words.
  await page.getByLabel("Minimum weight per model, percent").fill("40");
  await expect(page.getByTestId("suggestions").getByRole("alert")).toBeVisible();
  await page.getByLabel("Minimum weight per model, percent").fill("10");
  await page.getByLabel("Maximum weight per model, percent").fill("60");
  const cells = await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.querySelectorAll("td")[3].textContent ?? ""));
  const bps = cells.map((c) => Math.round(Number(c.replace("%", "")) * 100));
  expect(bps.reduce((a, b) => a + b, 0)).toBe(10_000);
  for (const w of bps) expect(w).toBeGreaterThanOrEqual(1000), expect(w).toBeLessThanOrEqual(6000);
  await screenshot(page, "21-suggestions");
  await page.getByTestId("load-probability").click();
  const editor = page.locator("#editor");
  await expect(editor.getByTestId("editor-notice")).toContainText("Loaded a suggested vector");
  await expect(editor.getByTestId("editor-total")).toHaveAttribute("data-ok", "true");
  for (let i = 0; i < 3; i++) {
    await expect(editor.getByLabel(`Weight of ${dave.models[i].name} in percent`)).toHaveValue(String(bps[i] / 100));
  }
});

test("history: every event of the account, newest first, settlements and reallocations included", async ({ page }) => {
  const bob = demoAccount("bob");
  const rounds = await settledRounds(bob.address);
  await page.goto(`/account/${bob.address}/history`);
  const rows = page.getByTestId("history-table").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  const blocks = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector("td")?.textContent)))) as number[];
  expect(blocks).toEqual([...blocks].sort((a, b) => b - a));
  await expect(page.locator('tr[data-kind="settled"]')).toHaveCount(rounds.length);
  await expect(page.locator('tr[data-kind="allocation-set"]').first()).toContainText("from round");
  const deposits = await chain.getContractEvents({ address: demo().stake, abi: portfolioStakeAbi, eventName: "Deposited", args: { staker: bob.address }, fromBlock: 0n });
  expect(deposits.length).toBeGreaterThan(0);
  await expect(page.locator('tr[data-kind="deposited"]')).toHaveCount(deposits.length);
  await page.getByRole("button", { name: "Settlements" }).click();
  await expect(rows).toHaveCount(rounds.length);
  await expect(rows.first()).toContainText(`Round ${Math.max(...rounds)} settled`);
  await screenshot(page, "22-history");
});
