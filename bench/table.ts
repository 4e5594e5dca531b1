/** Benchmark rows and their markdown table: each figure beside its baseline, basis and verdict. */
import { type Basis, judge, type Verdict } from "./verdict.ts";

/** One measured row of the benchmark table. */
export interface BenchRow {
  /** Row number of the benchmark issue's table, with a letter for sub-rows. */
  id: string;
  what: string;
  /** The measured figure. */
  value: number;
  unit: string;
  /** How many measurements the figure rests on, and of what kind it is. */
  basis: Basis;
  /** The baseline measured in the same run, if the row has one. */
  baseline?: number;
  baselineWhat?: string;
  /** Human-readable target, e.g. "≥ 0.8× baseline". */
  target: string;
  /** Whether the figure meets the target, judged on the figure alone; absent: no target. */
  targetMet?: boolean;
  /** Anything a reader needs to interpret the row. */
  note?: string;
}

/** A row with its verdict, as printed and written to the results file. */
export type JudgedRow = BenchRow & Verdict;

/** Each row with its verdict. */
export function judgeRows(rows: readonly BenchRow[]): JudgedRow[] {
  return rows.map((row) => ({ ...row, ...judge(row) }));
}

/** `value / baseline`, or undefined without a usable baseline. */
export function ratio(row: BenchRow): number | undefined {
  return row.baseline ? row.value / row.baseline : undefined;
}

/** A number with thousands separators and sensible precision. */
export function formatNumber(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** A ratio with two decimals, or two significant digits below 0.1 so that it never reads 0.00×. */
export function formatRatio(r: number): string {
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

function verdictCell(row: JudgedRow): string {
  if (row.met === undefined) return "—";
  return row.met ? "yes" : `**no**${row.reason ? `: ${row.reason}` : ""}`;
}

/** The rows as a markdown table, with what each figure rests on and why a row is not met. */
export function markdownTable(rows: readonly JudgedRow[]): string {
  const lines = [
    "| # | what | measured | rests on | baseline (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const r = ratio(row);
    const baseline = row.baseline === undefined
      ? "—"
      : `${formatNumber(row.baseline)} ${row.unit} (${row.baselineWhat ?? "baseline"})`;
    lines.push(
      `| ${row.id} | ${row.what}${row.note ? ` — ${row.note}` : ""} | ${
        formatNumber(row.value)
      } ${row.unit} | ${row.basis.count.toLocaleString("en-US")} ${row.basis.of} | ${baseline} | ${
        r === undefined ? "—" : formatRatio(r)
      } | ${row.target} | ${verdictCell(row)} |`,
    );
  }
  return lines.join("\n");
}
