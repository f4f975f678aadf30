/**
 * EIP-712 of PortfolioStake, written once for everyone who signs (the rebalance job's signed mode, the tests, the
 * invariant fuzz): the contract's domain and its two signed structs. test/contracts/signatures.test.ts pins both
 * tables' type hashes against the contract's SET_ALLOCATION_TYPEHASH and ACCEPT_MODELS_TYPEHASH, and the domain
 * against what the contract reports through ERC-5267 `eip712Domain()`.
 */
import { keccak256, toHex } from "viem";

/** The contract's EIP712("PortfolioStake", "1"). */
export const EIP712_NAME = "PortfolioStake";
export const EIP712_VERSION = "1";

/** The four fields of the contract's domain (no salt, no extensions). */
export interface Eip712Domain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

export interface TypedField {
  name: string;
  type: string;
}

/** The contract's domain on `chainId` at `verifyingContract`. */
export function stakeDomain(chainId: bigint | number, verifyingContract: string): Eip712Domain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId: BigInt(chainId), verifyingContract };
}

/** setAllocationBySig: a new weight vector over the account's models. */
export const SET_ALLOCATION_TYPES: { SetAllocation: TypedField[] } = {
  SetAllocation: [
    { name: "account", type: "address" },
    { name: "modelIds", type: "bytes16[]" },
    { name: "bps", type: "uint16[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** acceptModelsBySig: the staker's consent to models the operator proposed. */
export const ACCEPT_MODELS_TYPES: { AcceptModels: TypedField[] } = {
  AcceptModels: [
    { name: "account", type: "address" },
    { name: "modelIds", type: "bytes16[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** keccak256 of `Name(type name,…)`: the struct's type hash (these structs nest no other struct). */
export function typeHash(types: Record<string, TypedField[]>): `0x${string}` {
  const entries = Object.entries(types);
  const [name, fields] = entries[0] ?? [];
  if (entries.length !== 1 || !name || !fields) throw new Error("typeHash takes a table of exactly one struct");
  return keccak256(toHex(`${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`));
}

/** Anything that implements ERC-5267 (PortfolioStake does). */
export interface Erc5267 {
  eip712Domain(): Promise<{
    fields: string;
    name: string;
    version: string;
    chainId: bigint;
    verifyingContract: string;
    extensions: readonly bigint[];
  }>;
}

/**
 * The contract's EIP-712 domain, read with `eip712Domain()`, so a signer signs exactly what the deployed contract
 * verifies. Fails unless it declares exactly name, version, chainId and verifyingContract (fields 0x0f).
 */
export async function readEip712Domain(contract: Erc5267): Promise<Eip712Domain> {
  const d = await contract.eip712Domain();
  if (d.fields !== "0x0f" || d.extensions.length !== 0) {
    throw new Error(`unexpected ERC-5267 domain fields ${d.fields} / extensions [${d.extensions.join(", ")}]`);
  }
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}
