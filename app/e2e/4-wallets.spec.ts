import { expect, test } from "@playwright/test";
import { answerWallet, connectDevWallet, demoAccount, nextRoundWeights, screenshot } from "./helpers";

/**
 * A stand-in browser extension: announces itself with EIP-6963, starts on Ethereum mainnet (chain 1), switches
 * chains on request, and forwards everything else to the test chain.
 */
function installTestWallet(args: { account: string; rpcUrl: string }) {
  let chainId = "0x1";
  let authorised = false; // like a real extension: no accounts until the site asks for them
  const listeners: Record<string, ((value: unknown) => void)[]> = {};
  const emit = (event: string, value: unknown) => (listeners[event] ?? []).forEach((f) => f(value));
  const provider = {
    async request({ method, params }: { method: string; params?: unknown[] }) {
      switch (method) {
        case "eth_chainId":
          return chainId;
        case "eth_accounts":
          return authorised ? [args.account] : [];
        case "eth_requestAccounts":
          authorised = true;
          return [args.account];
        case "wallet_requestPermissions":
        case "wallet_getPermissions":
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_revokePermissions":
          return null;
        case "wallet_switchEthereumChain":
          chainId = (params as [{ chainId: string }])[0].chainId;
          emit("chainChanged", chainId);
          return null;
      }
      const response = await fetch(args.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      const body = (await response.json()) as {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      // Rejects like a wallet: with the node's error code, message and data (as an Error, which viem reads the same).
      if (body.error) throw Object.assign(new Error(body.error.message), body.error);
      return body.result;
    },
    on(event: string, f: (value: unknown) => void) {
      (listeners[event] ??= []).push(f);
    },
    removeListener(event: string, f: (value: unknown) => void) {
      listeners[event] = (listeners[event] ?? []).filter((g) => g !== f);
    },
  };
  const info = {
    uuid: "3f1b8a2e-0000-4000-8000-000000000001",
    name: "Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Ccircle cx='4' cy='4' r='4' fill='%23e67e22'/%3E%3C/svg%3E",
    rdns: "org.example.testwallet",
  };
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

test("an EIP-6963 wallet is discovered; on the wrong network the app says so and switches in one click", async ({
  page,
}) => {
  const bob = demoAccount("bob");
  await page.addInitScript(installTestWallet, {
    account: bob.address,
    rpcUrl: process.env.E2E_RPC_URL ?? "http://127.0.0.1:8547",
  });
  await page.goto(`/account/${bob.address}`);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByRole("button", { name: "Test Wallet" }).click();
  await expect(page.getByTestId("account-button")).toContainText(bob.address.slice(0, 6));
  const banner = page.getByTestId("wrong-network");
  await expect(banner).toContainText("Your wallet is on chain 1");
  await expect(page.getByText("Your wallet is on chain 1: switch to Hardhat first.").first()).toBeVisible();
  await screenshot(page, "13-wrong-network");
  await banner.getByRole("button", { name: /Switch to/ }).click();
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId("role-badge")).toHaveText("Your account");
});

test("a manager can change the staker's weights (setAllocationFor)", async ({ page }) => {
  const bob = demoAccount("bob");
  await page.goto(`/account/${bob.address}`);
  await connectDevWallet(page, 5); // the demo's manager of bob
  await expect(page.getByTestId("role-badge")).toHaveText("You manage this account");
  await expect(page.getByRole("heading", { name: "Deposit" })).toHaveCount(0); // a manager never moves NMR
  const editor = page.locator("#editor");
  await editor.getByRole("button", { name: "Split evenly" }).click();
  await editor.getByRole("button", { name: "Save allocation" }).click();
  await answerWallet(page, "Confirm");
  await expect(editor.getByTestId("editor-tx")).toHaveAttribute("data-phase", "confirmed");
  expect(await nextRoundWeights(bob.address)).toEqual([1667, 1667, 1667, 1667, 1666, 1666]);
  await expect(page.getByTestId("next-bps-5")).toHaveText("16.66%");
});
