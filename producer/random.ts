/** Seeded random sources, so the same seed replays the same simulation. */
import type { Random } from "../events/mod.ts";

export type { Random };

/** Mixes a 32-bit integer (splitmix32) so nearby seeds give unrelated streams. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit seed derived from `seed` and a key, e.g. `m-007/power`: one stream per model. */
export function deriveSeed(seed: number, key: string): number {
  // FNV-1a over the key, then mixed with the seed.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  return mix32((h ^ mix32(seed >>> 0)) >>> 0);
}

/** A fast seeded generator of numbers in [0, 1) (sfc32). */
export function createRandom(seed: number): Random {
  let a = mix32(seed), b = mix32(a), c = mix32(b), d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform number in [min, max). */
export function uniform(random: Random, [min, max]: readonly [number, number]): number {
  return min + random() * (max - min);
}

/** A uniform integer in [min, max], both inclusive. */
export function intBetween(random: Random, [min, max]: readonly [number, number]): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A standard normal number (Box–Muller). */
export function gaussian(random: Random): number {
  const u = 1 - random(); // in (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Picks a key of `weights` with probability proportional to its weight. */
export function pickWeighted<K extends string>(
  random: Random,
  weights: Readonly<Partial<Record<K, number>>>,
): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [key, weight] of entries) {
    r -= weight;
    if (r < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

/** Rounds to `digits` decimals, to keep payloads short. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
