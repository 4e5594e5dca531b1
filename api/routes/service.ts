/** `/health`, `/metrics`, `/docs` and `/docs/app.js`. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppContext } from "../_context.ts";
import { problems, routeApp } from "../_route.ts";
import { DOCS_HTML, DOCS_SCRIPT } from "../docs_page.ts";
import { cacheLines, gaugeLines } from "../metrics.ts";
import { NoQuery } from "../query.ts";
import { Health } from "../schemas.ts";
import { type ClusterStatus, serviceStatus } from "../status.ts";

const text = (description: string, type: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});

/** The service routes; anyone may call them. */
export function serviceRoutes(ctx: AppContext) {
  const app = routeApp();
  const open = { security: [], tags: ["service"], request: { query: NoQuery } };

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      operationId: "getHealth",
      summary: "Status of PostgreSQL, NATS and the projector, with projector lag",
      ...open,
      responses: {
        200: {
          description: "Everything is up (ok), or this process is overloaded (overloaded) while " +
            "no dependency was seen failing: an overloaded process is alive and must not be " +
            "restarted for it",
          content: { "application/json": { schema: Health } },
        },
        ...problems(400),
        503: {
          description: "A dependency is down (down), or the projector is stale or the read " +
            "replica lags more than READ_REPLICA_MAX_LAG_MS (degraded)",
          content: { "application/json": { schema: Health } },
        },
      },
    }),
    async (c) => {
      const s = await serviceStatus(ctx);
      const deps = [s.postgres.status, s.nats.status];
      const status = deps.includes("down")
        ? "down" as const
        : deps.includes("unknown") || s.process.status === "overloaded"
        ? "overloaded" as const
        : s.projector.status !== "ok" || (s.cluster.replica && s.cluster.replica.status !== "ok")
        ? "degraded" as const
        : "ok" as const;
      const body = {
        status,
        process: s.process,
        components: { postgres: s.postgres, nats: s.nats, projector: s.projector },
        cluster: s.cluster,
      };
      const alive = status === "ok" || status === "overloaded";
      return c.json(body, alive ? 200 : 503, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      operationId: "getMetrics",
      summary: "Prometheus metrics",
      ...open,
      responses: { 200: text("Prometheus text format 0.0.4", "text/plain"), ...problems(400) },
    }),
    async (c) => {
      const s = await serviceStatus(ctx);
      const heartbeatAge = s.projector.heartbeatAt
        ? (ctx.now().getTime() - Date.parse(s.projector.heartbeatAt)) / 1000
        : null;
      const body = ctx.metrics.http.render() +
        ctx.metrics.sseClients.render() +
        ctx.metrics.sseSubscriptions.render() +
        cacheLines(ctx.metrics.cache) +
        gaugeLines("api_dependency_up", "1 when the dependency answers", [
          [{ dependency: "postgres" }, s.postgres.status === "ok" ? 1 : 0],
          [{ dependency: "nats" }, s.nats.status === "ok" ? 1 : 0],
        ]) +
        gaugeLines("projector_lag_events", "Stream last sequence minus the lowest checkpoint", [
          [{}, s.projector.lag],
        ]) +
        gaugeLines(
          "projector_checkpoint_seq",
          "Last stream sequence committed per projection",
          Object.entries(s.projector.checkpoints).map(([projection, seq]) => [{ projection }, seq]),
        ) +
        gaugeLines("projector_events_per_second", "Events projected per second", [
          [{}, s.projector.eventsPerSec],
        ]) +
        gaugeLines("projector_heartbeat_age_seconds", "Seconds since the projector's heartbeat", [
          [{}, heartbeatAge],
        ]) +
        gaugeLines("stream_last_seq", "Last sequence of the SIGNALS stream", [
          [{}, s.projector.streamLastSeq],
        ]) +
        gaugeLines("dead_letters_total", "Events recorded in dead_letters", [[{}, s.deadLetters]]) +
        clusterGauges(s.cluster) +
        gaugeLines("api_requests_in_flight", "HTTP requests being handled", [
          [{}, s.process.inFlight],
        ]) +
        gaugeLines("api_event_loop_delay_ms", "Worst event-loop delay while probing", [
          [{}, s.process.eventLoopDelayMs],
        ]);
      return c.text(body, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/docs",
      operationId: "getDocsPage",
      summary: "A page that renders this document and sends requests",
      ...open,
      responses: { 200: text("The page", "text/html"), ...problems(400) },
    }),
    (c) => c.html(DOCS_HTML),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/docs/app.js",
      operationId: "getDocsScript",
      summary: "The docs page's script",
      ...open,
      responses: { 200: text("The script", "text/javascript"), ...problems(400) },
    }),
    (c) =>
      c.body(DOCS_SCRIPT, 200, {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=300",
      }),
  );
  return app;
}

/** The scale-out gauges: stream copies per NATS node, each worker's share and lag, replica lag. */
function clusterGauges(cluster: ClusterStatus): string {
  return gaugeLines("nats_stream_copy_current", "1 when the node's copy of the stream is current", [
    ...cluster.natsNodes.map((
      n,
    ) => [{ node: n.name, leader: String(n.leader) }, n.current ? 1 : 0]),
  ] as [Record<string, string>, number][]) +
    gaugeLines("projector_worker_read_models", "Read models a live projector worker holds", [
      ...cluster.workers.map((w) => [{ worker: w.id }, w.owns.length]),
    ] as [Record<string, string>, number][]) +
    gaugeLines("projector_worker_lag_events", "Stream events after a worker's lowest checkpoint", [
      ...cluster.workers.map((w) => [{ worker: w.id }, w.lag]),
    ] as [Record<string, string>, number | null][]) +
    (cluster.replica
      ? gaugeLines("read_replica_lag_ms", "Replay lag of the read replica, in ms", [
        [{}, cluster.replica.lagMs],
      ])
      : "");
}
