/**
 * Performance and history pages against the demo chain (read-only, except that a suggestion is loaded into dave's
 * editor, never saved). Figures on the page are checked against the contract's own events read here directly.
 */
import { expect, test } from "@playwright/test";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { checkHistory } from "../src/lib/history/conformance";
import { logHistorySource, type GetLogsRequest, type LogRpc } from "../src/lib/history/logSource";
import { at } from "@portfolio-stake/core/checks";
import { chain, connectDevWallet, demo, demoAccount, screenshot } from "./helpers";

async function settledEvents(account: `0x${string}`) {
  return chain.getContractEvents({
    address: demo().stake,
    abi: portfolioStakeAbi,
    eventName: "Settled",
    args: { staker: account },
    fromBlock: 0n,
  });
}

/** Rounds settled with stake at risk: the ones the performance page counts. */
async function performanceRounds(account: `0x${string}`) {
  return (await settledEvents(account)).filter((l) => l.args.stakeAtRisk! > 0n).map((l) => Number(l.args.round));
}

test("the chain-log history of every demo account passes the HistorySource conformance checks", async () => {
  const rpc: LogRpc = {
    blockNumber: () => chain.getBlockNumber({ cacheTime: 0 }),
    getLogs: ({ address, topics, fromBlock, toBlock }) =>
      chain.request<GetLogsRequest>({
        method: "eth_getLogs",
        params: [{ address, topics, fromBlock: `0x${fromBlock.toString(16)}`, toBlock: `0x${toBlock.toString(16)}` }],
      }),
  };
  // Small ranges on purpose: many eth_getLogs calls must still give each event exactly once.
  const source = logHistorySource(
    { stake: { address: demo().stake, abi: portfolioStakeAbi, deployBlock: 0n } },
    rpc,
    25n,
  );
  for (const account of demo().accounts) {
    const history = await source.accountHistory(account.address);
    expect(checkHistory(history), account.name).toEqual([]);
    const settled = await settledEvents(account.address);
    expect(history.events.filter((e) => e.kind === "settled").map((e) => (e.kind === "settled" ? e.round : 0))).toEqual(
      settled.map((l) => Number(l.args.round)),
    );
    expect(history.events.filter((e) => e.kind === "model-registered")).toHaveLength(account.models.length);
  }
});

test("performance: the portfolio under its actual vectors, every model, one model in detail and a 17×17 correlation matrix", async ({
  page,
}) => {
  const carol = demoAccount("carol");
  const rounds = await performanceRounds(carol.address);
  expect(rounds.length).toBeGreaterThan(5);
  const n = carol.models.length;
  expect(n).toBe(17);
  await page.goto(`/account/${carol.address}/performance`);
  await expect(page.getByTestId("portfolio-stats")).toContainText(
    `${rounds.length} (rounds ${Math.min(...rounds)}–${Math.max(...rounds)})`,
  );
  for (const id of [
    "chart-portfolio-cumulative",
    "chart-portfolio-rounds",
    "chart-models-cumulative",
    "chart-model-rounds",
    "chart-model-cumulative",
  ]) {
    await expect(page.getByTestId(id).locator("svg")).toBeVisible();
  }
  // Drawdown: a chart when there was one, else a sentence saying there was none.
  await expect(page.getByTestId("chart-portfolio-drawdown")).toBeVisible();
  await expect(page.getByTestId("chart-portfolio-rounds").locator("rect")).toHaveCount(rounds.length);
  await expect(page.getByTestId("chart-models-cumulative").locator("path[data-series]")).toHaveCount(n);
  await expect(page.getByTestId("model-table").locator("tbody tr")).toHaveCount(n);
  const matrix = page.getByTestId("correlation-matrix");
  await expect(matrix.locator("tbody tr")).toHaveCount(n);
  await expect(matrix.locator("tbody tr").first().locator("td")).toHaveCount(n);
  for (const i of [0, 3, n - 1])
    await expect(matrix.locator("tbody tr").nth(i).locator("td").nth(i)).toHaveText("1.00");
  // Symmetric.
  const cell = (i: number, j: number) => matrix.locator("tbody tr").nth(i).locator("td").nth(j).textContent();
  expect(await cell(2, 9)).toBe(await cell(9, 2));
  // The round-by-round table has the same rounds as the chain, newest last.
  await page.getByText("Round by round (table)", { exact: true }).click();
  const tableRounds = await page.getByTestId("portfolio-table").locator("tbody th").allTextContents();
  expect(tableRounds.map(Number)).toEqual(rounds);
  await screenshot(page, "20-performance");
});

test("performance by keyboard: another model in detail, and the page on a phone in the dark theme", async ({
  page,
}) => {
  const carol = demoAccount("carol");
  await page.goto(`/account/${carol.address}/performance`);
  const select = page.getByTestId("model-select");
  await select.focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByTestId("model-detail")).toContainText(
    `${at(carol.models, 1, "carol's models").name}: rate per round`,
  );
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(page.getByTestId("chart-portfolio-cumulative").locator("svg")).toBeVisible();
  // Nothing wider than the screen except inside horizontally scrolling table boxes.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "23-performance-phone-dark");
});

