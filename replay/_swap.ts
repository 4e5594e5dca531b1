/**
 * The swap: one transaction that locks the live checkpoints (the live projector's next commit
 * waits on the same rows), applies to the shadow whatever the live projector committed after the
 * shadow's checkpoint, moves the live tables out and the shadow tables in, records the shadow's
 * dead letters, and moves the live checkpoints to the shadow's.
 */
import type { Sql, TransactionSql } from "postgres";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  type AnyProjection,
  applyEventLedger,
  decodeBatch,
  type DecodedBatch,
  type LedgerFallback,
  liveUnitsOf,
  loadCarried,
  lockCheckpoints,
  projectBatch,
  projectionOfUnit,
  writeChanges,
} from "../projector/mod.ts";
import { type Logger, retry } from "../lib/mod.ts";
import type { RebuildSchemas } from "./_schemas.ts";
import type { ProjectionPlan } from "./_point.ts";
import { StreamReader } from "./stream_reader.ts";

/** What the swap did. */
export interface SwapResult {
  /** Events the live projector had committed past the shadow, applied inside the swap. */
  gapEvents: number;
  rowsWritten: number;
  /** The checkpoint both the rebuilt tables and the live projector go on from. */
  checkpoint: number;
}

/** Options of {@linkcode swapIn}. */
export interface SwapOptions {
  plans: ProjectionPlan[];
  /** The definitions the plans name. */
  projections: readonly AnyProjection[];
  /** Live ledger entries below this point count as known in the shadow. */
  ledger?: LedgerFallback;
  nats: NatsConnection;
  signingKey?: string;
  /** How long the swap waits for a table lock before it backs off and tries again. @default 3000 */
  lockTimeoutMs?: number;
  /** Attempts before the rebuild fails (the live tables stay as they were). @default 5 */
  attempts?: number;
  logger?: Logger;
}

/**
 * Swaps the shadow tables in. A swap that waits too long for a table (a long query holds it, and
 * every new reader would queue behind the swap) rolls back and tries again a little later.
 */
export async function swapIn(
  sql: Sql,
  schemas: RebuildSchemas,
  options: SwapOptions,
): Promise<SwapResult> {
  return await retry(() => swapOnce(sql, schemas, options), {
    attempts: options.attempts ?? 5,
    baseMs: 400,
    maxMs: 10_000,
    retryable: (error) => (error as { code?: string } | null)?.code === "55P03",
    onRetry: ({ failures, delayMs }) =>
      options.logger?.warn("swap waited too long for a table lock; trying again", {
        attempt: failures,
        delayMs,
      }),
  });
}

async function swapOnce(
  sql: Sql,
  schemas: RebuildSchemas,
  options: SwapOptions,
): Promise<SwapResult> {
  const projections = options.plans.map((p) => p.projection);
  const { shadow, retired } = schemas;
  return await sql.begin(async (tx) => {
    await tx`SET LOCAL statement_timeout = 0`;
    await tx`SELECT set_config('lock_timeout', ${`${options.lockTimeoutMs ?? 3000}ms`}, true)`;
    // Live, a split read model has a checkpoint per partition; the shadow was built whole.
    const units = await liveUnitsOf(
      tx,
      options.projections.filter((d) => projections.includes(d.name)),
    );
    const live = await lockCheckpoints(tx, units.map((u) => u.name), "public");
    const mine = await lockCheckpoints(tx, projections, shadow);
    const gap = await applyGap(tx, shadow, {
      units,
      ledger: options.ledger,
      nats: options.nats,
      signingKey: options.signingKey,
      live,
      mine,
    });
    await refuseDependentViews(tx, projections);
    await tx.unsafe(`CREATE SCHEMA ${retired}`);
    for (const p of projections) {
      await tx.unsafe(`ALTER TABLE public.${p} SET SCHEMA ${retired}`);
      await tx.unsafe(`ALTER TABLE ${shadow}.${p} SET SCHEMA public`);
    }
    // In sequence order, like every other writer, so two swaps cannot wait on each other.
    await tx.unsafe(`INSERT INTO public.dead_letters
      SELECT * FROM ${shadow}.dead_letters ORDER BY seq ON CONFLICT (seq) DO NOTHING`);
    // The live projector will not apply what the shadow applied past the lowest live checkpoint,
    // so those ledger entries move over; the ones at or below it are in the live ledger already.
    await tx.unsafe(`INSERT INTO public.event_ids
      SELECT * FROM ${shadow}.event_ids
      WHERE seq > (SELECT coalesce(min(last_seq), 0) FROM public.projection_checkpoints)
      ORDER BY event_id ON CONFLICT (event_id) DO NOTHING`);
    // A full rebuild knows the latest event time itself; a partial one only saw events after
    // the point, and the live value covers the ones before it.
    const full = options.plans.filter((p) => p.mode === "full").map((p) => p.projection);
    // Each live unit goes on from the shadow's checkpoint, or from its own where the gap brought
    // the shadow's rows of that unit up to it (the shadow then has a row of the unit too).
    const shadowCheckpoints = tx(`${shadow}.projection_checkpoints`);
    const rows = await tx<{ last_seq: string | number }[]>`
      UPDATE public.projection_checkpoints c SET
        last_seq = s.last_seq,
        last_event_at = CASE WHEN s.projection = ANY(${full}::text[]) THEN s.last_event_at
          ELSE GREATEST(c.last_event_at, s.last_event_at) END,
        updated_at = now()
      FROM (
        SELECT u.unit, u.projection, GREATEST(w.last_seq, g.last_seq) AS last_seq,
          GREATEST(w.last_event_at, g.last_event_at) AS last_event_at
        FROM unnest(${units.map((u) => u.name)}::text[],
          ${units.map((u) => projectionOfUnit(u.name))}::text[]) AS u(unit, projection)
        JOIN ${shadowCheckpoints} w ON w.projection = u.projection
        LEFT JOIN ${shadowCheckpoints} g ON g.projection = u.unit AND u.unit <> u.projection
      ) s
      WHERE c.projection = s.unit
      RETURNING c.last_seq`;
    const checkpoint = Math.max(0, ...rows.map((r) => Number(r.last_seq)));
    return { ...gap, checkpoint };
  }) as SwapResult;
}

