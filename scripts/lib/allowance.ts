/**
 * Allowances under NMR's rule: `approve` only from zero or to zero (the real NMR, and NMRLike, refuse a non-zero to
 * non-zero approve); a non-zero allowance is changed with `changeApproval(spender, old, new)`, which NMR has. A token
 * without it (MockNMR, an OpenZeppelin ERC20) is set to zero first, then to the new value.
 */
import { Contract, type Overrides, type Signer } from "ethers";

const ABI = [
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function changeApproval(address spender, uint256 oldValue, uint256 newValue) returns (bool)",
];

type Mined = { wait(): Promise<unknown> };

/**
 * Sets `owner`'s allowance for `spender` on `token` to `value` (no transaction when it already is). `overrides` go to
 * each transaction it sends (e.g. a fixed gasLimit, which skips an estimate).
 */
export async function setAllowance(
  token: string | { getAddress(): Promise<string> },
  owner: Signer,
  spender: string,
  value: bigint,
  overrides: Overrides = {},
): Promise<void> {
  const address = typeof token === "string" ? token : await token.getAddress();
  const nmr = new Contract(address, ABI, owner);
  const current = (await nmr.getFunction("allowance")(await owner.getAddress(), spender)) as bigint;
  if (current === value) return;
  if (current === 0n || value === 0n) {
    await ((await nmr.getFunction("approve")(spender, value, overrides)) as Mined).wait();
    return;
  }
  if (await hasChangeApproval(nmr, spender, current, value)) {
    await ((await nmr.getFunction("changeApproval")(spender, current, value, overrides)) as Mined).wait();
    if (((await nmr.getFunction("allowance")(await owner.getAddress(), spender)) as bigint) === value) return;
    throw new Error(`changeApproval(${spender}, ${current}, ${value}) left the allowance unchanged on ${address}`);
  }
  await ((await nmr.getFunction("approve")(spender, 0n, overrides)) as Mined).wait();
  await ((await nmr.getFunction("approve")(spender, value, overrides)) as Mined).wait();
}

/**
 * Whether the token has NMR's changeApproval: a static call must return true. (NMR's fallback accepts any unknown
 * call and returns nothing, so a token without it answers with empty data, which does not decode as true.)
 */
async function hasChangeApproval(nmr: Contract, spender: string, current: bigint, value: bigint): Promise<boolean> {
  try {
    return (await nmr.getFunction("changeApproval").staticCall(spender, current, value)) === true;
  } catch {
    return false;
  }
}
