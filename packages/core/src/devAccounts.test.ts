import assert from "node:assert/strict";
import { test } from "node:test";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { toHex } from "viem";
import { DEV_ACCOUNTS, HARDHAT_MNEMONIC } from "./devAccounts";

test("the development wallet's keys are Hardhat's default mnemonic accounts 0-9", () => {
  DEV_ACCOUNTS.forEach((entry, index) => {
    const derived = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
    assert.equal(entry.address, derived.address, `address ${index}`);
    assert.equal(entry.privateKey, toHex(derived.getHdKey().privateKey!), `key ${index}`);
    assert.equal(privateKeyToAccount(entry.privateKey).address, entry.address);
  });
});