test("a suggestion loads into the editor at exactly 100%, and nothing is sent until saved", async ({ page }) => {
  const dave = demoAccount("dave");
  await page.goto(`/account/${dave.address}`);
  await connectDevWallet(page, dave.devIndex);
  await page.goto(`/account/${dave.address}/performance`);
  const table = page.getByTestId("suggestion-table");
  await expect(table.locator("tbody tr")).toHaveCount(dave.models.length);
  // Bounds no vector can meet are refused in words.
  await page.getByLabel("Minimum weight per model (%)").fill("40");
  await expect(page.getByTestId("suggestions").getByRole("alert")).toContainText("more than 100%");
  await page.getByLabel("Minimum weight per model (%)").fill("10");
  await page.getByLabel("Maximum weight per model (%)").fill("60");
  const cells = await table
    .locator("tbody tr")
    .evaluateAll((rows) => rows.map((r) => r.querySelectorAll("td")[3]?.textContent ?? ""));
  const bps = cells.map((c) => Math.round(Number(c.replace("%", "")) * 100));
  expect(bps.reduce((a, b) => a + b, 0)).toBe(10_000);
  for (const w of bps) {
    expect(w).toBeGreaterThanOrEqual(1000);
    expect(w).toBeLessThanOrEqual(6000);
  }
  await screenshot(page, "21-suggestions");
  const weightsBefore = await chain.getContractEvents({
    address: demo().stake,
    abi: portfolioStakeAbi,
    eventName: "AllocationSet",
    args: { staker: dave.address },
    fromBlock: 0n,
  });
  await page.getByTestId("load-probability").click();
  const editor = page.locator("#editor");
  await expect(editor.getByTestId("editor-notice")).toContainText("Loaded a suggested vector");
  await expect(editor.getByTestId("editor-total")).toHaveAttribute("data-ok", "true");
  for (const [i, model] of dave.models.entries()) {
    const weight = at(bps, i, "suggested weights");
    await expect(editor.getByLabel(`Weight of ${model.name} in percent`)).toHaveValue(String(weight / 100));
  }
  const weightsAfter = await chain.getContractEvents({
    address: demo().stake,
    abi: portfolioStakeAbi,
    eventName: "AllocationSet",
    args: { staker: dave.address },
    fromBlock: 0n,
  });
  expect(weightsAfter.length).toBe(weightsBefore.length);
});

test("history: every event of the account, newest first, settlements, reallocations, withdrawals and the manager included", async ({
  page,
}) => {
  const bob = demoAccount("bob");
  const settled = await settledEvents(bob.address);
  await page.goto(`/account/${bob.address}/history`);
  const rows = page.getByTestId("history-table").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  const blocks = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-block"))));
  expect(blocks.length).toBeGreaterThan(settled.length);
  expect(blocks).toEqual([...blocks].sort((a, b) => b - a));
  await expect(page.locator('tr[data-kind="settled"]')).toHaveCount(settled.length);
  const latest = settled.at(-1)!;
  const latestRow = page.locator('tr[data-kind="settled"]').first();
  await expect(latestRow).toContainText(`Round ${latest.args.round} settled`);
  await expect(latestRow).toContainText(latest.transactionHash.slice(0, 10));
  const reallocations = await chain.getContractEvents({
    address: demo().stake,
    abi: portfolioStakeAbi,
    eventName: "AllocationSet",
    args: { staker: bob.address },
    fromBlock: 0n,
  });
  await expect(page.locator('tr[data-kind="allocation-set"]')).toHaveCount(reallocations.length);
  await expect(page.locator('tr[data-kind="allocation-set"]').first()).toContainText(
    `from round ${reallocations.at(-1)!.args.effectiveRound}`,
  );
  await expect(page.locator('tr[data-kind="manager-set"]')).toContainText("bob's manager");
  await expect(page.locator('tr[data-kind="withdrawal-requested"]').first()).toContainText(
    "from the balance to pending",
  );
  const deposits = await chain.getContractEvents({
    address: demo().stake,
    abi: portfolioStakeAbi,
    eventName: "Deposited",
    args: { staker: bob.address },
    fromBlock: 0n,
  });
  expect(deposits.length).toBeGreaterThan(0);
  await expect(page.locator('tr[data-kind="deposited"]')).toHaveCount(deposits.length);
  await screenshot(page, "22-history");
  await page.getByRole("button", { name: "Settlements" }).click();
  await expect(rows).toHaveCount(settled.length);
  await expect(page.getByRole("button", { name: "Settlements" })).toHaveAttribute("aria-pressed", "true");
});

test("an address without activity gets a plain answer on both pages", async ({ page }) => {
  const nobody = "0x000000000000000000000000000000000000dEaD";
  await page.goto(`/account/${nobody}/history`);
  await expect(page.getByText("No activity for this address on this contract yet")).toBeVisible();
  await page.goto(`/account/${nobody}/performance`);
  await expect(page.getByText("This address has no models registered on this contract")).toBeVisible();
  await page.goto(`/account/not-an-address/performance`);
  await expect(page.getByText("“not-an-address” is not an Ethereum address")).toBeVisible();
});
