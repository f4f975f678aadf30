/**
 * The main pages in three looks (desktop, phone, dark theme), written to e2e-artifacts/ to be looked at, each page
 * checked for what a look can break: nothing wider than a phone's screen, the page's main content rendered, no
 * console error. Runs first, on the demo as generated (read-only: nothing is sent).
 */
import { expect, test, type Page } from "@playwright/test";
import { connectDevWallet, demoAccount, screenshot, sidewaysOverflow } from "./helpers";

const LOOKS = [
  { name: "desktop", viewport: { width: 1280, height: 900 }, colorScheme: "light" },
  { name: "phone", viewport: { width: 375, height: 800 }, colorScheme: "light" },
  { name: "dark", viewport: { width: 1280, height: 900 }, colorScheme: "dark" },
] as const;

interface Shot {
  name: string;
  path: (address: string) => string;
  ready: (page: Page) => Promise<void>;
  owner?: boolean;
}

const PAGES: Shot[] = [
  { name: "home", path: () => "/", ready: (p) => expect(p.getByLabel("Account address")).toBeVisible() },
  {
    name: "account-read-only",
    path: (a) => `/account/${a}`,
    ready: (p) => expect(p.getByTestId("model-table")).toBeVisible(),
  },
  {
    name: "account-owner",
    path: (a) => `/account/${a}`,
    owner: true,
    ready: async (p) => {
      await expect(p.getByTestId("editor-table")).toBeVisible();
      await expect(p.getByTestId("recent-return-0")).not.toHaveText("…");
    },
  },
  {
    name: "performance",
    path: (a) => `/account/${a}/performance`,
    ready: (p) => expect(p.getByTestId("suggestion-table")).toBeVisible(),
  },
  {
    name: "history",
    path: (a) => `/account/${a}/history`,
    ready: (p) => expect(p.locator("main table").first()).toBeVisible(),
  },
];

for (const look of LOOKS) {
  test(`main pages, ${look.name}: rendered, no sideways scrolling, no console error`, async ({ page }) => {
    test.setTimeout(120_000);
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.setViewportSize(look.viewport);
    await page.emulateMedia({ colorScheme: look.colorScheme });
    const carol = demoAccount("carol");
    for (const shot of PAGES) {
      await page.goto(shot.path(carol.address));
      if (shot.owner) await connectDevWallet(page, carol.devIndex);
      await shot.ready(page);
      const sideways = await sidewaysOverflow(page);
      expect(sideways.overflow, `${shot.name} on ${look.name}: ${sideways.culprits.join("; ")}`).toBeLessThanOrEqual(0);
      if (look.name === "phone") {
        // These tables fit a phone's width (as cards or compact); others may scroll sideways with the model kept in view.
        const scrolling = await page.evaluate(() =>
          ["suggestion-table", "editor-table", "history-table"]
            .filter((id) => {
              const wrap = document.querySelector(`[data-testid="${id}"]`)?.closest(".table-wrap");
              return wrap ? wrap.scrollWidth > wrap.clientWidth : false;
            })
            .map((id) => {
              const wrap = document.querySelector(`[data-testid="${id}"]`)!.closest(".table-wrap")!;
              return `${id} (${wrap.scrollWidth} px in ${wrap.clientWidth})`;
            }),
        );
        expect(scrolling, `tables scrolling sideways on ${shot.name}`).toEqual([]);
      }
      await screenshot(page, `shot-${shot.name}-${look.name}`);
    }
    expect(errors).toEqual([]);
  });
}
