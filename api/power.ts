/** Power as buckets of 1m–1d per machine, aggregated at query time from `power_minutes`. */
import type { Row, Sql } from "postgres";
import { and, anyOf, dir, limitOf, window } from "./_sql.ts";
import { fromUs, usText } from "./db.ts";
import type { ListSpec, Page } from "./list.ts";
import type { SignalFilter } from "./signal_tables.ts";
import { iso } from "./time.ts";

/** Bucket sizes and their length in minutes. */
export const BUCKETS = { "1m": 1, "5m": 5, "15m": 15, "1h": 60, "1d": 1440 } as const;
/** A bucket size. */
export type Bucket = keyof typeof BUCKETS;

type PowerRow = Row & {
  machine_id: string;
  bucket: Date;
  at_us: string;
  samples: number;
  sum_mw: number;
  min_w: number;
  max_w: number;
  energy_uj: number;
  events: number;
  last_seq: number;
};

const COLUMNS = [
  "id",
  "machine_id",
  "bucket",
  "bucket_size",
  "samples",
  "avg_w",
  "min_w",
  "max_w",
  "energy_wh",
  "events",
  "last_seq",
];

function present(row: PowerRow, bucket: Bucket) {
  return {
    // A 1m bucket is a stored minute; coarser ones name their size so the id finds them again.
    id: `${row.machine_id}@${iso(row.bucket)}${bucket === "1m" ? "" : `~${bucket}`}`,
    machineId: row.machine_id,
    bucket: iso(row.bucket)!,
    bucketSize: bucket,
    samples: row.samples,
    // mW sums and µJ energies are exact integers; convert only at the edge.
    avgW: row.samples > 0 ? row.sum_mw / row.samples / 1000 : null,
    minW: row.min_w,
    maxW: row.max_w,
    energyWh: row.energy_uj / 3.6e9,
    events: row.events,
    lastSeq: row.last_seq,
  };
}

/** The power list for `filter` at `bucket` size. */
export function powerSpec(
  filter: SignalFilter,
  bucket: Bucket,
): ListSpec<PowerRow, ReturnType<typeof present>> {
  return {
    scope: `power:${bucket}`,
    keyKinds: ["time", "machine"],
    query: (sql, page) =>
      bucket === "1m"
        ? minuteQuery(sql, { filter, page })
        : bucketQuery(sql, { filter, bucket, page }),
    keyOf: (row) => [row.at_us, row.machine_id],
    toJson: (row) => present(row, bucket),
    csvColumns: COLUMNS,
    toCells: (row) => {
      const p = present(row, bucket);
      return [
        p.id,
        p.machineId,
        p.bucket,
        p.bucketSize,
        p.samples,
        p.avgW,
        p.minW,
        p.maxW,
        p.energyWh,
        p.events,
        p.lastSeq,
      ];
    },
  };
}

function keyset(sql: Sql, column: ReturnType<Sql>, page: Page) {
  if (!page.after) return [];
  const [us, machine] = page.after;
  const cmp = page.order === "asc" ? sql`>` : sql`<`;
  return [sql`(${column}, machine_id) ${cmp} (${fromUs(sql, String(us))}, ${String(machine)})`];
}

function minuteQuery(sql: Sql, { filter, page }: { filter: SignalFilter; page: Page }) {
  return sql<PowerRow[]>`
    SELECT machine_id, minute AS bucket, ${usText(sql, "minute")} AS at_us,
      samples, sum_mw::float8 AS sum_mw, min_w, max_w, energy_uj::float8 AS energy_uj, events, last_seq
    FROM power_minutes
    WHERE ${
    and(sql, [
      ...window(sql, { column: "minute", from: filter.from, to: filter.to }),
      ...anyOf(sql, { column: "machine_id", values: filter.machines }),
      ...keyset(sql, sql`minute`, page),
    ])
  }
    ORDER BY minute ${dir(sql, page.order)}, machine_id ${dir(sql, page.order)}
    ${limitOf(sql, page.limit)}`;
}

function bucketQuery(
  sql: Sql,
  { filter, bucket, page }: { filter: SignalFilter; bucket: Bucket; page: Page },
) {
  const width = `${BUCKETS[bucket]} minutes`;
  // Bound the scanned minutes by the cursor too, so later pages do not aggregate earlier ones.
  const bound = [];
  if (page.after) {
    const start = fromUs(sql, String(page.after[0]));
    bound.push(
      page.order === "asc" ? sql`minute >= ${start}` : sql`minute < ${start} + ${width}::interval`,
    );
  }
  return sql<PowerRow[]>`
    SELECT machine_id, b AS bucket, ${usText(sql, "b")} AS at_us,
      sum(samples)::float8 AS samples, sum(sum_mw)::float8 AS sum_mw, min(min_w) AS min_w,
      max(max_w) AS max_w, sum(energy_uj)::float8 AS energy_uj, sum(events)::float8 AS events,
      max(last_seq) AS last_seq
    FROM (
      SELECT machine_id, samples, sum_mw, min_w, max_w, energy_uj, events, last_seq,
        date_bin(${width}::interval, minute, 'epoch'::timestamptz) AS b
      FROM power_minutes
      WHERE ${
    and(sql, [
      ...window(sql, { column: "minute", from: filter.from, to: filter.to }),
      ...anyOf(sql, { column: "machine_id", values: filter.machines }),
      ...bound,
    ])
  }
    ) AS m
    GROUP BY machine_id, b
    ${page.after ? sql`HAVING ${keyset(sql, sql`b`, page)[0]!}` : sql``}
    ORDER BY b ${dir(sql, page.order)}, machine_id ${dir(sql, page.order)}
    ${limitOf(sql, page.limit)}`;
}

/** Matches a power bucket id: `machineId@ISO-minute`, optionally `~size` for coarser buckets. */
export const POWER_ID =
  /^([A-Za-z0-9_-]{1,64})@(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00(?:\.000)?Z)(?:~(1m|5m|15m|1h|1d))?$/;

/** One power bucket by its id, or undefined when the id names no stored bucket. */
export async function powerBucketById(sql: Sql, id: string) {
  const match = POWER_ID.exec(id);
  if (!match) return undefined;
  const [, machine, time, size] = match;
  const bucket = (size ?? "1m") as Bucket;
  const start = new Date(time!);
  const width = BUCKETS[bucket] * 60_000;
  // A start that is not a real date, or not on the bucket grid, names nothing.
  if (Number.isNaN(start.getTime()) || start.getTime() % width !== 0) return undefined;
  const exact = time!.endsWith(".000Z") ? time : time!.replace(/Z$/, ".000Z");
  if (iso(start) !== exact) return undefined;
  const filter = { machines: [machine!], from: start, to: new Date(start.getTime() + width) };
  const page = { order: "asc" as const, limit: 1 };
  const [row] = bucket === "1m"
    ? await minuteQuery(sql, { filter, page })
    : await bucketQuery(sql, { filter, bucket, page });
  return row ? present(row, bucket) : undefined;
}