/**
 * A view on a live table would follow it into the retired schema and keep showing the old rows,
 * so a rebuild with such a view stops before the swap and names it.
 */
async function refuseDependentViews(tx: TransactionSql, tables: readonly string[]) {
  const views = await tx<{ view: string; table: string }[]>`
    SELECT DISTINCT v.oid::regclass::text AS view, t.relname AS table
    FROM pg_depend d
    JOIN pg_rewrite w ON w.oid = d.objid
    JOIN pg_class v ON v.oid = w.ev_class
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE d.classid = 'pg_rewrite'::regclass AND n.nspname = 'public'
      AND t.relname = ANY(${tables as string[]}) AND v.oid <> t.oid`;
  if (views.length > 0) {
    const list = views.map((v) => `${v.view} (on ${v.table})`).join(", ");
    throw new Error(`Cannot swap: views depend on the live tables: ${list}; drop them first`);
  }
}

/**
 * Applies to the shadow what the live projector committed past the shadow's checkpoint, unit by
 * unit (a partition of a split read model only for its machines, up to its own checkpoint).
 */
async function applyGap(
  tx: TransactionSql,
  shadow: string,
  options: {
    /** The live units of the rebuilt read models. */
    units: readonly AnyProjection[];
    ledger?: LedgerFallback;
    /** Checkpoints by live unit. */
    live: Map<string, number>;
    /** Checkpoints by read model in the shadow. */
    mine: Map<string, number>;
    nats: NatsConnection;
    signingKey?: string;
  },
): Promise<{ gapEvents: number; rowsWritten: number }> {
  const target = Math.max(...options.live.values());
  const shadowSeq = (unit: string) => options.mine.get(projectionOfUnit(unit)) ?? 0;
  const behind = [...options.live].filter(([unit, seq]) => seq > shadowSeq(unit));
  if (behind.length === 0) return { gapEvents: 0, rowsWritten: 0 };
  // A fresh reader from the shadow's checkpoint, so a swap tried again reads the gap again.
  const from = Math.min(...behind.map(([unit]) => shadowSeq(unit))) + 1;
  const reader = await StreamReader.open(options.nats, { startSeq: from });
  const messages = await reader.readThrough(target).finally(() => reader.close());
  // Copies of known events are dropped once for every projection, as the live writer does.
  const decoded = await applyEventLedger(
    tx,
    decodeBatch(messages, { signingKey: options.signingKey }),
    { schema: shadow, floor: from - 1, fallback: options.ledger },
  );
  let rowsWritten = 0;
  // Each projection stops exactly at its own live checkpoint; later events are the live
  // projector's to apply after the swap.
  for (const [unit, until] of behind) {
    const batch: DecodedBatch = {
      events: decoded.events.filter((e) => e.seq <= until),
      deadLetters: decoded.deadLetters.filter((d) => d.seq <= until),
      lastSeq: until,
    };
    const checkpoints = new Map([[unit, shadowSeq(unit)]]);
    const projections = options.units.filter((d) => d.name === unit);
    const carried = await loadCarried(tx, batch, { checkpoints, projections, schema: shadow });
    const changes = projectBatch(batch, { checkpoints, carried, projections });
    await writeChanges(tx, changes, { schema: shadow, projections });
    for (const rows of Object.values(changes.rows)) rowsWritten += rows?.length ?? 0;
  }
  return { gapEvents: messages.length, rowsWritten };
}
