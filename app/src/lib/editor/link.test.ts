import assert from "node:assert/strict";
import { test } from "node:test";
import { editorHref, parseWeightsParam } from "./link";

const a = "0x" + "a1".repeat(16);
const b = "0x" + "B2".repeat(16);

test("editorHref and parseWeightsParam round-trip", () => {
  const href = editorHref("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", [
    { modelId: a, bps: 6000 },
    { modelId: b, bps: 4000 },
  ]);
  assert.equal(
    href,
    `/account/0x70997970C51812dc3A010C7d01b50e0d17dc79C8?weights=${a}:6000,${b.toLowerCase()}:4000#editor`,
  );
  const param = new URL(href, "http://x").searchParams.get("weights");
  assert.deepEqual(parseWeightsParam(param), {
    entries: [
      { modelId: a, bps: 6000 },
      { modelId: b.toLowerCase(), bps: 4000 },
    ],
    errors: [],
  });
});

test("malformed, oversized and repeated entries are reported and left out", () => {
  const r = parseWeightsParam(`${a}:10001,nonsense,${b}:10,${b}:20,0x12:5, `);
  assert.deepEqual(r.entries, [{ modelId: b.toLowerCase(), bps: 10 }]);
  assert.equal(r.errors.length, 4);
  assert.match(r.errors[0] ?? "", /more than 10,000/);
  assert.match(r.errors[1] ?? "", /"nonsense" is not/);
  assert.match(r.errors[2] ?? "", /twice/);
  assert.match(r.errors[3] ?? "", /"0x12:5" is not/);
});

test("no parameter gives nothing to load", () => {
  assert.deepEqual(parseWeightsParam(null), { entries: [], errors: [] });
  assert.deepEqual(parseWeightsParam(""), { entries: [], errors: [] });
});
