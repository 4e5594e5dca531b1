/** What the replay CLI shows: a redrawn bar on a terminal, a line every few seconds otherwise. */
import type { RebuildSummary } from "./rebuild.ts";
import { type RebuildProgress, renderBar, renderLine, shortDuration } from "./progress.ts";

const encoder = new TextEncoder();

/** A progress sink for the CLI; `finish` ends the bar's line. */
export function progressPrinter(options: { terminal: boolean; lineEveryMs?: number }) {
  const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
  let lastAt = 0;
  let lastPhase = "";
  return {
    update(p: RebuildProgress): void {
      const now = performance.now();
      const phaseChanged = p.phase !== lastPhase;
      const every = options.terminal ? 100 : options.lineEveryMs ?? 3000;
      if (!phaseChanged && now - lastAt < every) return;
      lastAt = now;
      lastPhase = p.phase;
      if (options.terminal) out(`\r\x1b[2K${renderBar(p)}`);
      else out(`${renderLine(p)}\n`);
    },
    finish(): void {
      if (options.terminal) out("\n");
    },
  };
}

/** The closing summary: what was read and written, how long it took, how fast. */
export function renderSummary(s: RebuildSummary): string {
  const plans = s.plans.map((p) =>
    `  ${p.projection.padEnd(16)} ${p.mode === "full" ? "full" : `from seq ${p.fromSeq}`}${
      p.reason ? ` (${p.reason})` : ""
    }`
  );
  return [
    `Rebuilt ${s.plans.length} projection(s), swapped in at checkpoint ${s.checkpoint}:`,
    ...plans,
    `events read   ${s.eventsRead}${
      s.scannedEvents > 0 ? ` (and ${s.scannedEvents} scanned for boundary rows)` : ""
    }`,
    `rows written  ${s.rowsWritten}`,
    `dead letters  ${s.deadLetters}`,
    `time taken    ${shortDuration(s.elapsedMs / 1000)} (${Math.round(s.elapsedMs)} ms)`,
    `events/s      ${Math.round(s.eventsPerSec)}`,
  ].join("\n");
}
