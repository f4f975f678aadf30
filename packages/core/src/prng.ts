/**
 * The one seeded PRNG (property tests, the demo's generated results, the indexer's random actions): sfc32 seeded
 * through splitmix32. Deterministic across platforms and Node versions (32-bit integer arithmetic only), so a printed
 * seed reproduces a failing sequence, and a demo seed its history, exactly.
 */

/** Mixes integers into one 32-bit seed (splitmix32 finaliser over each part). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = (h ^ (part >>> 0)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = (h + 0x9e3779b9) >>> 0;
  }
  return h >>> 0;
}

/** Parses a seed given as decimal or 0x-hex; "random" draws one from Math.random. */
export function parseSeed(text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback >>> 0;
  if (text === "random") return Math.floor(Math.random() * 2 ** 32) >>> 0;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 32) throw new Error(`bad seed "${text}"`);
  return value >>> 0;
}

export function hexSeed(seed: number): string {
  return "0x" + (seed >>> 0).toString(16).padStart(8, "0");
}

/** A 32-bit seed derived from a base seed and a label (so each series of a generator has its own stream). */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(readonly seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer (sfc32). */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** Uniform in (0, 1): never exactly 0, so log() is safe. */
  uniform(): number {
    return (this.u32() + 0.5) / 2 ** 32;
  }

  /** Standard normal draw (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`empty range [${lo}, ${hi}]`);
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)]!;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** Uniform bigint in [lo, hi] (inclusive; tiny modulo bias is irrelevant here). */
  bigint(lo: bigint, hi: bigint): bigint {
    if (hi < lo) throw new Error(`empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1n;
    let r = 0n;
    for (let i = 0; i < 8; i++) r = (r << 32n) | BigInt(this.u32());
    return lo + (r % span);
  }

  /** Picks an item with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.float() * total;
    for (const [item, w] of items) {
      if (x < w) return item;
      x -= w;
    }
    return items[items.length - 1]![0];
  }

  /** Random bytes as 0x-hex. */
  hex(bytes: number): string {
    let out = "0x";
    for (let i = 0; i < bytes; i++) out += this.int(0, 255).toString(16).padStart(2, "0");
    return out;
  }
}
