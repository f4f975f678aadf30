/** 0x-prefixed hex as viem types it; `hexAddress` checks text (an ethers address, a file's field) into it. */
export type Hex = `0x${string}`;

export function isHexAddress(value: unknown): value is Hex {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value);
}

/** The address as `0x${string}`, or an error naming `what` when the text is not a 20-byte hex address. */
export function hexAddress(text: string, what = "address"): Hex {
  if (!isHexAddress(text)) throw new Error(`${what} is not a 0x address: "${text}"`);
  return text;
}

/** A bytes16 model id: 0x and 32 hex digits. */
export function isModelIdHex(value: unknown): value is Hex {
  return typeof value === "string" && /^0x[0-9a-fA-F]{32}$/.test(value);
}

export function modelIdHex(text: string): Hex {
  if (!isModelIdHex(text)) throw new Error(`not a bytes16 model id (0x and 32 hex digits): "${text}"`);
  return text;
}
