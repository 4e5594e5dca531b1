/** Benchmark rows and their markdown table: each figure beside its baseline and target. */

/** One measured row of the benchmark table. */
export interface BenchRow {
  /** Row number of the benchmark issue's table, with a letter for sub-rows. */
  id: string;
  what: string;
  /** The measured figure. */
  value: number;
  unit: string;
  /** The baseline measured in the same run, if the row has one. */
  baseline?: number;
  baselineWhat?: string;
  /** Human-readable target, e.g. "≥ 0.8× baseline". */
  target: string;
  /** Whether the target is met; undefined when the row has no target. */
  met?: boolean;
  /** Anything a reader needs to interpret the row. */
  note?: string;
}

/** `value / baseline`, or undefined without a baseline. */
export function ratio(row: BenchRow): number | undefined {
  return row.baseline ? row.value / row.baseline : undefined;
}

/** A number with thousands separators and sensible precision. */
export function formatNumber(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** The rows as a markdown table. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    "| # | what | measured | baseline (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const r = ratio(row);
    const baseline = row.baseline === undefined
      ? "—"
      : `${formatNumber(row.baseline)} ${row.unit} (${row.baselineWhat ?? "baseline"})`;
    const met = row.met === undefined ? "—" : row.met ? "yes" : "**no**";
    lines.push(
      `| ${row.id} | ${row.what}${row.note ? ` — ${row.note}` : ""} | ${
        formatNumber(row.value)
      } ${row.unit} | ${baseline} | ${
        r === undefined ? "—" : `${r.toFixed(2)}×`
      } | ${row.target} | ${met} |`,
    );
  }
  return lines.join("\n");
}
