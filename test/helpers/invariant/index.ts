/**
 * The invariant fuzz harness (test/invariants/invariants.test.ts), by responsibility:
 * - ./mirror.ts   the mirror of the contract's state and its rules (from the interface NatSpec), World, stats;
 * - ./inputs.ts   random inputs drawn from the sequence's PRNG (amounts, vectors, rates, settlement entries);
 * - ./actions.ts  InvariantRun: one random action at a time, predicted, sent, applied to the mirror, then checked;
 * - ./checks.ts   the invariants (I1-I5, M, W) and exact agreement with the mirror after every action;
 * - ./reader.ts   one eth_call (InvariantReader.sol) that reads everything the checks compare.
 */
export { InvariantRun } from "./actions";
export { checkInvariants, type CheckedRun } from "./checks";
export { InvariantError, initialMirror, newStats, type Mirror, type Stats, type World } from "./mirror";
export { StateReader, readerArtifact, type ChainState } from "./reader";
