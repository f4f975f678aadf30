/**
 * The walk-forward chart on the performance page (read-only): every suggestion method's cumulative return, replayed
 * on only the results known at the time, beside the suggestions. Needs a demo history long enough for it: a round is
 * known 20 rounds after it opens and a method needs 5 known results (E2E_DEMO_ROUNDS ≥ 60 in app/scripts/e2e.sh).
 */
import { expect, test } from "@playwright/test";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { chain, demo, demoAccount, screenshot } from "./helpers";

const METHODS = [
  "Equal weight",
  "Inverse volatility",
  "Probability",
  "Minimum variance (shrunk)",
  "Max Sharpe (shrunk)",
  "Risk parity",
  "Probability, correlation-penalised",
];

test("performance: the walk-forward chart shows each method's cumulative return, with its caveats", async ({
  page,
}) => {
  const carol = demoAccount("carol");
  const settled = await chain.getContractEvents({
    address: demo().stake,
    abi: portfolioStakeAbi,
    eventName: "Settled",
    args: { staker: carol.address },
    fromBlock: 0n,
  });
  const rounds = settled.filter((l) => l.args.stakeAtRisk! > 0n).map((l) => Number(l.args.round));
  const span = rounds.at(-1)! - rounds[0]! + 1;
  expect(span, "settled rounds from the first to the last (E2E_DEMO_ROUNDS too small?)").toBeGreaterThanOrEqual(26);

  await page.goto(`/account/${carol.address}/performance`);
  const section = page.getByTestId("walk-forward");
  await expect(section.getByRole("heading", { name: /walk-forward/ })).toBeVisible();
  const chart = section.getByTestId("chart-walk-forward");
  await expect(chart.locator("svg[role=img]")).toBeVisible();
  // One line and one legend entry per method, by name.
  for (const label of METHODS) {
    await expect(chart.locator(`path[data-series="${label}"]`)).toHaveCount(1);
    await expect(chart.locator(".chart-legend")).toContainText(label);
  }
  // The x axis starts where the first vector could be chosen: 20 rounds to be known + 5 known results.
  await expect(chart.locator("svg[role=img]")).toHaveAttribute(
    "aria-label",
    new RegExp(`over rounds ${rounds[0]! + 25} to ${rounds.at(-1)!}`),
  );
  const rows = section.getByTestId("walk-forward-table").locator("tbody tr");
  await expect(rows).toHaveCount(METHODS.length + 1);
  await expect(rows.last()).toContainText("Best single model in hindsight");
  await expect(section).toContainText("Past results only");
  await expect(section).toContainText("Rounds overlap");
  // Beside the suggestions: the section comes right before them.
  await expect(page.locator("[data-testid=walk-forward] + [data-testid=suggestions]")).toHaveCount(1);
  await screenshot(page, "24-walk-forward");
});
