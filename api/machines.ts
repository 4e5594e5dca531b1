/** List specs and lookups of machines and failure episodes. */
import type { Row, Sql } from "postgres";
import { afterTimeKey, and, anyOf, dir, limitOf } from "./_sql.ts";
import { usText } from "./db.ts";
import type { ListSpec, Page } from "./list.ts";
import { iso } from "./time.ts";

type MachineDbRow = Row & {
  machine_id: string;
  state: string | null;
  state_since: Date | null;
  last_seen: Date;
  last_power_w: number | null;
  last_power_at: Date | null;
  last_error_code: string | null;
  last_error_at: Date | null;
  errors_info: number;
  errors_warning: number;
  errors_error: number;
  errors_critical: number;
  energy_uj: number;
};

function presentMachine(r: MachineDbRow) {
  return {
    machineId: r.machine_id,
    state: r.state,
    stateSince: iso(r.state_since),
    lastSeen: iso(r.last_seen)!,
    lastPowerW: r.last_power_w,
    lastPowerAt: iso(r.last_power_at),
    lastError: r.last_error_code === null
      ? null
      : { code: r.last_error_code, at: iso(r.last_error_at)! },
    errors: {
      info: r.errors_info,
      warning: r.errors_warning,
      error: r.errors_error,
      critical: r.errors_critical,
    },
    energyWh: r.energy_uj / 3.6e9,
  };
}

/** The machines list, by machine id. */
export function machineSpec(
  filter: { state?: string[] | undefined },
): ListSpec<MachineDbRow, ReturnType<typeof presentMachine>> {
  return {
    scope: "machines",
    keyKinds: ["machine"],
    query: (sql: Sql, page: Page) => {
      const cmp = page.order === "asc" ? sql`>` : sql`<`;
      return sql<MachineDbRow[]>`
        SELECT * FROM machines
        WHERE ${
        and(sql, [
          ...anyOf(sql, { column: "state", values: filter.state }),
          ...(page.after ? [sql`machine_id ${cmp} ${String(page.after[0])}`] : []),
        ])
      }
        ORDER BY machine_id ${dir(sql, page.order)} ${limitOf(sql, page.limit)}`;
    },
    keyOf: (row) => [row.machine_id],
    toJson: presentMachine,
    csvColumns: [
      "machine_id",
      "state",
      "state_since",
      "last_seen",
      "last_power_w",
      "last_power_at",
      "last_error_code",
      "last_error_at",
      "errors_info",
      "errors_warning",
      "errors_error",
      "errors_critical",
      "energy_wh",
    ],
    toCells: (r) => [
      r.machine_id,
      r.state,
      iso(r.state_since),
      iso(r.last_seen),
      r.last_power_w,
      iso(r.last_power_at),
      r.last_error_code,
      iso(r.last_error_at),
      r.errors_info,
      r.errors_warning,
      r.errors_error,
      r.errors_critical,
      r.energy_uj / 3.6e9,
    ],
  };
}

type FailureDbRow = Row & {
  start_seq: number;
  start_event_id: string;
  machine_id: string;
  type: string;
  started_at: Date;
  ended_at: Date | null;
  peak_progress: number;
  at_us: string;
};

function presentFailure(r: FailureDbRow) {
  return {
    id: r.start_event_id,
    seq: r.start_seq,
    machineId: r.machine_id,
    type: r.type,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at),
    ongoing: r.ended_at === null,
    peakProgress: r.peak_progress,
  };
}

/** Filter of the failures list; the window selects episodes that overlap it. */
export interface FailureFilter {
  machines?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  ongoing?: boolean | undefined;
}

function failureConditions(sql: Sql, f: FailureFilter) {
  const conds = anyOf(sql, { column: "machine_id", values: f.machines });
  if (f.to) conds.push(sql`started_at < ${f.to}`);
  if (f.from) conds.push(sql`(ended_at IS NULL OR ended_at >= ${f.from})`);
  if (f.ongoing !== undefined) {
    conds.push(f.ongoing ? sql`ended_at IS NULL` : sql`ended_at IS NOT NULL`);
  }
  return conds;
}

/** The failure episodes list, by start time. */
export function failureSpec(
  filter: FailureFilter,
): ListSpec<FailureDbRow, ReturnType<typeof presentFailure>> {
  return {
    scope: "failures",
    keyKinds: ["time", "seq"],
    query: (sql: Sql, page: Page) =>
      sql<FailureDbRow[]>`
        SELECT *, ${usText(sql, "started_at")} AS at_us FROM failures
        WHERE ${
        and(sql, [
          ...failureConditions(sql, filter),
          ...afterTimeKey(sql, { columns: ["started_at", "start_seq"], page }),
        ])
      }
        ORDER BY started_at ${dir(sql, page.order)}, start_seq ${dir(sql, page.order)}
        ${limitOf(sql, page.limit)}`,
    keyOf: (row) => [row.at_us, row.start_seq],
    toJson: presentFailure,
    csvColumns: [
      "id",
      "seq",
      "machine_id",
      "type",
      "started_at",
      "ended_at",
      "ongoing",
      "peak_progress",
    ],
    toCells: (r) => {
      const f = presentFailure(r);
      return [f.id, f.seq, f.machineId, f.type, f.startedAt, f.endedAt, f.ongoing, f.peakProgress];
    },
  };
}

/** A machine with its recent errors and ongoing failure, or undefined when unknown. */
export async function machineDetail(sql: Sql, id: string) {
  const [machine] = await sql<MachineDbRow[]>`SELECT * FROM machines WHERE machine_id = ${id}`;
  if (!machine) return undefined;
  const [errors, failures] = await Promise.all([
    sql<Row[]>`SELECT * FROM errors WHERE machine_id = ${id} ORDER BY at DESC, seq DESC LIMIT 10`,
    sql<FailureDbRow[]>`SELECT *, '0' AS at_us FROM failures
                        WHERE machine_id = ${id} AND ended_at IS NULL`,
  ]);
  return {
    ...presentMachine(machine),
    recentErrors: errors.map((r) => ({
      id: r.event_id,
      seq: r.seq,
      machineId: r.machine_id,
      at: iso(r.at),
      code: r.code,
      severity: r.severity,
      message: r.message,
    })),
    ongoingFailure: failures[0] ? presentFailure(failures[0]) : null,
  };
}
