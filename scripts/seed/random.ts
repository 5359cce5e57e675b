// A small seeded PRNG for fixtures and benchmarks: the same seed always gives the same rows.
//
// sfc32 rather than mulberry32: every row id is drawn from the generator, and a 32-bit state would
// make two streams (or two points of one long stream) collide on ids well before a million rows.
// sfc32 keeps 128 bits of state, so 1M+ v4-shaped ids stay unique.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A non-negative decimal string below `maxWhole + 1` with exactly `scale` digits after the point. */
  decimal(maxWhole: number, scale: number): string;
  /** A UUID v4 in shape (version nibble 4, RFC 4122 variant), drawn from this stream. */
  uuid(): string;
}

/** Hashes any labels into a 128-bit seed (cyrb128), so sub-streams are independent of each other. */
function seedWords(labels: readonly (string | number)[]): [number, number, number, number] {
  const text = labels.join("\u0000");
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/**
 * A stream identified by its labels, e.g. `createRng(seed, "fees", orgIndex)`. Giving each part of
 * the data its own stream keeps reference rows identical when only a size knob changes.
 */
export function createRng(...labels: readonly (string | number)[]): Rng {
  let [a, b, c, d] = seedWords(labels);
  const nextU32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return r >>> 0;
  };
  // Warm up: the first outputs of sfc32 still resemble the seed.
  for (let i = 0; i < 12; i++) nextU32();

  const next = (): number => nextU32() / 4294967296;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));

  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[Math.floor(next() * items.length)] as T;
    },
    decimal: (maxWhole, scale) => {
      const whole = int(0, maxWhole);
      if (scale === 0) return String(whole);
      return `${whole}.${String(int(0, 10 ** scale - 1)).padStart(scale, "0")}`;
    },
    uuid: () => {
      const w = [nextU32(), (nextU32() & 0xffff0fff) | 0x4000, (nextU32() & 0x3fffffff) | 0x80000000, nextU32()];
      const h = w.map((x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}
