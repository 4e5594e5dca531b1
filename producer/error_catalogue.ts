/** The catalogue of machine error codes the simulator raises, with severities and messages. */
import type { Severity } from "../events/mod.ts";
import { intBetween, pickWeighted, type Random } from "./random.ts";

/** One kind of error a machine can report; `{n}` in the message is filled with a number. */
export interface CatalogueEntry {
  code: string;
  severity: Severity;
  message: string;
  /** Range the number in the message is drawn from. */
  n: readonly [number, number];
}

/** Every error code the simulator knows. */
export const ERROR_CATALOGUE: readonly CatalogueEntry[] = [
  { code: "I-100", severity: "info", message: "Scheduled maintenance due in {n} h", n: [1, 72] },
  { code: "I-110", severity: "info", message: "Operator logged in at panel {n}", n: [1, 4] },
  { code: "I-120", severity: "info", message: "Batch {n} completed", n: [1000, 9999] },
  { code: "W-200", severity: "warning", message: "Spindle temperature high: {n} °C", n: [70, 85] },
  { code: "W-210", severity: "warning", message: "Coolant level low: {n} %", n: [5, 20] },
  { code: "W-220", severity: "warning", message: "Vibration above limit: {n} mm/s", n: [8, 15] },
  { code: "E-300", severity: "error", message: "Tool change failed at station {n}", n: [1, 12] },
  { code: "E-310", severity: "error", message: "Feed motor overcurrent: {n} A", n: [20, 40] },
  { code: "E-320", severity: "error", message: "PLC did not answer within {n} ms", n: [500, 3000] },
  { code: "C-900", severity: "critical", message: "Emergency stop on circuit {n}", n: [1, 3] },
  {
    code: "C-910",
    severity: "critical",
    message: "Spindle bearing failure: {n} mm/s",
    n: [20, 60],
  },
  { code: "C-920", severity: "critical", message: "Overheat shutdown at {n} °C", n: [90, 120] },
  { code: "C-930", severity: "critical", message: "Hydraulic pressure lost: {n} bar", n: [0, 20] },
];

/** How often each severity is raised by a machine that is not in fault. */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = {
  info: 0.4,
  warning: 0.35,
  error: 0.2,
  critical: 0.05,
};

const bySeverity = new Map<Severity, CatalogueEntry[]>();
for (const entry of ERROR_CATALOGUE) {
  bySeverity.set(entry.severity, [...(bySeverity.get(entry.severity) ?? []), entry]);
}

/** An error as raised: code, severity and filled-in message. */
export interface RaisedError {
  code: string;
  severity: Severity;
  message: string;
}

/** Draws an error; a machine in fault only raises critical ones. */
export function drawError(random: Random, inFault: boolean): RaisedError {
  const severity = inFault ? "critical" : pickWeighted(random, SEVERITY_WEIGHTS);
  const entries = bySeverity.get(severity)!;
  const entry = entries[Math.floor(random() * entries.length)]!;
  const n = intBetween(random, entry.n);
  return {
    code: entry.code,
    severity: entry.severity,
    message: entry.message.replace("{n}", String(n)),
  };
}
