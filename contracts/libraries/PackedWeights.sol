// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title PackedWeights
 * @notice Stores a weight vector of up to 32 basis-point weights, with its effective round, in one or two words.
 * @dev A weight is at most 10,000 < 2^14, so 14 bits hold it exactly. Word 0 holds the effective round in its top
 * 32 bits and weights 0-15 in its low 224 bits; word 1 holds weights 16-31. A vector of up to 16 models (the common
 * case) is a single storage slot, round included: the storage floor of a reallocation.
 */
library PackedWeights {
    uint256 internal constant WEIGHTS_PER_WORD = 16;
    uint256 internal constant BITS = 14;
    uint256 internal constant MASK = (1 << BITS) - 1;
    uint256 internal constant ROUND_SHIFT = 224;

    /// @dev Returns `word` with weight `index % 16` set to `weight` (the slot must be zero beforehand).
    function put(uint256 word, uint256 index, uint256 weight) internal pure returns (uint256) {
        return word | (weight << ((index % WEIGHTS_PER_WORD) * BITS));
    }

    /// @dev Weight `index % 16` of `word`.
    function get(uint256 word, uint256 index) internal pure returns (uint256) {
        return (word >> ((index % WEIGHTS_PER_WORD) * BITS)) & MASK;
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
