/** Formatting of durations, watts and times for the page. */

/** "42s", "3m 12s", "2h 5m", "3d 4h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "1,234 W", "12.3 kW", "—" for nothing. */
export function watts(w: number | null | undefined): string {
  if (w === null || w === undefined || !Number.isFinite(w)) return "—";
  if (Math.abs(w) >= 10_000) {
    return `${(w / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} kW`;
  }
  return `${Math.round(w).toLocaleString("en-US")} W`;
}

/** "10:04:05" in UTC, the time zone every API answer uses. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** "2026-11-23 10:04 UTC". */
export function dateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Text and icon of each machine state, so state is never told by colour alone. */
export const STATE_LABELS: Record<string, { icon: string; text: string }> = {
  running: { icon: "▶", text: "running" },
  idle: { icon: "‖", text: "idle" },
  stopped: { icon: "■", text: "stopped" },
  fault: { icon: "⚠", text: "fault" },
};

/** The label of a state, including "no state" before a machine's first change. */
export function stateLabel(state: string | null): { icon: string; text: string } {
  return state
    ? STATE_LABELS[state] ?? { icon: "?", text: state }
    : { icon: "○", text: "no state" };
}

/** Icons of error severities, shown beside the severity's name. */
export const SEVERITY_ICONS: Record<string, string> = {
  info: "ℹ",
  warning: "△",
  error: "✖",
  critical: "‼",
};
