/**
 * Signing for the tests (unit suites, the invariant fuzz): SetAllocation messages over the domain the contract reports
 * (ERC-5267), with the type table and domain of @portfolio-stake/core/eip712, and a malleated signature. The contract
 * tests pin that table and domain against the deployed contract (test/contracts/signatures.test.ts).
 */
import { ethers, type Signer } from "ethers";
import { SET_ALLOCATION_TYPES, readEip712Domain, type Eip712Domain, type Erc5267 } from "@portfolio-stake/core/eip712";

export interface AllocationMessage {
  account: string;
  modelIds: string[];
  bps: number[];
  nonce: bigint | number;
  deadline: bigint | number;
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
  return signSetAllocation(signer, { ...(await readEip712Domain(stake)), ...domainOverrides }, message);
}

/** The same ECDSA signature with s replaced by n - s (and v flipped): valid for ecrecover, rejected by OZ ECDSA. */
export function malleate(signature: string): string {
  const sig = ethers.Signature.from(signature);
  const n = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
  const highS = n - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(v, 1)]);
}
