/** Column helpers shared by the definitions' writers and readers. */

/** One column of `rows` as an array parameter for an `unnest` insert. */
export function col<R, K extends keyof R>(rows: readonly R[], key: K): R[K][] {
  return rows.map((row) => row[key]);
}

/** A timestamp column as a canonical ISO string, or null. */
export function iso(value: unknown): string | null {
  return value === null || value === undefined ? null : (value as Date).toISOString();
}

/** A bigint or numeric column as a number, or null. */
export function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
