/** Time helpers shared by the projections: epoch ms and canonical ISO strings. */

/** Milliseconds in a minute: the bucket of the per-minute read models. */
export const MINUTE_MS = 60_000;

// The same few timestamps are compared many times while merging a batch; parsing dominates.
const parsed = new Map<string, number>();

/** Epoch milliseconds of an ISO time. */
export function toMs(iso: string): number {
  let ms = parsed.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (parsed.size >= 20_000) parsed.clear();
    parsed.set(iso, ms);
  }
  return ms;
}

/** The canonical ISO form (UTC, milliseconds) of epoch ms, truncated to whole ms. */
export function toIso(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The canonical ISO form of an ISO time, so every read model stores the same precision. */
export function canonicalIso(iso: string): string {
  // Producers already send this form; re-formatting it would cost a Date per event and table.
  return CANONICAL.test(iso) ? iso : toIso(toMs(iso));
}

/**
 * Whether a fact at (aAt, aSeq) is later than one at (bAt, bSeq); a missing fact is never later
 * and always loses. Ordering by (time, sequence) makes "latest" independent of arrival order.
 */
export function isLater(
  aAt: string | null,
  aSeq: number | null,
  bAt: string | null,
  bSeq: number | null,
): boolean {
  if (aAt === null || aSeq === null) return false;
  if (bAt === null || bSeq === null) return true;
  const a = toMs(aAt);
  const b = toMs(bAt);
  return a !== b ? a > b : aSeq > bSeq;
}

/**
 * Orders per-machine-minute rows by machine, then minute (ISO text sorts as time). A batch
 * writes them in this order, so concurrent writers take row locks in the same order.
 */
export function byMachineMinute(
  a: { machine_id: string; minute: string },
  b: { machine_id: string; minute: string },
): number {
  if (a.machine_id !== b.machine_id) return a.machine_id < b.machine_id ? -1 : 1;
  return a.minute < b.minute ? -1 : a.minute > b.minute ? 1 : 0;
}
