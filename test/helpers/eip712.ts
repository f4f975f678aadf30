/**
 * EIP-712 for every test that signs a SetAllocation (unit suites, the invariant fuzz): the type table, written here
 * once and independently of scripts/lib/rebalanceCalls.ts (so a wrong table in the scripts is caught by the contract,
 * not copied), and the domain read from the contract itself through ERC-5267 `eip712Domain()`, so a test signs
 * exactly what the deployed contract verifies. test/contracts/signatures.test.ts pins both: the domain's values and
 * the table's type hash against the contract's SET_ALLOCATION_TYPEHASH.
 */
import { ethers, type Signer, type TypedDataField } from "ethers";

/** The SetAllocation struct as the contract hashes it (IPortfolioStake.SET_ALLOCATION_TYPEHASH). */
export const SET_ALLOCATION_TYPES: Record<string, TypedDataField[]> = {
  SetAllocation: [
    { name: "account", type: "address" },
    { name: "modelIds", type: "bytes16[]" },
    { name: "bps", type: "uint16[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** keccak256 of the encoded SetAllocation type, as computed from the table above. */
export const SET_ALLOCATION_TYPEHASH = ethers.id(
  ethers.TypedDataEncoder.from(SET_ALLOCATION_TYPES).encodeType("SetAllocation"),
);

export interface AllocationMessage {
  account: string;
  modelIds: string[];
  bps: number[];
  nonce: bigint | number;
  deadline: bigint | number;
}

/** The four fields of the contract's domain (no salt, no extensions). */
export interface Eip712Domain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

/** Anything that implements ERC-5267 (PortfolioStake does). */
export interface Erc5267 {
  eip712Domain(): Promise<{
    fields: string;
    name: string;
    version: string;
    chainId: bigint;
    verifyingContract: string;
    extensions: bigint[];
  }>;
}

/**
 * The contract's EIP-712 domain, read with `eip712Domain()`. Fails unless the contract declares exactly name, version,
 * chainId and verifyingContract (fields 0x0f): the domain the signatures below are made over.
 */
export async function eip712Domain(contract: Erc5267): Promise<Eip712Domain> {
  const d = await contract.eip712Domain();
  if (d.fields !== "0x0f" || d.extensions.length !== 0) {
    throw new Error(`unexpected ERC-5267 domain fields ${d.fields} / extensions [${d.extensions}]`);
  }
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** Signs a SetAllocation message over `domain` (deterministic: RFC 6979). */
export function signSetAllocation(
  signer: Pick<Signer, "signTypedData">,
  domain: Eip712Domain,
  message: AllocationMessage,
): Promise<string> {
  return signer.signTypedData(domain, SET_ALLOCATION_TYPES, message);
}

/**
 * Signs a SetAllocation message for `stake`, over the domain the contract reports; `domainOverrides` forges a wrong
 * domain (another chain id, contract, name or version).
 */
export async function signAllocation(
  stake: Erc5267,
  signer: Pick<Signer, "signTypedData">,
  message: AllocationMessage,
  domainOverrides: Partial<Eip712Domain> = {},
): Promise<string> {
  return signSetAllocation(signer, { ...(await eip712Domain(stake)), ...domainOverrides }, message);
}

/** The same ECDSA signature with s replaced by n - s (and v flipped): valid for ecrecover, rejected by OZ ECDSA. */
export function malleate(signature: string): string {
  const sig = ethers.Signature.from(signature);
  const n = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
  const highS = n - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(v, 1)]);
}
