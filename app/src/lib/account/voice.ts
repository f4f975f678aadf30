/**
 * Who the account page talks to: the staker ("your stake") or anyone else (a manager, a read-only visitor), who is
 * told about "the account's stake". A manager changes weights but owns no NMR here, so it is not addressed as owner.
 */
export interface Voice {
  /** "your" / "the account's" */
  your: string;
  /** "you hold" / "the account holds" */
  youHold: string;
  /** "you" / "the account" (as the receiver: "what a refill paid you") */
  you: string;
  /** "unless you change it" / "unless its staker or manager changes it" */
  unlessChanged: string;
}

export function voiceFor(isOwner: boolean): Voice {
  return isOwner
    ? { your: "your", youHold: "you hold", you: "you", unlessChanged: "unless you change it" }
    : {
        your: "the account's",
        youHold: "the account holds",
        you: "the account",
        unlessChanged: "unless its staker or manager changes it",
      };
}

/** The connected wallet's relation to the account on screen. */
export type Role = "owner" | "manager" | "viewer";
