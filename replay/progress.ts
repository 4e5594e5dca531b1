/** Progress of a rebuild: the figures, and how a terminal bar or a log line shows them. Pure. */

import type { RebuildPhase } from "./contract.ts";

export type { RebuildPhase };

/** A snapshot of a rebuild's progress. */
export interface RebuildProgress {
  phase: RebuildPhase;
  /** Messages read from the stream so far (valid events and dead letters). */
  eventsRead: number;
  /** Messages to read in all: those read plus those still pending in the stream. */
  totalEvents: number;
  rowsWritten: number;
  elapsedMs: number;
}

/** Events per second so far. */
export function rateOf(p: RebuildProgress): number {
  return p.elapsedMs > 0 ? p.eventsRead / (p.elapsedMs / 1000) : 0;
}

/** Fraction of the stream done, 0–1; 1 when there is nothing to read. */
export function fractionOf(p: RebuildProgress): number {
  if (p.phase === "done") return 1;
  return p.totalEvents > 0 ? Math.min(1, p.eventsRead / p.totalEvents) : 0;
}

/** Seconds left at the current rate, or undefined before there is a rate. */
export function etaSeconds(p: RebuildProgress): number | undefined {
  const rate = rateOf(p);
  if (rate <= 0) return undefined;
  return Math.max(0, p.totalEvents - p.eventsRead) / rate;
}

/** "1.2k", "3.4M": short counts for a narrow line. */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** "1m05s", "12s": a duration in seconds. */
export function shortDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** A one-line progress bar for a terminal, `width` cells wide. */
export function renderBar(p: RebuildProgress, width = 30): string {
  const fraction = fractionOf(p);
  const filled = Math.round(fraction * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  return `${p.phase.padEnd(9)} ${bar} ${(fraction * 100).toFixed(1).padStart(5)}% ` +
    `${shortCount(p.eventsRead)}/${shortCount(p.totalEvents)} events ` +
    `${shortCount(rateOf(p))} ev/s ETA ${shortDuration(etaSeconds(p))}`;
}

/** A plain progress line for logs and pipes. */
export function renderLine(p: RebuildProgress): string {
  return `replay ${p.phase}: ${p.eventsRead}/${p.totalEvents} events ` +
    `(${(fractionOf(p) * 100).toFixed(1)}%), ${Math.round(rateOf(p))} events/s, ` +
    `${p.rowsWritten} rows written, ETA ${shortDuration(etaSeconds(p))}`;
}
