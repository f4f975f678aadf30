import { expect, test } from "@playwright/test";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { formatTime } from "../src/lib/format";
import {
  answerWallet,
  chain,
  connectDevWallet,
  demo,
  demoAccount,
  nextRoundWeights,
  roundInfo,
  screenshot,
} from "./helpers";

test("connect the development wallet, reallocate, reject, edit the draft, retry: the edited vector is saved", async ({
  page,
}) => {
  const alice = demoAccount("alice");
  await page.goto(`/account/${alice.address}`);
  await expect(page.getByTestId("role-badge")).toHaveText("Read-only");
  await connectDevWallet(page, alice.devIndex);
  await expect(page.getByTestId("role-badge")).toHaveText("Your account");
  await expect(page.locator("main")).toContainText("A round puts a slice of your stake at risk"); // the owner is "you"

  const editor = page.locator("#editor");
  const pct = (i: number) => editor.getByLabel(`Weight of alice_0${i} in percent`);
  const save = editor.getByRole("button", { name: "Save allocation" });
  const total = editor.getByTestId("editor-total");

  // A bad total: says by how much it is off and refuses to save.
  await editor.getByRole("button", { name: "Split evenly" }).click();
  for (let i = 0; i < 4; i++) await expect(pct(i)).toHaveValue("25");
  await expect(total).toContainText("exactly 100%");
  await pct(0).fill("30");
  await expect(total).toContainText("Total 105.00%");
  await expect(total).toContainText("5.00% over 100%");
  await expect(save).toBeDisabled();
  await pct(0).fill("24.5");
  await expect(total).toContainText("0.50% short of 100%");
  await expect(save).toBeDisabled();
  await expect(editor.getByText("Total is 99.50%: 0.50% short of 100%.")).toBeVisible();
  await screenshot(page, "05-editor-bad-total");

  // More than two decimals is refused in words.
  await pct(1).fill("12.345");
  await expect(editor.getByRole("alert")).toContainText("more than two decimals of a percent");
  await expect(save).toBeDisabled();

  // An invalid field never leaves the total green: the total is unknown until it is fixed.
  await expect(total).toHaveAttribute("data-ok", "false");
  await expect(total).toContainText("Total unknown");
  await expect(total).not.toContainText("exactly 100%");

  // Keyboard and steppers: arrows move a weight by 0.1% (Shift: 1%), so do the − and + buttons.
  await editor.getByRole("button", { name: "Clear" }).click();
  await expect(total).toContainText("Total 0.00%");
  await pct(2).focus();
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await expect(pct(2)).toHaveValue("0.2");
  await page.keyboard.press("Shift+ArrowUp");
  await expect(pct(2)).toHaveValue("1.2");
  await editor.getByRole("button", { name: "Lower alice_02 by 0.1%" }).click();
  await expect(pct(2)).toHaveValue("1.1");

  // The vector to save: 10 / 20 / 30 and the rest (40%) on alice_03.
  await pct(0).fill("10");
  await pct(1).fill("20");
  await pct(2).fill("30");
  await editor.getByRole("button", { name: "Put the remainder on alice_03" }).click();
  await expect(pct(3)).toHaveValue("40");
  await expect(total).toContainText("exactly 100%");
  // Before → after in the same list: the saved vector for the next round (the demo's 40/30/20/10) and the change.
  await expect(editor.getByTestId("next-bps-0")).toHaveText("40.00%");
  await expect(editor.getByTestId("change-0")).toHaveText("-30.00%");
  await expect(editor.getByTestId("change-3")).toHaveText("+30.00%"); // alice_03: 10% → 40%
  await expect(editor.getByTestId("editor-changes")).toContainText("4 models change");
  await screenshot(page, "06-editor-changes");

  // Rejected in the wallet: nothing sent, plain words, Retry offered. The prompt shows the weights by model name.
  await save.click();
  const prompt = page.getByTestId("dev-wallet-prompt");
  await expect(prompt.getByTestId("dev-wallet-call")).toHaveText("setAllocation");
  await expect(prompt.getByTestId("dev-wallet-arg-weights")).toHaveText(
    ["alice_00: 10.00%", "alice_01: 20.00%", "alice_02: 30.00%", "alice_03: 40.00%"].join(""),
  );
  await screenshot(page, "07-wallet-prompt");
  await answerWallet(page, "Reject");
  const status = editor.getByTestId("editor-tx");
  await expect(status).toHaveAttribute("data-phase", "rejected");
  await expect(status).toContainText("You rejected the request in your wallet. Nothing was sent.");
  await screenshot(page, "08-tx-rejected");
  expect(await nextRoundWeights(alice.address)).toEqual([4000, 3000, 2000, 1000]);

  // The draft changes after the rejection: Retry waits while it is not savable, then sends the draft on screen.
  const retry = status.getByRole("button", { name: "Retry" });
  await pct(0).fill("70");
  await expect(retry).toBeDisabled();
  await expect(status).toContainText("Retry sends the draft above: Total is 160.00%: 60.00% over 100%.");
  await pct(1).fill("10");
  await pct(2).fill("10");
  await pct(3).fill("10");
  await expect(total).toContainText("exactly 100%");
  await retry.click();
  await expect(prompt.getByTestId("dev-wallet-arg-weights")).toHaveText(
    ["alice_00: 70.00%", "alice_01: 10.00%", "alice_02: 10.00%", "alice_03: 10.00%"].join(""),
  );
  await answerWallet(page, "Confirm");
  await expect(status).toHaveAttribute("data-phase", "confirmed");
  await expect(status).toContainText(/Included in block \d+/);
  await expect(page.getByTestId("pending-vector")).toContainText("A new vector is pending");
  // When it takes effect: the next round's opening (the newest round's openedAt + minRoundInterval), in words.
  const current = await chain.readContract({
    address: demo().stake,
    abi: portfolioStakeAbi,
    functionName: "currentRound",
  });
  const [opened, parameters] = await Promise.all([
    roundInfo(current),
    chain.readContract({ address: demo().stake, abi: portfolioStakeAbi, functionName: "parameters" }),
  ]);
  const opensAt = formatTime(opened.openedAt + parameters.minRoundInterval);
  await expect(page.getByTestId("pending-vector")).toContainText(
    new RegExp(
      `takes effect from round ${current + 1}, (expected to open at ${opensAt} \\(in .*; the operator opens it, never earlier\\)|as soon as the operator opens it \\(it may open since ${opensAt}\\))`,
    ),
  );
  for (const [i, text] of ["70.00%", "10.00%", "10.00%", "10.00%"].entries()) {
    await expect(page.getByTestId(`next-bps-${i}`)).toHaveText(text);
  }
  await expect(save).toBeDisabled(); // the draft is now the saved vector
  expect(await nextRoundWeights(alice.address)).toEqual([7000, 1000, 1000, 1000]);
  await screenshot(page, "09-tx-confirmed");
});

test("a suggestion link loads a vector into the editor without saving it", async ({ page }) => {
  const alice = demoAccount("alice");
  const [m0, m1, m2, m3] = alice.models.map((m) => m.id);
  const saved = await nextRoundWeights(alice.address);
  await page.goto(`/account/${alice.address}`);
  await connectDevWallet(page, alice.devIndex);
  await page.goto(
    `/account/${alice.address}?weights=${m0}:2500,${m1}:2500,${m2}:2500,${m3}:2500,0x${"e".repeat(32)}:5#editor`,
  );
  const editor = page.locator("#editor");
  await expect(editor.getByTestId("editor-notice")).toContainText("Loaded a suggested vector");
  await expect(editor.getByTestId("editor-notice")).toContainText(
    `0x${"e".repeat(32)} is not one of this account's models`,
  );
  for (let i = 0; i < 4; i++) await expect(editor.getByLabel(`Weight of alice_0${i} in percent`)).toHaveValue("25");
  await expect(editor.getByRole("button", { name: "Save allocation" })).toBeEnabled();
  expect(await nextRoundWeights(alice.address)).toEqual(saved); // nothing was sent
});
