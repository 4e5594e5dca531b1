/** Test data: read-model rows written with SQL, and events published to JetStream. */
import type { Sql } from "postgres";
import type { NatsConnection } from "@nats-io/nats-core";
import { type SignalEvent, uuidV7 } from "../events/mod.ts";
import { publishEvents, T0 } from "../testing/mod.ts";

export { T0 };

/** A deterministic uuid v7 for index `i`. */
export function idOf(i: number, salt = 0): string {
  let state = i * 7919 + salt * 104729 + 1;
  return uuidV7(T0 + i, () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  });
}

/** Inserts machines m-001..m-00n with the given states. */
export async function seedMachines(sql: Sql, states: string[]): Promise<string[]> {
  const ids = states.map((_, i) => `m-${String(i + 1).padStart(3, "0")}`);
  await sql`
    INSERT INTO machines (machine_id, state, state_since, last_seen, last_power_w, last_power_at,
      last_error_code, last_error_at, errors_info, errors_warning, errors_error, errors_critical,
      energy_uj)
    SELECT id, st, ${new Date(T0)}::timestamptz, ${new Date(T0 + 3_600_000)}::timestamptz,
      1234.5, ${new Date(T0 + 3_600_000)}::timestamptz, 'E42', ${new Date(T0)}::timestamptz,
      1, 2, 3, 4, 7200000000000
    FROM unnest(${ids}::text[], ${states}::text[]) AS t(id, st)`;
  return ids;
}

/** Inserts `n` state changes, two per second from T0, across `machines`. */
export async function seedStateChanges(sql: Sql, machines: string[], n: number): Promise<void> {
  const states = ["running", "idle", "stopped", "fault"];
  const rows = Array.from({ length: n }, (_, i) => ({
    seq: 1000 + i,
    event_id: idOf(i, 1),
    machine_id: machines[i % machines.length]!,
    from_state: i < machines.length ? null : states[(i + 3) % 4]!,
    to_state: states[i % 4]!,
    // Every third pair shares a timestamp, so the keyset has to break ties by seq.
    at: new Date(T0 + Math.floor(i / 2) * 1000),
  }));
  await sql`INSERT INTO state_changes ${sql(rows)}`;
}

/** Inserts `n` errors with severities and codes cycling. */
export async function seedErrors(sql: Sql, machines: string[], n: number): Promise<void> {
  const severities = ["info", "warning", "error", "critical"];
  const rows = Array.from({ length: n }, (_, i) => ({
    seq: 5000 + i,
    event_id: idOf(i, 2),
    machine_id: machines[i % machines.length]!,
    code: `E${i % 3}`,
    severity: severities[i % 4]!,
    message: `boom, "quoted", ${i}`,
    at: new Date(T0 + i * 10_000),
  }));
  await sql`INSERT INTO errors ${sql(rows)}`;
}

/** Inserts `minutes` power minutes per machine from T0: 6000 samples at (i+1) W each. */
export async function seedPower(sql: Sql, machines: string[], minutes: number): Promise<void> {
  const rows = [];
  for (let i = 0; i < minutes; i++) {
    for (const machine of machines) {
      rows.push({
        machine_id: machine,
        minute: new Date(T0 + i * 60_000),
        samples: 6000,
        sum_mw: 6000 * (i + 1) * 1000,
        min_w: i,
        max_w: i + 2,
        energy_uj: (i + 1) * 60 * 1_000_000,
        events: 600,
        last_seq: 9000 + i,
      });
    }
  }
  await sql`INSERT INTO power_minutes ${sql(rows)}`;
}

/** Publishes events to the stream; returns their stream sequences in order. */
export async function publish(nats: NatsConnection, events: SignalEvent[]): Promise<number[]> {
  return (await publishEvents(nats, events)).map((message) => message.seq);
}
