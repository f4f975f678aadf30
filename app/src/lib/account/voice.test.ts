import assert from "node:assert/strict";
import { test } from "node:test";
import { voiceFor } from "./voice";

test("the staker is addressed as owner; anyone else reads about the account", () => {
  assert.equal(`${voiceFor(true).your} stake`, "your stake");
  const other = voiceFor(false);
  assert.equal(`${other.your} stake`, "the account's stake");
  for (const phrase of [other.your, other.youHold, other.you, other.unlessChanged]) {
    assert.doesNotMatch(phrase, /\byou(r)?\b/i, phrase);
  }
});
