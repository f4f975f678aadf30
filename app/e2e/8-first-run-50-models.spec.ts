/**
 * A new staker from nothing to a saved 50-model vector, in the app:
 *   1. an empty account shows the first-run path (no wall of zeros, no Deposit form that cannot do anything);
 *   2. the operator proposes 50 models; the staker consents in the app (acceptModels), they are registered;
 *   3. no NMR in the wallet: the Deposit button says why it is off; with NMR: approve and deposit;
 *   4. the 50-model editor: sticky total and Save, search, sort, lock and rescale, an invalid field, CSV export (the
 *      rebalance script's parser reads it) and import (file and paste, a bad file changes nothing), then Save: the
 *      chain holds exactly the vector on screen.
 */
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { keccak256, toHex, type Hex } from "viem";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { at } from "@portfolio-stake/core/checks";
import { parseRebalanceCsv } from "@portfolio-stake/core/rebalanceFile";
import {
  accountOf,
  answerWallet,
  chain,
  connectDevWallet,
  demo,
  nextRoundWeights,
  screenshot,
  send,
  sidewaysOverflow,
} from "./helpers";

const E = 10n ** 18n;
const OPERATOR = 0; // the demo's operator (DEMO_ROLES)
const NEWCOMER = 9; // a development account neither the demo nor another spec uses
const MODELS = 50;
const ids: Hex[] = Array.from(
  { length: MODELS },
  (_, i) => keccak256(toHex(`e2e newcomer model ${i}`)).slice(0, 34) as Hex,
);
/** How the app names a model without a demo name (contracts/index.ts modelLabel). */
const label = (id: string) => `${id.slice(0, 10)}…${id.slice(-4)}`;

const pct = (page: Page, i: number) => page.getByLabel(`Weight of ${label(at(ids, i, "ids"))} in percent`);

