/** Streams query results as CSV with flat memory: rows come from a PostgreSQL cursor in batches. */
import type { PendingQuery, Row } from "postgres";
import { stringify } from "csv-stringify/sync";

const encoder = new TextEncoder();
/** Rows fetched per round trip while streaming. */
const BATCH = 1000;

/** Whether the client asked for CSV by `format=csv` or by `Accept: text/csv`. */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept ?? "");
}

/** Options of {@linkcode csvResponse}. */
export interface CsvOptions<R> {
  /** Header row. */
  columns: string[];
  /** Turns a database row into cells in column order. */
  toCells: (row: R) => unknown[];
  /** Suggested download name. @default "export.csv" */
  filename?: string;
  /** Extra response headers. @default {} */
  headers?: Record<string, string>;
}

/**
 * Answers with the rows of `query` as CSV. The first batch is fetched before the response starts,
 * so a failing query still becomes a problem+json; later batches are pulled as the client reads.
 */
export async function csvResponse<R extends Row>(
  query: PendingQuery<R[]>,
  options: CsvOptions<R>,
): Promise<Response> {
  const iterator = query.cursor(BATCH)[Symbol.asyncIterator]();
  const first = await iterator.next();
  let pending: R[] | undefined = first.done ? undefined : first.value;
  let finished = first.done ?? false;
  const render = (rows: R[]) =>
    encoder.encode(
      stringify(rows.map(options.toCells), {
        cast: {
          boolean: String,
          date: (d: Date) => d.toISOString(),
        },
      }),
    );
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(stringify([options.columns])));
    },
    async pull(controller) {
      if (pending) {
        controller.enqueue(render(pending));
        pending = undefined;
        return;
      }
      if (finished) return controller.close();
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        return controller.close();
      }
      controller.enqueue(render(next.value));
    },
    async cancel() {
      // Ends the portal and gives the connection back to the pool.
      await iterator.return?.();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${options.filename ?? "export.csv"}"`,
      ...options.headers,
    },
  });
}
