import assert from "node:assert/strict";
import { test } from "node:test";
import { ACCEPT_MODELS_TYPES, SET_ALLOCATION_TYPES, readEip712Domain, stakeDomain, typeHash } from "./eip712";
import { keccak256, toHex } from "viem";

test("the type hashes are those of the contract's type strings", () => {
  // The same strings as contracts/PortfolioStake.sol (the contract tests compare with the deployed constants).
  const set = "SetAllocation(address account,bytes16[] modelIds,uint16[] bps,uint256 nonce,uint256 deadline)";
  const accept = "AcceptModels(address account,bytes16[] modelIds,uint256 nonce,uint256 deadline)";
  assert.equal(typeHash(SET_ALLOCATION_TYPES), keccak256(toHex(set)));
  assert.equal(typeHash(ACCEPT_MODELS_TYPES), keccak256(toHex(accept)));
  assert.throws(() => typeHash({ ...SET_ALLOCATION_TYPES, ...ACCEPT_MODELS_TYPES }), /exactly one struct/);
});

test("the domain read through ERC-5267 must be the four-field domain", async () => {
  const address = "0x" + "12".repeat(20);
  const reported = {
    fields: "0x0f",
    name: "PortfolioStake",
    version: "1",
    chainId: 31337n,
    verifyingContract: address,
  };
  assert.deepEqual(
    await readEip712Domain({ eip712Domain: async () => ({ ...reported, extensions: [] }) }),
    stakeDomain(31337, address),
  );
  await assert.rejects(
    readEip712Domain({ eip712Domain: async () => ({ ...reported, fields: "0x1f", extensions: [] }) }),
    /unexpected ERC-5267 domain fields 0x1f/,
  );
});
