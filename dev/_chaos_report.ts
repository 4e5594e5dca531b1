/** The printed report of `deno task chaos`. */
import type { HostileResult } from "./_chaos_hostile.ts";
import type { Verdict } from "./_chaos_verify.ts";
import type { Probe } from "./_chaos_watch.ts";

/** A fault injected: what, when it started and ended (ms since the epoch), and its outcome. */
export interface Fault {
  name: string;
  startedAt: number;
  endedAt: number;
  outcome: string;
}

/** Everything the report shows. */
export interface ReportInput {
  minutes: number;
  machines: number;
  startedAt: number;
  streamMessages: number;
  hostile: HostileResult[];
  /** Fate of each stored hostile message: its dead letter reason, or how it was counted. */
  fates: Map<number, string>;
  faults: Fault[];
  probes: Probe[];
  verdict: Verdict;
  peaksKb: Map<string, number>;
  problems: string[];
}

function offset(at: number, from: number): string {
  const s = Math.max(0, Math.round((at - from) / 1000));
  return `+${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function pad(text: string | number, width: number): string {
  return String(text).padEnd(width);
}

/** The report as lines of text. */
export function formatReport(input: ReportInput): string[] {
  const { startedAt, verdict } = input;
  const stored = input.hostile.filter((h) => h.seq !== undefined).length;
  const lines = [
    `chaos report: ${input.minutes} min, ${input.machines} machines, started ${
      new Date(startedAt).toISOString()
    }`,
    "",
    `events published: ${input.streamMessages} stored in the stream ` +
    `(${input.streamMessages - stored} by the producer, ${stored} hostile; ` +
    `${input.hostile.length - stored} hostile refused by the server)`,
    "",
    "faults injected:",
  ];
  for (const f of input.faults) {
    lines.push(
      `  ${offset(f.startedAt, startedAt)} ${new Date(f.startedAt).toISOString()}  ${
        pad(f.name, 24)
      } ${f.outcome} (${((f.endedAt - f.startedAt) / 1000).toFixed(1)} s)`,
    );
  }
  lines.push("", "hostile messages:");
  for (const h of input.hostile) {
    const fate = h.seq === undefined
      ? `refused by the server: ${h.refused}`
      : `seq ${h.seq}: ${input.fates.get(h.seq) ?? "?"}`;
    lines.push(`  ${pad(h.kind, 20)} ${fate}`);
  }
  lines.push("", "rows per table (from the stream / in the database):");
  for (const t of verdict.tables) {
    const bad = t.missing || t.extra || t.different;
    lines.push(
      `  ${pad(t.table, 16)} ${pad(`${t.expected} / ${t.actual}`, 16)} ${
        bad ? `MISMATCH ${t.missing} missing, ${t.extra} extra, ${t.different} different` : "ok"
      }`,
    );
  }
  lines.push("", "each event id counted once (distinct in the stream / in the read models):");
  for (const c of verdict.counts) {
    lines.push(
      `  ${pad(c.what, 16)} ${pad(`${c.expected} / ${c.actual}`, 16)} ${
        c.expected === c.actual ? "ok" : "MISMATCH"
      }`,
    );
  }
  lines.push("", "dead letters by reason (expected / in the database):");
  for (const d of verdict.deadLetters) {
    lines.push(
      `  ${pad(d.reason, 24)} ${pad(`${d.expected} / ${d.actual}`, 12)} ${
        d.expected === d.actual ? "ok" : "MISMATCH"
      }`,
    );
  }
  lines.push("", "API GET /machines, non-200 answers per window (from each fault to the next):");
  const windows = [
    { name: "before the first fault", from: 0, to: input.faults[0]?.startedAt ?? Infinity },
    ...input.faults.map((f, i) => ({
      name: f.name,
      from: f.startedAt,
      to: input.faults[i + 1]?.startedAt ?? Infinity,
    })),
  ];
  for (const w of windows) {
    const probes = input.probes.filter((p) => p.at >= w.from && p.at < w.to);
    const bad = probes.filter((p) => p.status !== 200);
    const kinds = [...new Set(bad.map((p) => p.status === 0 ? "no answer" : String(p.status)))];
    lines.push(
      `  ${pad(w.name, 24)} ${bad.length} of ${probes.length}${
        kinds.length ? ` (${kinds.join(", ")})` : ""
      }`,
    );
  }
  lines.push("", "peak RSS (VmHWM, highest over every process of the service):");
  for (const [name, kb] of [...input.peaksKb].sort()) {
    lines.push(`  ${pad(name, 16)} ${(kb / 1024).toFixed(1)} MB`);
  }
  lines.push("");
  if (input.problems.length === 0) {
    lines.push("verdict: OK (no loss, no double count, no disagreement)");
  } else {
    lines.push(`verdict: FAILED (${input.problems.length} problems)`);
    for (const p of input.problems) lines.push(`  - ${p}`);
  }
  return lines;
}