test("a new staker: consent to 50 proposed models, deposit, and allocate them in the 50-model editor", async ({
  page,
}) => {
  test.setTimeout(240_000);
  const me = at(DEV_ACCOUNTS, NEWCOMER, "dev accounts").address;
  expect((await accountOf(me)).modelCount).toBe(0);

  // 1. Nothing yet: a path, not zeros.
  await page.goto(`/account/${me}`);
  await connectDevWallet(page, NEWCOMER);
  const setup = page.getByTestId("get-started");
  await expect(setup.getByTestId("setup-step-1")).toHaveAttribute("data-state", "now");
  await expect(setup.getByTestId("setup-step-1")).toContainText("No model is proposed to this address yet");
  await expect(setup.getByTestId("setup-step-2")).toHaveAttribute("data-state", "later");
  await expect(page.getByTestId("locked")).toHaveCount(0); // no summary of zeros
  await expect(page.getByRole("heading", { name: "Deposit" })).toHaveCount(0);
  await screenshot(page, "30-first-run-empty");

  // 2. The operator proposes; only the staker's consent binds them.
  await send(OPERATOR, "proposeModels", [me, ids]);
  await page.reload();
  const proposals = page.getByTestId("model-proposals");
  await expect(proposals).toContainText(`The operator proposed ${MODELS} models to this address`);
  expect((await accountOf(me)).modelCount).toBe(0);
  await screenshot(page, "31-first-run-proposals");
  await proposals.getByRole("button", { name: `Accept ${MODELS} models` }).click();
  await expect(page.getByTestId("dev-wallet-call")).toHaveText("acceptModels");
  await answerWallet(page, "Confirm");
  // The outcome stays in view although the list of proposals it emptied is gone.
  await expect(page.getByTestId("accept-tx")).toHaveAttribute("data-phase", "confirmed");
  await expect(page.getByTestId("model-proposals")).toHaveCount(0);
  await expect(setup.getByTestId("setup-step-1")).toHaveAttribute("data-state", "done");
  expect((await accountOf(me)).modelCount).toBe(MODELS);

  // 3. No NMR in the wallet: Deposit is off and says why. Then NMR arrives and is deposited (approve + deposit).
  const deposit = page.locator("section", { has: page.getByRole("heading", { name: "Deposit" }) });
  await expect(deposit.getByTestId("deposit-empty")).toContainText("Your wallet holds no NMR");
  await expect(deposit.getByRole("button", { name: /deposit/i })).toBeDisabled();
  await expect(page.getByTestId("withdraw-empty")).toContainText("nothing to withdraw");
  await send(NEWCOMER, "faucet", [me, 5_000n * E], true);
  await page.reload();
  await deposit.getByLabel("Amount (NMR)").fill("1000");
  await deposit.getByRole("button", { name: "Approve and deposit" }).click();
  await answerWallet(page, "Confirm");
  await answerWallet(page, "Confirm");
  await expect(deposit.getByTestId("deposit-tx")).toHaveAttribute("data-phase", "confirmed");
  await expect(setup.getByTestId("setup-step-2")).toHaveAttribute("data-state", "done");
  expect((await accountOf(me)).balance).toBe(1_000n * E);
  // The rounds already open opened before the deposit: nothing is at risk in them, and the sentence says so in words.
  const exposure = page.getByTestId("exposure-sentence");
  await expect(exposure).toHaveAttribute("data-open-max", "0");
  expect(Number(await exposure.getAttribute("data-open-count"))).toBeGreaterThan(0);
  await expect(exposure).toHaveText(
    /^Round \d+ risks [\d,]+\.\d\d NMR; no NMR is at risk in the (open round|\d+ open rounds)\.$/,
  );
  const explanation = page.getByTestId("exposure").locator("p.small");
  await expect(explanation).toContainText("none of them can take anything now");
  await expect(explanation).not.toContainText("at most 0.00 NMR");

  // 4. The editor: 50 rows in one list, the total and Save always in view.
  const editor = page.locator("#editor");
  const rows = editor.getByTestId("editor-table").locator("tbody tr");
  await expect(rows).toHaveCount(MODELS);
  const total = editor.getByTestId("editor-total");
  const save = editor.getByRole("button", { name: "Save allocation" });
  await editor.getByRole("button", { name: "Split evenly" }).click();
  for (const i of [0, 17, 49]) await expect(pct(page, i)).toHaveValue("2");
  await expect(total).toContainText("exactly 100%");
  await pct(page, 49).scrollIntoViewIfNeeded();
  await expect(editor.getByTestId("editor-bar")).toBeInViewport();
  await expect(save).toBeInViewport();

  // Lock one weight, rescale the others around it: exactly 100%, the locked one kept.
  await pct(page, 0).fill("10");
  await expect(total).toContainText("8.00% over 100%");
  await editor.getByLabel(`Lock ${label(at(ids, 0, "ids"))}`).check();
  await editor.getByRole("button", { name: "Rescale unlocked to 100%" }).click();
  await expect(total).toContainText("exactly 100%");
  await expect(pct(page, 0)).toHaveValue("10");
  await expect(pct(page, 1)).toHaveValue("1.84"); // 9,000 bps over 49 models: 183 or 184 each
  await expect(pct(page, 49)).toHaveValue("1.83");

  // An invalid field: the total is never green, Save is off.
  await pct(page, 5).fill("1,2,3");
  await expect(total).toHaveAttribute("data-ok", "false");
  await expect(total).toContainText("1 field is not a valid percentage");
  await expect(save).toBeDisabled();
  await pct(page, 5).fill("1.84");
  await expect(total).toHaveAttribute("data-ok", "true");

  // Search and sort change what is shown, never the vector.
  const search = editor.getByLabel("Search models");
  await search.fill(at(ids, 7, "ids").slice(0, 12));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(label(at(ids, 7, "ids")));
  await search.fill("");
  await editor.getByLabel("Sort models").selectOption("weight");
  await expect(rows.first()).toContainText(label(at(ids, 0, "ids")));
  await screenshot(page, "32-editor-50-models");

  // Export: the rebalance script's parser reads the file back to the same vector.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    editor.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const exported = readFileSync(await download.path(), "utf8");
  const parsed = parseRebalanceCsv(exported);
  expect(parsed.problems).toEqual([]);
  const exportedWeights = at(parsed.accounts, 0, "accounts").weights;
  expect(exportedWeights).toHaveLength(MODELS);
  expect(exportedWeights.reduce((sum, w) => sum + w.bps, 0)).toBe(10_000);
  expect(exportedWeights[0]).toMatchObject({ modelId: ids[0], bps: 1_000 });

  // Import a file: ten models at 10% each, the rest 0.
  const tenAtTen = ["account,model,weight", ...ids.slice(0, 10).map((id) => `${me},${id},10%`)].join("\n");
  await editor.getByLabel("CSV file to import").setInputFiles({
    name: "ten.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(tenAtTen),
  });
  await expect(editor.getByTestId("editor-notice")).toContainText("Loaded 10 rows from ten.csv");
  for (const i of [0, 9]) await expect(pct(page, i)).toHaveValue("10");
  for (const i of [10, 49]) await expect(pct(page, i)).toHaveValue("0");

  // A pasted CSV that does not total 100% is refused whole: the draft is unchanged.
  await editor.getByRole("button", { name: "Paste CSV" }).click();
  await editor.getByLabel("CSV to load").fill(`account,model,weight\n${me},${ids[0]},90%\n`);
  await editor.getByRole("button", { name: "Load pasted CSV" }).click();
  await expect(editor.getByTestId("editor-notice")).toContainText("was not loaded (the draft is unchanged)");
  await expect(editor.getByTestId("editor-notice")).toContainText("10.00% short of 100%");
  await expect(pct(page, 1)).toHaveValue("10");
  await expect(pct(page, 12)).toHaveValue("0");

  // Save what is on screen: the wallet shows 50 weights by model; the chain holds exactly them.
  await expect(total).toContainText("exactly 100%");
  await save.click();
  await expect(editor.getByTestId("editor-notice")).toHaveCount(0); // the refused paste was about an earlier draft
  await expect(page.getByTestId("dev-wallet-call")).toHaveText("setAllocation");
  await answerWallet(page, "Confirm");
  await expect(editor.getByTestId("editor-tx")).toHaveAttribute("data-phase", "confirmed");
  const expected = ids.map((_, i) => (i < 10 ? 1_000 : 0));
  expect(await nextRoundWeights(me)).toEqual(expected);
  await expect(editor.getByTestId("next-bps-0")).toHaveText("10.00%");
  // Every step done: the first-run card goes away.
  await expect(page.getByTestId("get-started")).toHaveCount(0);

  await page.setViewportSize({ width: 375, height: 800 });
  await pct(page, 20).scrollIntoViewIfNeeded();
  await expect(editor.getByTestId("editor-bar")).toBeInViewport();
  const sideways = await sidewaysOverflow(page);
  expect(sideways.overflow, `${sideways.culprits.join("; ")}`).toBeLessThanOrEqual(0);
  await screenshot(page, "33-editor-50-models-phone");
});

