/**
 * One eth_call that reads everything the invariant checker compares: totals, token balances, every account's view,
 * nonce, and its stake and weight vector for a range of rounds. Hardhat charges a roughly fixed cost per EVM call
 * frame and per JSON-RPC request, so batching the reads in a contract is what lets the fuzz run check every action.
 *
 * InvariantReader.sol sits next to this file (outside contracts/, so Hardhat neither compiles nor covers it); it is
 * compiled here with the same solc-js package Hardhat uses.
 */
import * as fs from "fs";
import * as path from "path";
import { ethers } from "ethers";

export interface ReaderArtifact {
  abi: ethers.InterfaceAbi;
  bytecode: string;
}

let artifact: ReaderArtifact | undefined;

/** solc-js, as used here (its own typings declare `compile` as `any`). */
interface Solc {
  compile(input: string): string;
}

/** The parts of solc's standard-JSON output read here (outputSelection asks for InvariantReader's abi and bytecode). */
interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: {
    "InvariantReader.sol": { InvariantReader: { abi: ethers.InterfaceAbi; evm: { bytecode: { object: string } } } };
  };
}

/** Compiles InvariantReader.sol (once per process). */
export function readerArtifact(): ReaderArtifact {
  if (artifact) return artifact;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: solc-js is large, and only needed here
  const solc = require("solc") as Solc;
  const source = fs.readFileSync(path.join(__dirname, "InvariantReader.sol"), "utf8");
  const input = {
    language: "Solidity",
    sources: { "InvariantReader.sol": { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "prague",
      outputSelection: { "*": { InvariantReader: ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const contract = output.contracts["InvariantReader.sol"].InvariantReader;
  artifact = { abi: contract.abi, bytecode: "0x" + contract.evm.bytecode.object };
  return artifact;
}

/** Account-rounds one eth_call reads at most (each is a stakeAt and an allocationAt of up to 64 models). */
const ACCOUNT_ROUNDS_PER_CALL = 150;

/** Sentinel word for a round whose vector view reverted (AllocationHistoryPruned). */
export const NO_VECTOR = ethers.MaxUint256;

export interface ChainVector {
  pruned: boolean;
  idsLength: number;
  idsHash: string;
  bps: number[];
}

export interface ChainAccount {
  balance: bigint;
  pendingWithdrawal: bigint;
  withdrawalLastRound: number;
  withdrawalReleaseAt: number;
  nextSettleRound: number;
  unpaidRewards: bigint;
  claimableRewards: bigint;
  totalRewarded: bigint;
  totalBurned: bigint;
  manager: string; // lower-case
  modelCount: number;
  allocationCount: number;
  lastAllocationRound: number;
  /** Only when read with nonces. */
  nonce?: bigint;
  /** Only when read with model lists. */
  modelsLength?: number;
  modelsHash?: string;
  /** First round read for this account (stakes/vectors are empty when it is past the state's toRound). */
  fromRound: number;
  /** stakeAt(account, r) for r in [fromRound, toRound]. */
  stakes: bigint[];
  /** allocationAt(account, r) for r in [fromRound, toRound]. */
  vectors: ChainVector[];
}

export interface ChainState {
  toRound: number;
  staked: bigint;
  pendingWithdrawals: bigint;
  rewardsPool: bigint;
  owedRewards: bigint;
  owedReserve: bigint;
  currentRound: number;
  paused: boolean;
  totalSupply: bigint;
  /** Lower-case holders read, and token.balanceOf of each. */
  holders: readonly string[];
  holderBalances: bigint[];
  accounts: ChainAccount[];
}

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export class StateReader {
  private readonly iface: ethers.Interface;
  constructor(
    private readonly provider: Eip1193,
    private readonly readerAddress: string,
    private readonly stakeAddress: string,
    private readonly tokenAddress: string,
    readonly holders: readonly string[],
    readonly accounts: readonly string[],
  ) {
    this.iface = new ethers.Interface(readerArtifact().abi);
  }

  /**
   * Reads state; rounds fromRounds[i]..toRound for accounts[i] (none when fromRounds[i] > toRound). Long reads are
   * split over several eth_calls by account (a call may use at most 2^24 gas, EIP-7825); nothing changes between
   * them (no transaction), so the parts are merged into one consistent state.
   */
  async read(
    fromRounds: readonly number[],
    toRound: number,
    opts: { models?: boolean; nonces?: boolean; holders?: readonly string[] } = {},
    accounts = this.accounts,
  ): Promise<ChainState> {
    const rounds = (i: number) => {
      const from = fromRounds[i] ?? toRound + 1;
      return toRound >= from ? toRound - from + 1 : 0;
    };
    const groups: number[][] = [];
    let size = Infinity;
    for (let i = 0; i < accounts.length; i++) {
      let group = groups[groups.length - 1];
      if (group === undefined || size + rounds(i) > ACCOUNT_ROUNDS_PER_CALL) {
        group = [];
        groups.push(group);
        size = 0;
      }
      group.push(i);
      size += rounds(i) + 1;
    }
    if (groups.length <= 1) return this.readOnce(fromRounds, toRound, opts, accounts);
    const parts = [];
    for (const g of groups) {
      parts.push(
        await this.readOnce(
          g.map((i) => fromRounds[i]!),
          toRound,
          opts,
          g.map((i) => accounts[i]!),
        ),
      );
    }
    const [first] = parts;
    if (first === undefined) return this.readOnce(fromRounds, toRound, opts, accounts);
    return { ...first, accounts: parts.flatMap((p) => p.accounts) };
  }

  private async readOnce(
    fromRounds: readonly number[],
    toRound: number,
    opts: { models?: boolean; nonces?: boolean; holders?: readonly string[] },
    accounts: readonly string[],
  ): Promise<ChainState> {
    const holders = opts.holders ?? this.holders;
    const flags = (opts.models ? 1 : 0) | (opts.nonces ? 2 : 0);
    const data = this.iface.encodeFunctionData("read", [
      this.stakeAddress,
      this.tokenAddress,
      holders,
      accounts,
      fromRounds,
      toRound,
      flags,
    ]);
    const raw = (await this.provider.request({
      method: "eth_call",
      params: [{ to: this.readerAddress, data }, "latest"],
    })) as string;
    // ABI: uint256[] -> [offset][length][words...]
    const hex = raw.slice(2);
    let i = 2;
    const word = (): bigint => {
      const w = BigInt("0x" + hex.slice(64 * i, 64 * i + 64));
      i++;
      return w;
    };
    const num = () => Number(word());
    const length = Number(BigInt("0x" + hex.slice(64, 128)));
    const state: ChainState = {
      toRound,
      staked: word(),
      pendingWithdrawals: word(),
      rewardsPool: word(),
      owedRewards: word(),
      owedReserve: word(),
      currentRound: num(),
      paused: word() === 1n,
      totalSupply: word(),
      holders,
      holderBalances: holders.map(() => word()),
      accounts: [],
    };
    for (let a = 0; a < accounts.length; a++) {
      const rounds = toRound >= fromRounds[a]! ? toRound - fromRounds[a]! + 1 : 0;
      const acct: ChainAccount = {
        balance: word(),
        pendingWithdrawal: word(),
        withdrawalLastRound: num(),
        withdrawalReleaseAt: num(),
        nextSettleRound: num(),
        unpaidRewards: word(),
        claimableRewards: word(),
        totalRewarded: word(),
        totalBurned: word(),
        manager: "0x" + word().toString(16).padStart(40, "0"),
        modelCount: num(),
        allocationCount: num(),
        lastAllocationRound: num(),
        fromRound: fromRounds[a]!,
        stakes: [],
        vectors: [],
      };
      if (opts.nonces) acct.nonce = word();
      if (opts.models) {
        acct.modelsLength = num();
        acct.modelsHash = "0x" + word().toString(16).padStart(64, "0");
      }
      for (let r = 0; r < rounds; r++) acct.stakes.push(word());
      for (let r = 0; r < rounds; r++) {
        const idsLength = word();
        if (idsLength === NO_VECTOR) {
          acct.vectors.push({ pruned: true, idsLength: 0, idsHash: "", bps: [] });
          continue;
        }
        const idsHash = "0x" + word().toString(16).padStart(64, "0");
        const n = num();
        const bps: number[] = [];
        for (let j = 0; j < n; j++) bps.push(num());
        acct.vectors.push({ pruned: false, idsLength: Number(idsLength), idsHash, bps });
      }
      state.accounts.push(acct);
    }
    if (i - 2 !== length) throw new Error(`reader layout mismatch: parsed ${i - 2} words of ${length}`);
    return state;
  }
}
