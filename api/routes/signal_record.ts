/** One signal record by id, and its raw event from the stream. */
import type { Context } from "hono";
import type { SignalType } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { jsonWithEtag } from "../etag.ts";
import { POWER_ID, powerBucketById } from "../power.ts";
import { NotFoundError } from "../problem.ts";
import { badField } from "../query.ts";
import { rawBytesResponse, rawEvent, rawMetadata, readRaw } from "../raw.ts";
import { EVENT_TABLES, eventById } from "../signal_tables.ts";
import { signalType } from "../signal_type.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEQ = /^[1-9]\d{0,15}$/;

/** The read-model record of `type` with `id`; x-ray scans include their data points. */
export async function bySignalId(
  ctx: AppContext,
  { type, id }: { type: SignalType; id: string },
): Promise<Record<string, unknown>> {
  if (type === "power") {
    if (!POWER_ID.test(id)) {
      return badField(
        "id",
        id,
        "must be machineId@minute[~bucket], e.g. m-001@2026-11-23T10:00:00.000Z~1h",
      );
    }
    const minute = await powerBucketById(ctx.sql, id);
    if (!minute) throw new NotFoundError(`No power bucket '${id}'`);
    return minute;
  }
  if (!UUID.test(id)) return badField("id", id, "must be an event id (uuid)");
  const record = await eventById(ctx.sql, { type, id: id.toLowerCase() });
  if (!record) throw new NotFoundError(`No ${type} event with id '${id}'`);
  if (type !== "xray") return record;
  try {
    const message = await readRaw(ctx, { seq: record.seq, type });
    const event = message.json<{ data?: { dataPoints?: unknown } }>();
    return { ...record, dataPoints: event.data?.dataPoints ?? null };
  } catch (error) {
    // Retention may have dropped the raw event; the summary is still worth answering with.
    if (error instanceof NotFoundError) return { ...record, dataPoints: null };
    throw error;
  }
}

/** The stream sequence an id refers to: a sequence itself, an event id, or a power minute. */
async function seqOf(
  ctx: AppContext,
  { type, id }: { type: SignalType; id: string },
): Promise<number> {
  if (SEQ.test(id)) return Number(id);
  if (type === "power") {
    if (UUID.test(id)) {
      throw new NotFoundError(
        "Power events are not indexed by event id: use the stream sequence or a minute id",
      );
    }
    if (!POWER_ID.test(id)) {
      return badField("id", id, "must be a stream sequence or machineId@minute");
    }
    const minute = await powerBucketById(ctx.sql, id);
    if (!minute) throw new NotFoundError(`No power bucket '${id}'`);
    return minute.lastSeq;
  }
  if (!UUID.test(id)) return badField("id", id, "must be an event id (uuid) or a stream sequence");
  const [row] = await ctx.sql<{ seq: number }[]>`
    SELECT seq FROM ${ctx.sql(EVENT_TABLES[type])} WHERE event_id = ${id.toLowerCase()}`;
  if (!row) throw new NotFoundError(`No ${type} event with id '${id}'`);
  return row.seq;
}

/** Answers `/raw` (with payload) or `/raw/metadata`. */
export async function rawRoute(
  ctx: AppContext,
  c: Context,
  options: { payload: boolean },
): Promise<Response> {
  const type = signalType(c.req.param("type")!);
  const seq = await seqOf(ctx, { type, id: c.req.param("id")! });
  const message = await readRaw(ctx, { seq, type });
  if (options.payload && /application\/octet-stream/i.test(c.req.header("accept") ?? "")) {
    return rawBytesResponse(message);
  }
  // A stored message never changes, so it can always be revalidated by ETag.
  return await jsonWithEtag(c, options.payload ? rawEvent(message) : rawMetadata(message), {
    cacheable: true,
  });
}
