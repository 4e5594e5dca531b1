/**
 * The verdict of `deno task chaos`: every read model against the stream. The whole stream is
 * folded with the projector's pure core (the in-memory reference) and compared row by row with
 * the database; independently of that core, each event id is counted at most once.
 */
import { isDeepStrictEqual } from "node:util";
import type { Sql } from "postgres";
import {
  applyBatch,
  type DeadLetterRow,
  decodeBatch,
  emptyViews,
  type MemoryTable,
  readViews,
  REGISTRY,
  tableOf,
} from "../projector/mod.ts";
import { decodeEvent, type SignalEvent } from "../events/mod.ts";
import type { StoredMessage } from "../testing/mod.ts";

/** One read model: rows the stream implies, rows the database holds, and where they differ. */
export interface TableVerdict {
  table: string;
  expected: number;
  actual: number;
  missing: number;
  extra: number;
  different: number;
}

/** Everything the check found. */
export interface Verdict {
  tables: TableVerdict[];
  /** Dead letters by reason (the text before the first ':'), in the database and expected. */
  deadLetters: { reason: string; expected: number; actual: number }[];
  /** Independent counts: each event id once, the first body it came with. */
  counts: { what: string; expected: number; actual: number }[];
  /** Problems in words; empty when all is well. */
  problems: string[];
}

const BATCH = 2000;

function reasonOf(reason: string): string {
  return reason.split(":")[0]!.trim();
}

function compareTable(name: string, expected: MemoryTable, actual: MemoryTable): TableVerdict {
  let missing = 0, different = 0;
  for (const [key, row] of expected) {
    if (!actual.has(key)) missing++;
    else if (!isDeepStrictEqual(actual.get(key), row)) {
      different++;
      if (Deno.env.get("CHAOS_DEBUG")) console.error(name, key, row, actual.get(key));
    }
  }
  let extra = 0;
  for (const key of actual.keys()) if (!expected.has(key)) extra++;
  return { table: name, expected: expected.size, actual: actual.size, missing, extra, different };
}

// The stream hands out Buffers and the database reader Uint8Arrays: compare the bytes only.
function plainRaw(rows: Map<number, DeadLetterRow>): MemoryTable {
  return new Map([...rows].map(([seq, row]) => [seq, { ...row, raw: new Uint8Array(row.raw) }]));
}

function tally(reasons: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reasons) out.set(reasonOf(r), (out.get(reasonOf(r)) ?? 0) + 1);
  return out;
}

/** Power samples and history rows the stream holds, each event id counted once (first wins). */
function independentCounts(
  messages: readonly StoredMessage[],
  signingKey: string,
  dead: Set<number>,
) {
  const seen = new Set<string>();
  const byType = new Map<string, number>();
  let samples = 0;
  for (const m of messages) {
    if (dead.has(m.seq)) continue;
    const decoded = decodeEvent(m.data, {
      subject: m.subject,
      header: (name) => m.headers[name],
      signingKey,
    });
    if (!decoded.ok) continue;
    const event: SignalEvent = decoded.event;
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
    if (event.type === "power") samples += event.data.watts.length;
  }
  return { samples, byType };
}

/** Compares the live read models in `sql` with the fold of `messages` (the whole stream). */
export async function verify(
  sql: Sql,
  messages: readonly StoredMessage[],
  signingKey: string,
): Promise<Verdict> {
  const expected = emptyViews();
  for (let i = 0; i < messages.length; i += BATCH) {
    applyBatch(expected, decodeBatch(messages.slice(i, i + BATCH), { signingKey }));
  }
  const actual = await readViews(sql);
  const tables = REGISTRY.map((d) =>
    compareTable(d.name, tableOf(expected, d), tableOf(actual, d))
  );
  tables.push(
    compareTable("dead_letters", plainRaw(expected.dead_letters), plainRaw(actual.dead_letters)),
  );
  const problems: string[] = [];
  for (const t of tables) {
    if (t.missing || t.extra || t.different) {
      problems.push(
        `${t.table}: ${t.missing} rows missing, ${t.extra} extra, ${t.different} different`,
      );
    }
  }
  const wanted = tally([...expected.dead_letters.values()].map((r) => r.reason));
  const got = tally([...actual.dead_letters.values()].map((r) => r.reason));
  const deadLetters = [...new Set([...wanted.keys(), ...got.keys()])].sort().map((reason) => ({
    reason,
    expected: wanted.get(reason) ?? 0,
    actual: got.get(reason) ?? 0,
  }));
  for (const d of deadLetters) {
    if (d.expected !== d.actual) {
      problems.push(`dead letters '${d.reason}': ${d.actual}, expected ${d.expected}`);
    }
  }
  const dead = new Set(actual.dead_letters.keys());
  const independent = independentCounts(messages, signingKey, dead);
  const [row] = await sql<{ samples: string | null }[]>`
    SELECT sum(samples)::text AS samples FROM power_minutes`;
  const [states] = await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM state_changes`;
  const counts = [
    { what: "power samples", expected: independent.samples, actual: Number(row?.samples ?? 0) },
    {
      what: "state changes",
      expected: independent.byType.get("state_change") ?? 0,
      actual: Number(states?.n ?? 0),
    },
  ];
  for (const c of counts) {
    if (c.expected !== c.actual) {
      problems.push(
        `${c.what}: ${c.actual} in the read models, ${c.expected} distinct in the stream ` +
          `(${c.actual > c.expected ? "double count" : "loss"})`,
      );
    }
  }
  return { tables, deadLetters, counts, problems };
}
