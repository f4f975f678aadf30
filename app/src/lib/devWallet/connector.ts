/**
 * "Development wallet": a wagmi connector for the local chain that holds Hardhat's public test keys and signs with
 * viem in the page, so a newcomer can use the app without a browser extension. Each transaction waits for
 * Confirm/Reject (prompt.ts). Only offered when the app is configured for chain 31337.
 */
import { createConnector } from "wagmi";
import {
  type Address,
  type EIP1193RequestFn,
  type Hex,
  type TypedDataDefinition,
  custom,
  fromHex,
  getAddress,
  hexToBigInt,
  numberToHex,
  SwitchChainError,
  UserRejectedRequestError,
} from "viem";
import { appChain, rpcTransport } from "@/lib/chain";
import { DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { requestDevWalletApproval } from "./prompt";

export const DEV_WALLET_ID = "devWallet";
const ACCOUNT_KEY = "devWallet.account";
const CONNECTED_KEY = "devWallet.connected";

function storage(): Storage | undefined {
  return typeof window === "undefined" ? undefined : window.localStorage;
}

export function selectedDevAccountIndex(): number {
  const stored = Number(storage()?.getItem(ACCOUNT_KEY) ?? 1); // alice by default: she has stake and models
  return Number.isInteger(stored) && stored >= 0 && stored < DEV_ACCOUNTS.length ? stored : 1;
}

/** Hardhat account `index` (0-19), or an error naming the index. */
function devAccount(index: number) {
  const account = DEV_ACCOUNTS[index];
  if (!account) throw new Error(`no dev account ${index}`);
  return account;
}

let announceAccount: ((address: Address) => void) | undefined;

/** Switches the development wallet to Hardhat account `index` (like picking another account in an extension). */
export function selectDevAccount(index: number): void {
  const { address } = devAccount(index);
  storage()?.setItem(ACCOUNT_KEY, String(index));
  announceAccount?.(address);
}

type RpcTransaction = { from?: Address; to?: Address; data?: Hex; value?: Hex; gas?: Hex };

export function devWallet() {
  return createConnector<{ request: EIP1193RequestFn }>((config) => {
    const selected = () => devAccount(selectedDevAccountIndex());
    // Signing code (secp256k1, transaction serialisation) loads only when the dev wallet first signs something.
    const signer = async () => {
      const [{ privateKeyToAccount }, { sendTransaction }, { createClient }] = await Promise.all([
        import("viem/accounts"),
        import("viem/actions"),
        import("viem"),
      ]);
      const account = privateKeyToAccount(selected().privateKey);
      const client = createClient({ account, chain: appChain, transport: rpcTransport() });
      return { account, send: (tx: Parameters<typeof sendTransaction>[1]) => sendTransaction(client, tx) };
    };
    const forward = rpcTransport()({ chain: appChain, retryCount: 0 });

    const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
      const address = selected().address;
      switch (method) {
        case "eth_chainId":
          return numberToHex(appChain.id);
        case "eth_accounts":
        case "eth_requestAccounts":
          return [address];
        case "wallet_switchEthereumChain": {
          const [{ chainId }] = params as [{ chainId: Hex }];
          if (fromHex(chainId, "number") !== appChain.id)
            throw new SwitchChainError(new Error(`the development wallet only knows chain ${appChain.id}`));
          return null;
        }
        case "eth_sendTransaction": {
          const [tx] = params as [RpcTransaction];
          if (tx.from && getAddress(tx.from) !== address)
            throw new Error(`the development wallet holds ${address}, not ${tx.from}`);
          const value = tx.value ? hexToBigInt(tx.value) : undefined;
          const approved = await requestDevWalletApproval({
            kind: "transaction",
            from: address,
            to: tx.to,
            data: tx.data,
            value,
          });
          if (!approved) throw new UserRejectedRequestError(new Error("Rejected in the development wallet"));
          const { send } = await signer();
          return send({ to: tx.to, data: tx.data, value, gas: tx.gas ? hexToBigInt(tx.gas) : undefined } as never);
        }
        case "personal_sign": {
          const [data] = params as [Hex, Address];
          const approved = await requestDevWalletApproval({ kind: "signature", from: address, message: data });
          if (!approved) throw new UserRejectedRequestError(new Error("Rejected in the development wallet"));
          return (await signer()).account.signMessage({ message: { raw: data } });
        }
        case "eth_signTypedData_v4": {
          const [, json] = params as [Address, string];
          const approved = await requestDevWalletApproval({ kind: "signature", from: address, message: json });
          if (!approved) throw new UserRejectedRequestError(new Error("Rejected in the development wallet"));
          return (await signer()).account.signTypedData(JSON.parse(json) as TypedDataDefinition);
        }
        default:
          return forward.request({ method, params } as never);
      }
    };
    const provider = custom({ request: request as EIP1193RequestFn })({ chain: appChain, retryCount: 0 });

    return {
      id: DEV_WALLET_ID,
      name: "Development wallet",
      type: "devWallet",
      async setup() {
        announceAccount = (address) => config.emitter.emit("change", { accounts: [address] });
      },
      async connect<withCapabilities extends boolean = false>(_parameters?: {
        chainId?: number;
        isReconnecting?: boolean;
        withCapabilities?: withCapabilities | boolean;
      }) {
        storage()?.setItem(CONNECTED_KEY, "true");
        return {
          accounts: [selected().address] as never,
          chainId: appChain.id,
        };
      },
      async disconnect() {
        storage()?.removeItem(CONNECTED_KEY);
      },
      async getAccounts() {
        return [selected().address];
      },
      async getChainId() {
        return appChain.id;
      },
      async getProvider() {
        return provider;
      },
      async isAuthorized() {
        return storage()?.getItem(CONNECTED_KEY) === "true";
      },
      async switchChain({ chainId }) {
        if (chainId !== appChain.id)
          throw new SwitchChainError(new Error(`the development wallet only knows chain ${appChain.id}`));
        return appChain;
      },
      onAccountsChanged(accounts) {
        if (accounts.length === 0) config.emitter.emit("disconnect");
        else config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chainId) {
        config.emitter.emit("change", { chainId: Number(chainId) });
      },
      onDisconnect() {
        storage()?.removeItem(CONNECTED_KEY);
        config.emitter.emit("disconnect");
      },
    };
  });
}
