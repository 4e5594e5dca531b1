/** `/stream`: live signals as Server-Sent Events, from core NATS subscriptions. */
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { Subscription } from "@nats-io/nats-core";
import { decodeEvent, MachineId, SIGNAL_TYPES, subjectFilter } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { guarded, problems, routeApp } from "../_route.ts";
import { assertMachinesExist } from "../db.ts";
import { UnavailableError } from "../problem.ts";
import { repeatable } from "../query.ts";
import { withTimeout } from "../timeout.ts";

/** Query of `GET /stream`. */
export const StreamQuery = z.strictObject({
  type: repeatable(
    z.enum(SIGNAL_TYPES, { message: `must be one of ${SIGNAL_TYPES.join(", ")}` }),
    5,
  ).optional().openapi({ description: "Signal type; repeatable; all when absent" }),
  machine: repeatable(MachineId, 20).optional().openapi({
    description: "Machine id; repeatable; all when absent",
  }),
});

/** The subjects to subscribe to for a type/machine selection. */
export function streamSubjects(types?: string[], machines?: string[]): string[] {
  const subjects = new Set<string>();
  for (const type of types?.length ? types : [undefined]) {
    for (const machineId of machines?.length ? machines : [undefined]) {
      subjects.add(subjectFilter({ type: type as never, machineId }));
    }
  }
  return [...subjects];
}

/** The SSE route. */
export function streamRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "read");
  const route = createRoute({
    method: "get",
    path: "/stream",
    operationId: "streamSignals",
    summary: "Live signals as Server-Sent Events, with a heartbeat event",
    tags: ["stream"],
    security,
    request: { query: StreamQuery },
    responses: {
      200: {
        description: "An event stream: `ready`, then one event per signal named by its type, " +
          "and `heartbeat`",
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...problems(400, 404, 503),
      ...denied,
    },
  });

  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    if (ctx.nats.isClosed()) throw new UnavailableError("NATS connection is closed");
    // While NATS is unreachable a flush never returns: answer 503 rather than a silent stream.
    await withTimeout(ctx.nats.flush(), 1000, () => new UnavailableError("NATS did not answer"))
      .catch((cause) => {
        throw cause instanceof UnavailableError
          ? cause
          : new UnavailableError("NATS is unreachable", cause);
      });
    // An unknown machine is a 404, as on /signals, rather than a stream that stays silent.
    await assertMachinesExist(ctx.sql, q.machine);
    const heartbeatMs = ctx.settings.sseHeartbeatMs ?? 15_000;
    const maxPending = ctx.settings.sseMaxPending ?? 10_000;
    return streamSSE(c, async (stream) => {
      const subscriptions: Subscription[] = [];
      const done = Promise.withResolvers<void>();
      const finish = () => done.resolve();
      stream.onAbort(finish);
      ctx.signal.addEventListener("abort", finish, { once: true });
      ctx.metrics.sseClients.add(1);
      let pending = 0;
      // A client that cannot keep up is dropped rather than buffered without bound.
      const send = (message: { event: string; data: string; id?: string }) => {
        if (pending >= maxPending) {
          ctx.logger.warn("sse client too slow; closing", { pending });
          return finish();
        }
        pending++;
        stream.writeSSE(message).then(() => pending--, finish);
      };
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      try {
        for (const subject of streamSubjects(q.type, q.machine)) {
          const sub = ctx.nats.subscribe(subject, {
            callback: (error, msg) => {
              if (error) return finish();
              const decoded = decodeEvent(msg.data, { subject: msg.subject });
              // Malformed messages are the projector's to dead-letter; a live view skips them.
              if (!decoded.ok) return;
              send({
                event: decoded.event.type,
                id: decoded.event.id,
                data: JSON.stringify(decoded.event),
              });
            },
          });
          subscriptions.push(sub);
          ctx.metrics.sseSubscriptions.add(1);
        }
        // The server knows the subscriptions once flush returns; only then is the client told.
        await ctx.nats.flush();
        // Tell the client it is subscribed, so it knows from when it will see events.
        await stream.writeSSE({
          event: "ready",
          data: JSON.stringify({ subjects: streamSubjects(q.type, q.machine) }),
        });
        // Heartbeats only after `ready`, which the contract puts first: on a busy machine the
        // flush above can outlast a heartbeat interval.
        heartbeat = setInterval(() => {
          send({ event: "heartbeat", data: JSON.stringify({ at: ctx.now().toISOString() }) });
        }, heartbeatMs);
        await done.promise;
      } finally {
        clearInterval(heartbeat);
        ctx.signal.removeEventListener("abort", finish);
        for (const sub of subscriptions) {
          sub.unsubscribe();
          ctx.metrics.sseSubscriptions.add(-1);
        }
        ctx.metrics.sseClients.add(-1);
        await stream.close().catch(() => {});
      }
    }, async (error, stream) => {
      ctx.logger.warn("sse stream failed", { error });
      await stream.close().catch(() => {});
    });
  });
  return app;
}
