/** UUID v7 event ids: time-ordered, with the clock and random source passed in. */

/** A source of random numbers in [0, 1). */
export type Random = () => number;

/** A UUID v7 for `timeMs`, its 74 random bits drawn from `random`. */
export function uuidV7(timeMs: number, random: Random): string {
  const b = new Uint8Array(16);
  let t = Math.max(0, Math.floor(timeMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  for (let i = 6; i < 16; i++) b[i] = Math.floor(random() * 256);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toHex();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}
