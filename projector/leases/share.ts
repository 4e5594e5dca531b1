/** How many units each worker should hold: an even share, rounded up, so every unit has a taker. */

/** The most units one of `workers` live workers holds. */
export function fairShare(units: number, workers: number): number {
  return Math.ceil(units / Math.max(1, workers));
}

/**
 * What a worker holding `held` (in the order it took them) does next: give back what exceeds its
 * share, last taken first, or take up to its share.
 */
export function nextMove(
  held: readonly string[],
  o: { units: number; workers: number },
): { release: string[]; take: number } {
  const share = fairShare(o.units, o.workers);
  if (held.length > share) return { release: held.slice(share), take: 0 };
  return { release: [], take: share - held.length };
}
