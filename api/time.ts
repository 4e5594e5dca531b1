/** Times in: ISO 8601 or epoch milliseconds. Times out: ISO 8601 UTC. */

const ISO =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const EPOCH_MS = /^-?\d{1,15}$/;
// PostgreSQL and JavaScript both represent this range exactly.
// Date.UTC maps years 0–99 to 1900–1999, so the bounds are parsed from text.
const MIN_MS = Date.parse("0001-01-01T00:00:00.000Z");
const MAX_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** Parses ISO 8601 or epoch milliseconds into a Date, or null when it is neither or out of range. */
export function parseTime(text: string): Date | null {
  const trimmed = text.trim();
  let ms: number;
  if (EPOCH_MS.test(trimmed)) ms = Number(trimmed);
  else if (ISO.test(trimmed)) ms = isoToMs(trimmed);
  else return null;
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null;
  return new Date(ms);
}

function isoToMs(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return NaN;
  // Date.parse rolls 2026-02-30 over to March; a calendar date that does not exist is invalid.
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)!;
  const probe = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (probe.getUTCMonth() !== Number(m) - 1 || probe.getUTCDate() !== Number(d)) return NaN;
  return ms;
}

/** ISO 8601 UTC with milliseconds, or null. */
export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
