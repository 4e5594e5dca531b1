/** `/health`, `/metrics`, `/docs` and `/docs/app.js`. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppContext } from "../_context.ts";
import { problems, routeApp } from "../_route.ts";
import { DOCS_HTML, DOCS_SCRIPT } from "../docs_page.ts";
import { gaugeLines } from "../metrics.ts";
import { NoQuery } from "../query.ts";
import { Health } from "../schemas.ts";
import { serviceStatus } from "../status.ts";

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
          description: "A dependency is down (down), or the projector is stale (degraded)",
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
        : s.projector.status !== "ok"
        ? "degraded" as const
        : "ok" as const;
      const body = {
        status,
        process: s.process,
        components: { postgres: s.postgres, nats: s.nats, projector: s.projector },
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
