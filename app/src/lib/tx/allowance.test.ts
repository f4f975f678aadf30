import assert from "node:assert/strict";
import { test } from "node:test";
import { approvalCall } from "./allowance";

const STAKE = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as const;

test("approve from zero (or to zero), changeApproval from a non-zero allowance (NMR's approve rule)", () => {
  assert.deepEqual(approvalCall(STAKE, 0n, 5n), { functionName: "approve", args: [STAKE, 5n] });
  assert.deepEqual(approvalCall(STAKE, 3n, 0n), { functionName: "approve", args: [STAKE, 0n] });
  assert.deepEqual(approvalCall(STAKE, 3n, 5n), { functionName: "changeApproval", args: [STAKE, 3n, 5n] });
});
