/**
 * `/stream`: stored signals as Server-Sent Events, read from the `SIGNALS` log and verified as
 * the projector verifies them, each `id` the stream sequence. `Last-Event-ID` or `?fromSeq=`
 * resumes: what was missed comes first, in order, then the live tail, with no gap and no repeat.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { getConnInfo } from "hono/deno";
import type { Context } from "hono";
import { MachineId, SIGNAL_TYPES, STREAM_NAME } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { type AppEnv, guarded, problems, routeApp } from "../_route.ts";
import { assertMachinesExist } from "../db.ts";
import { BadRequestError, UnavailableError } from "../problem.ts";
import { repeatable } from "../query.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { SseClient } from "../sse_client.ts";
import { catchUp } from "../stream_catch_up.ts";
import { sseFrame, type StoredFrame } from "../stream_frame.ts";
import { StreamHub } from "../stream_hub.ts";
import { StreamLimits } from "../stream_limits.ts";

/** Query of `GET /stream`. */
export const StreamQuery = z.strictObject({
  type: repeatable(
    z.enum(SIGNAL_TYPES, { message: `must be one of ${SIGNAL_TYPES.join(", ")}` }),
    5,
  ).optional().openapi({ description: "Signal type; repeatable; all when absent" }),
  machine: repeatable(MachineId, 20).optional().openapi({
    description: "Machine id; repeatable; all when absent",
  }),
  fromSeq: z.coerce.number({ message: "must be a stream sequence" }).int().min(1).optional()
    .openapi({
      type: "integer",
      description: "Send stored events from this stream sequence on, then go live. " +
        "`Last-Event-ID: n` is the same as `fromSeq=n+1`.",
    }),
});

const LastEventId = z.object({
  "last-event-id": z.string().regex(/^\d{1,15}$/, "must be a stream sequence").optional()
    .openapi({ description: "The last `id` received; the stream resumes after it" }),
});

/** Whether a stored event matches a client's type and machine selection. */
export function selection(types?: string[], machines?: string[]) {
  const typeSet = types?.length ? new Set(types) : undefined;
  const machineSet = machines?.length ? new Set(machines) : undefined;
  return (frame: StoredFrame) =>
    (!typeSet || typeSet.has(frame.type)) && (!machineSet || machineSet.has(frame.machineId));
}

/** The SSE route. */
export function streamRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "read");
  const { settings } = ctx;
  const hub = new StreamHub(ctx.nats, {
    signingKey: settings.signingKey,
    signal: ctx.signal,
    logger: ctx.logger,
  });
  const limits = new StreamLimits(
    settings.sseMaxStreams ?? 100,
    settings.sseMaxStreamsPerClient ?? 10,
  );
  const route = createRoute({
    method: "get",
    path: "/stream",
    operationId: "streamSignals",
    summary: "Stored signals as Server-Sent Events, resumable by Last-Event-ID or fromSeq",
    tags: ["stream"],
    security,
    request: { query: StreamQuery, headers: LastEventId },
    responses: {
      200: {
        description: "An event stream: `ready`, then one event per stored signal named by its " +
          "type with the stream sequence as `id`, and `heartbeat`. A client that falls behind " +
          "gets a final `error` event naming the last id it was sent, and is closed.",
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...problems(400, 404, 429, 503),
      ...denied,
    },
  });

  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const lastEventId = c.req.valid("header")["last-event-id"];
    if (ctx.nats.isClosed()) throw new UnavailableError("NATS connection is closed");
    // An unknown machine is a 404, as on /signals, rather than a stream that stays silent.
    await assertMachinesExist(ctx.sql, q.machine);
    const fromSeq = q.fromSeq ?? (lastEventId === undefined ? undefined : Number(lastEventId) + 1);
    const bounds = await streamBounds(ctx);
    if (fromSeq !== undefined) checkFromSeq(fromSeq, bounds, q.fromSeq === undefined);
    const release = limits.open(clientOf(c));
    const client = new SseClient({
      bufferBytes: settings.sseBufferBytes ?? 262_144,
      accepts: selection(q.type, q.machine),
      onClose: () => {
        clearInterval(heartbeat.timer);
        ctx.signal.removeEventListener("abort", end);
        hub.leave(client);
        release();
        ctx.metrics.sseClients.add(-1);
        ctx.metrics.sseSubscriptions.add(-1);
      },
    });
    const end = () => client.end();
    ctx.signal.addEventListener("abort", end, { once: true });
    ctx.metrics.sseClients.add(1);
    ctx.metrics.sseSubscriptions.add(1);
    const heartbeat: { timer?: ReturnType<typeof setInterval> } = {};
    let joinedAt: number;
    try {
      joinedAt = await withTimeout(
        hub.join(client),
        2000,
        () => new UnavailableError("NATS did not answer"),
      );
    } catch (error) {
      client.end();
      throw error instanceof UnavailableError
        ? error
        : new UnavailableError("NATS is unreachable", error);
    }
    client.send(sseFrame("ready", JSON.stringify({ fromSeq: fromSeq ?? joinedAt + 1 })));
    // Heartbeats start after `ready`, which the contract puts first.
    heartbeat.timer = setInterval(() => {
      client.send(sseFrame("heartbeat", JSON.stringify({ at: ctx.now().toISOString() })));
    }, settings.sseHeartbeatMs ?? 15_000);
    if (fromSeq === undefined) client.goLive();
    else {
      catchUp(ctx.nats, client, { fromSeq, toSeq: joinedAt, signingKey: settings.signingKey })
        .then(() => client.goLive(), (error) => {
          ctx.logger.warn("sse catch-up failed", { error });
          client.cutOff("could not read the log to catch up");
        });
    }
    return new Response(client.body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    }) as never;
  });
  return app;
}

interface StreamBounds {
  firstSeq: number;
  lastSeq: number;
}

async function streamBounds(ctx: AppContext): Promise<StreamBounds> {
  try {
    const info = await withTimeout(
      ctx.jsm().then((jsm) => jsm.streams.info(STREAM_NAME)),
      2000,
      () => new UnavailableError("NATS did not answer"),
    );
    return { firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
  } catch (error) {
    throw error instanceof UnavailableError
      ? error
      : new UnavailableError("NATS is unreachable", error);
  }
}

/** A resume point the log no longer holds, or has not reached, is a 400, never a silent gap. */
function checkFromSeq(fromSeq: number, bounds: StreamBounds, fromHeader: boolean): void {
  const field = fromHeader ? "Last-Event-ID" : "fromSeq";
  const value = fromHeader ? fromSeq - 1 : fromSeq;
  if (bounds.lastSeq > 0 && fromSeq < bounds.firstSeq) {
    throw new BadRequestError([{
      field,
      value,
      message: `is older than the log's first stored sequence ${bounds.firstSeq}`,
    }]);
  }
  if (fromSeq > bounds.lastSeq + 1) {
    throw new BadRequestError([{
      field,
      value,
      message: `is beyond the log's last sequence ${bounds.lastSeq}`,
    }]);
  }
}

/** Who holds the streams: the key's name, or the address when reads are open. */
function clientOf(c: Context<AppEnv>): string {
  const keyName = c.get("keyName");
  if (keyName) return keyName;
  try {
    return getConnInfo(c).remote.address ?? "anonymous";
  } catch {
    return "anonymous";
  }
}
