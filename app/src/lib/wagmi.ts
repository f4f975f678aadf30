/**
 * wagmi: one chain (src/lib/chain.ts), our RPC only. Injected wallets come from EIP-6963 discovery (wagmi's
 * multiInjectedProviderDiscovery, on by default) plus the legacy window.ethereum `injected()` fallback; on the local
 * chain the development wallet is added. No WalletConnect or hosted services.
 */
import { createConfig } from "wagmi";
import { injected } from "wagmi/connectors";
import { appChain, IS_LOCAL_CHAIN, rpcTransport } from "@/lib/chain";
import { devWallet } from "@/lib/devWallet/connector";

export const wagmiConfig = createConfig({
  chains: [appChain],
  connectors: [injected({ shimDisconnect: true }), ...(IS_LOCAL_CHAIN ? [devWallet()] : [])],
  transports: { [appChain.id]: rpcTransport() },
  ssr: true,
});

declare module "wagmi" {
  interface Register {
    config: typeof wagmiConfig;
  }
}
