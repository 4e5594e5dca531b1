/** `/health`, `/metrics`, `/openapi.json` and `/docs`. */
import { Hono } from "hono";
import type { AppContext } from "../_context.ts";
import { DOCS_HTML, DOCS_SCRIPT } from "../docs_page.ts";
import { gaugeLines } from "../metrics.ts";
import { buildOpenApi } from "../openapi.ts";
import { Health } from "../schemas.ts";
import { serviceStatus } from "../status.ts";

/** The service routes. */
export function serviceRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  ctx.docs.push(
    {
      method: "get",
      path: "/health",
      summary: "Status of PostgreSQL, NATS and the projector, with projector lag",
      tag: "service",
      auth: "open",
      responses: { 200: { description: "Everything is up", schema: Health } },
      errors: [503],
    },
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      tag: "service",
      auth: "open",
      responses: { 200: { description: "Prometheus text format" } },
      errors: [],
    },
    {
      method: "get",
      path: "/openapi.json",
      summary: "This document",
      tag: "service",
      auth: "read",
      responses: { 200: { description: "OpenAPI 3.1" } },
      errors: [],
    },
  );

  app.get("/health", async (c) => {
    const s = await serviceStatus(ctx);
    const up = s.postgres.status === "ok" && s.nats.status === "ok";
    const healthy = up && s.projector.status === "ok";
    const body = {
      status: healthy ? "ok" : up ? "degraded" : "down",
      components: { postgres: s.postgres, nats: s.nats, projector: s.projector },
    };
    return c.json(body, healthy ? 200 : 503, { "cache-control": "no-store" });
  });

  app.get("/metrics", async (c) => {
    const s = await serviceStatus(ctx);
    const heartbeatAge = s.projector.heartbeatAt
      ? (ctx.now().getTime() - Date.parse(s.projector.heartbeatAt)) / 1000
      : null;
    const text = ctx.metrics.http.render() +
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
      gaugeLines("dead_letters_total", "Events recorded in dead_letters", [[{}, s.deadLetters]]);
    return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  let openapi: unknown;
  app.get("/openapi.json", (c) => {
    openapi ??= buildOpenApi(ctx.docs, { title: "Signal service API", version: "1.0.0" });
    return c.json(openapi);
  });

  app.get("/docs", (c) => c.html(DOCS_HTML));
  app.get("/docs/app.js", (c) =>
    c.body(DOCS_SCRIPT, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
    }));
  return app;
}
