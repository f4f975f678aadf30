// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title PackedWeights
 * @notice Stores a weight vector of up to 64 basis-point weights, with its effective round, in one to four words.
 * @dev A weight is at most 10,000 < 2^14, so 14 bits hold it exactly. Word 0 holds the effective round in its top
 * 32 bits and weights 0-15 in its low 224 bits; word k (1-3) holds weights 16k to 16k+15 in the same lanes. A vector
 * of up to 16 models (the common case) is a single storage slot, round included: the storage floor of a
 * reallocation. (16-bit lanes would fit 16 weights too, but then the round needs a second slot on every write.)
 * Real Numerai accounts have up to 50 models: 4 words.
 */
library PackedWeights {
    uint256 internal constant WEIGHTS_PER_WORD = 16;
    uint256 internal constant WORDS = 4; // array types below spell it out: `uint256[4]`
    uint256 internal constant BITS = 14;
    uint256 internal constant MASK = (1 << BITS) - 1;
    uint256 internal constant ROUND_SHIFT = 224;

    /// @dev Returns `word` with weight `index % 16` set to `value` (the lane must be zero beforehand).
    function put(uint256 word, uint256 index, uint256 value) internal pure returns (uint256) {
        return word | (value << ((index % WEIGHTS_PER_WORD) * BITS));
    }

    /// @dev Weight `index % 16` of `word`.
    function get(uint256 word, uint256 index) internal pure returns (uint256) {
        return (word >> ((index % WEIGHTS_PER_WORD) * BITS)) & MASK;
    }

    /// @dev Weight `slot` of a whole vector.
    function weight(uint256[4] memory words, uint256 slot) internal pure returns (uint256) {
        return get(words[slot / WEIGHTS_PER_WORD], slot);
    }

    /// @dev Words a vector over `count` registry indexes needs (at least one: word 0 carries the round).
    function wordsFor(uint256 count) internal pure returns (uint256) {
        return count <= WEIGHTS_PER_WORD ? 1 : (count + WEIGHTS_PER_WORD - 1) / WEIGHTS_PER_WORD;
    }

    /// @dev The effective round stored in word 0.
    function round(uint256 word0) internal pure returns (uint32) {
        return uint32(word0 >> ROUND_SHIFT);
    }

    /// @dev Word 0 with its effective round set to `r`.
    function withRound(uint256 word0, uint32 r) internal pure returns (uint256) {
        return (word0 & ((1 << ROUND_SHIFT) - 1)) | (uint256(r) << ROUND_SHIFT);
    }
}