test("a visitor of an account with proposals waiting sees whose step it is; its staker declines them", async ({
  page,
}) => {
  const someone = at(DEV_ACCOUNTS, 7, "dev accounts").address; // the demo does not use it
  const model = keccak256(toHex("e2e visitor model")).slice(0, 34);
  expect((await accountOf(someone)).modelCount).toBe(0);
  await send(OPERATOR, "proposeModels", [someone, [model]]);
  await page.goto(`/account/${someone}`);
  await expect(page.getByTestId("role-badge")).toHaveText("Read-only");
  await expect(page.getByTestId("empty-account")).toContainText(
    "1 model is proposed to this account, waiting for its staker's consent; nothing is staked yet.",
  );
  await expect(page.getByTestId("locked")).toHaveCount(0);
  await expect(page.getByTestId("get-started")).toHaveCount(0);
  await expect(page.locator("main")).not.toContainText(/\byour (stake|models)\b/);

  // The staker declines: the proposal is cancelled on chain and nothing is bound.
  await connectDevWallet(page, 7);
  const proposals = page.getByTestId("model-proposals");
  await expect(proposals).toContainText(model);
  await proposals.getByRole("button", { name: "Decline all" }).click();
  await expect(page.getByTestId("dev-wallet-call")).toHaveText("cancelModelProposals");
  await answerWallet(page, "Confirm");
  await expect(page.getByTestId("decline-tx")).toHaveAttribute("data-phase", "confirmed");
  const proposedTo = await chain.readContract({
    address: demo().stake,
    abi: portfolioStakeAbi,
    functionName: "modelProposal",
    args: [model as Hex],
  });
  expect(proposedTo).toBe("0x0000000000000000000000000000000000000000");
  expect((await accountOf(someone)).modelCount).toBe(0);
  await expect(page.getByTestId("setup-step-1")).toContainText("No model is proposed to this address yet");
});
