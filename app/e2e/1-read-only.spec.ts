import { expect, test } from "@playwright/test";
import { connectDevWallet, demoAccount, screenshot } from "./helpers";

test("home: a bad address is refused in words; a demo account opens read-only", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Portfolio stake" })).toBeVisible();
  await page.getByLabel("Account address").fill("0x1234");
  await page.getByRole("button", { name: "View", exact: true }).click();
  await expect(page.locator("#address-error")).toHaveText(/not an Ethereum address/);
  await expect(page.getByLabel("Account address")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: /carol/ })).toBeVisible();
  await screenshot(page, "01-home");

  const carol = demoAccount("carol");
  await page.getByLabel("Account address").fill(carol.address.toLowerCase());
  await page.getByRole("button", { name: "View", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/account/${carol.address.toLowerCase()}$`));
  await expect(page.getByRole("heading", { name: "carol's account" })).toBeVisible();
  await expect(page.getByTestId("role-badge")).toHaveText("Read-only");
  await expect(page.getByText("Viewing without a wallet")).toBeVisible();
  // All 17 models with their names, weights summing to 100%, and no way to change anything.
  const rows = page.getByTestId("model-table").locator("tbody tr");
  await expect(rows).toHaveCount(17);
  await expect(rows.first()).toContainText("carol_00");
  await expect(page.getByTestId("model-table").locator("tfoot")).toContainText("100.00%");
  await expect(page.locator("#editor")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Deposit" })).toHaveCount(0);
  await expect(page.getByTestId("locked")).toContainText("NMR");
  // A visitor reads about the account's stake, never "your stake".
  await expect(page.locator("main")).toContainText("A round puts a slice of the account's stake at risk");
  await expect(page.locator("main")).toContainText("unless its staker or manager changes it");
  await expect(page.locator("main")).not.toContainText(/\byour (stake|models)\b|\byou hold\b|unless you change/);
  // The header's sections point at the viewed address.
  await expect(
    page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Performance" }),
  ).toHaveAttribute("href", `/account/${carol.address.toLowerCase()}/performance`);
  await screenshot(page, "02-account-read-only-light");
});

test("an address in the URL that is not one says so", async ({ page }) => {
  await page.goto("/account/not-an-address");
  await expect(page.getByRole("alert").filter({ hasText: "not an Ethereum address" })).toContainText(
    "“not-an-address” is not an Ethereum address",
  );
});

test("dark/light: follows the system, the toggle overrides it and is remembered", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  const alice = demoAccount("alice");
  await page.goto(`/account/${alice.address}`);
  await expect(page.getByTestId("model-table")).toBeVisible();
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe("rgb(18, 21, 27)");
  await screenshot(page, "03-account-read-only-dark");
  await page.getByRole("button", { name: "Switch to light theme" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await background()).toBe("rgb(247, 248, 250)");
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await background()).toBe("rgb(247, 248, 250)");
});

test("a phone-sized screen: no sideways scrolling, the editor usable", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  const carol = demoAccount("carol");
  await page.goto(`/account/${carol.address}`);
  await connectDevWallet(page, carol.devIndex);
  // The owner gets one list: the editor's, each model a small card (no second read-only table).
  await expect(page.getByTestId("editor-table")).toBeVisible();
  await expect(page.getByTestId("model-table")).toHaveCount(0);
  const pct = page.getByLabel("Weight of carol_16 in percent");
  await pct.scrollIntoViewIfNeeded();
  await expect(pct).toBeInViewport();
  await expect(page.getByRole("button", { name: "Raise carol_16 by 0.1%" })).toBeInViewport();
  await expect(page.getByTestId("editor-bar")).toBeInViewport(); // the total and Save stay in view
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "04-account-mobile");
});
