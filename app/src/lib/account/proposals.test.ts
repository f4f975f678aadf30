import assert from "node:assert/strict";
import { test } from "node:test";
import type { Hex } from "viem";
import type { AccountEvent } from "@portfolio-stake/core/history";
import { openProposals } from "./proposals";

const txHash: Hex = `0x${"1".repeat(64)}`;
const base = { blockNumber: 1n, logIndex: 0, txHash, openRound: 0 };
const A: Hex = `0x${"a".repeat(32)}`;
const B: Hex = `0x${"b".repeat(32)}`;
const C: Hex = `0x${"c".repeat(32)}`;

test("openProposals: proposed, minus cancelled or registered since; a new proposal reopens", () => {
  const events: AccountEvent[] = [
    { ...base, kind: "model-proposed", modelId: A },
    { ...base, kind: "model-proposed", modelId: B },
    { ...base, kind: "model-proposed", modelId: C },
    { ...base, kind: "model-registered", modelId: A, slot: 0 },
    { ...base, kind: "model-proposal-cancelled", modelId: B },
  ];
  assert.deepEqual(openProposals(events), [C]);
  assert.deepEqual(openProposals([...events, { ...base, kind: "model-proposed", modelId: B }]), [C, B]);
  assert.deepEqual(openProposals([]), []);
});
