/** One signal record by id (`/signals/:type/:id`), and its raw event from the stream. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { SignalType } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { guarded, jsonAnswer, NOT_MODIFIED, problems, routeApp } from "../_route.ts";
import { jsonWithEtag } from "../etag.ts";
import { POWER_ID, powerBucketById } from "../power.ts";
import { BadRequestError, NotFoundError } from "../problem.ts";
import { NoQuery } from "../query.ts";
import { rawBytesResponse, rawEvent, rawMetadata, readRaw } from "../raw.ts";
import { RawEvent, RawMetadata, XrayDetail } from "../schemas.ts";
import { EVENT_TABLES, eventById } from "../signal_tables.ts";
import { signalType } from "../signal_type.ts";
import { AnySignalRow, TypeParam } from "./signals.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEQ = /^[1-9]\d{0,15}$/;
const inner = (re: RegExp) => re.source.replace(/^\^/, "").replace(/\$$/, "");

const RecordParams = TypeParam.extend({
  id: z.string().openapi({
    description: "Event id (uuid); for power, a bucket id machineId@minute[~size]",
    pattern: `^(?:${inner(UUID).replaceAll("0-9a-f", "0-9a-fA-F")}|${inner(POWER_ID)})$`,
    examples: ["0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "m-001@2026-11-23T10:00:00.000Z~1h"],
  }),
});
const RawParams = TypeParam.extend({
  id: z.string().openapi({
    description: "A stream sequence, an event id (uuid), or for power a bucket id",
    pattern: `^(?:${inner(SEQ)}|${inner(UUID).replaceAll("0-9a-f", "0-9a-fA-F")}|${
      inner(POWER_ID)
    })$`,
    examples: ["42"],
  }),
});

/** The read-model record of `type` with `id`; x-ray scans include their data points. */
export async function bySignalId(
  ctx: AppContext,
  { type, id }: { type: SignalType; id: string },
): Promise<Record<string, unknown>> {
  if (type === "power") {
    if (!POWER_ID.test(id)) {
      throw badId(id, "must be machineId@minute[~bucket], e.g. m-001@2026-11-23T10:00:00.000Z~1h");
    }
    const minute = await powerBucketById(ctx.sql, id);
    if (!minute) throw new NotFoundError(`No power bucket '${id}'`);
    return minute;
  }
  if (!UUID.test(id)) throw badId(id, "must be an event id (uuid)");
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

function badId(id: string, message: string) {
  return new BadRequestError([{ field: "id", value: id, message }]);
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
    if (!POWER_ID.test(id)) throw badId(id, "must be a stream sequence or machineId@minute");
    const minute = await powerBucketById(ctx.sql, id);
    if (!minute) throw new NotFoundError(`No power bucket '${id}'`);
    return minute.lastSeq;
  }
  if (!UUID.test(id)) throw badId(id, "must be an event id (uuid) or a stream sequence");
  const [row] = await ctx.sql<{ seq: number }[]>`
    SELECT seq FROM ${ctx.sql(EVENT_TABLES[type])} WHERE event_id = ${id.toLowerCase()}`;
  if (!row) throw new NotFoundError(`No ${type} event with id '${id}'`);
  return row.seq;
}

/** Answers `/raw` (with payload) or `/raw/metadata`. */
async function rawAnswer(
  ctx: AppContext,
  c: Context,
  { type, id, payload }: { type: string; id: string; payload: boolean },
): Promise<Response> {
  const signal = signalType(type);
  const message = await readRaw(ctx, { seq: await seqOf(ctx, { type: signal, id }), type: signal });
  if (payload && /application\/octet-stream/i.test(c.req.header("accept") ?? "")) {
    return rawBytesResponse(message);
  }
  // A stored message never changes, so it can always be revalidated by ETag.
  return jsonWithEtag(c, payload ? rawEvent(message) : rawMetadata(message), { cacheable: true });
}

/** The by-id routes of the signals. */
export function signalRecordRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "read");
  const errors = { ...NOT_MODIFIED, ...problems(400, 404, 503), ...denied };

  app.openapi(
    createRoute({
      method: "get",
      path: "/signals/{type}/{id}",
      operationId: "getSignal",
      summary: "One record; an x-ray scan includes its data points from the raw event",
      tags: ["signals"],
      security,
      request: { params: RecordParams, query: NoQuery },
      responses: { 200: jsonAnswer("The record", z.union([AnySignalRow, XrayDetail])), ...errors },
    }),
    async (c) => {
      const { type, id } = c.req.valid("param");
      const record = await bySignalId(ctx, { type: signalType(type), id });
      return jsonWithEtag(c, record, { cacheable: true });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/signals/{type}/{id}/raw",
      operationId: "getSignalRaw",
      summary: "The event exactly as stored in the stream; the bytes with Accept: " +
        "application/octet-stream",
      tags: ["signals"],
      security,
      request: { params: RawParams, query: NoQuery },
      responses: {
        200: {
          ...jsonAnswer("The stored event", RawEvent),
          content: {
            "application/json": { schema: RawEvent },
            "application/octet-stream": {
              schema: z.string().openapi({ format: "binary", description: "The stored bytes" }),
            },
          },
        },
        ...errors,
      },
    }),
    (c) => rawAnswer(ctx, c, { ...c.req.valid("param"), payload: true }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/signals/{type}/{id}/raw/metadata",
      operationId: "getSignalRawMetadata",
      summary: "Stream sequence, time, subject and headers of the stored event",
      tags: ["signals"],
      security,
      request: { params: RawParams, query: NoQuery },
      responses: { 200: jsonAnswer("The stored event's metadata", RawMetadata), ...errors },
    }),
    (c) => rawAnswer(ctx, c, { ...c.req.valid("param"), payload: false }),
  );
  return app;
}
