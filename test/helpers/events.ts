/**
 * Typed decoded logs: `Interface.parseLog` gives an event's arguments as an untyped `Result`; `typedEvent` narrows a
 * parsed log to TypeChain's description of one event (checked by topic), whose arguments are typed.
 */
import type { LogDescription } from "ethers";
import type { TypedContractEvent, TypedLogDescription } from "../../typechain-types/common";

/** `parsed` as the typed description of `event` (e.g. `stake.filters.Settled`) when it is that event, else null. */
export function typedEvent<E extends TypedContractEvent>(
  parsed: LogDescription | null,
  event: E,
): TypedLogDescription<E> | null {
  if (parsed?.topic !== event.fragment.topicHash) return null;
  return parsed as TypedLogDescription<E>;
}
