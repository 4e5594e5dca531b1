/** `createApp(deps)`: the Hono app with its middleware, routes and problem+json errors. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { createLogger } from "../lib/mod.ts";
import { type AppContext, lazyJsm } from "./_context.ts";
import { requireRole } from "./auth.ts";
import type { AppDeps } from "./deps.ts";
import { createMetrics } from "./metrics.ts";
import { NotFoundError, ProblemError, problemResponse, UnavailableError } from "./problem.ts";
import { adminRoutes } from "./routes/admin.ts";
import { machineRoutes } from "./routes/machines.ts";
import { serviceRoutes } from "./routes/service.ts";
import { signalRoutes } from "./routes/signals.ts";
import { streamRoutes } from "./routes/stream.ts";

/** Paths anyone may call, even when API keys are configured. */
export const OPEN_PATHS = ["/health", "/metrics", "/docs", "/docs/app.js"];

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** Builds the API over `deps`; nothing listens until the caller serves `app.fetch`. */
export function createApp(deps: AppDeps): Hono {
  const ctx: AppContext = {
    sql: deps.sql,
    nats: deps.nats,
    settings: deps.settings,
    replay: deps.replay,
    logger: deps.logger ?? createLogger("api"),
    now: deps.now ?? (() => new Date()),
    metrics: createMetrics(),
    signal: deps.signal ?? new AbortController().signal,
    docs: [],
    jsm: lazyJsm(deps.nats),
  };
  const app = new Hono();
  app.use(async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
    c.set("requestId" as never, requestId as never);
    await next();
    // Set after the handler: routes may return their own Response objects.
    c.res.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath === "/*" ? "(unmatched)" : c.req.routePath;
    ctx.metrics.http.observe(route, c.req.method, c.res.status, seconds);
    ctx.logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms: Math.round(seconds * 10_000) / 10,
    });
  });
  app.use(secureHeaders({ contentSecurityPolicy: undefined, crossOriginResourcePolicy: false }));
  app.use(async (c, next) => {
    await next();
    c.res.headers.set(
      "content-security-policy",
      c.req.path.startsWith("/docs") ? DOCS_CSP : API_CSP,
    );
  });
  const origins = deps.settings.corsOrigins ?? [];
  if (origins.length > 0) {
    app.use(cors({
      origin: origins.includes("*") ? "*" : origins,
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "X-Request-Id"],
      exposeHeaders: ["ETag", "X-Request-Id", "Location"],
      maxAge: 600,
    }));
  }
  app.use(bodyLimit({
    maxSize: deps.settings.bodyLimitBytes ?? 65_536,
    onError: () => {
      throw new ProblemError(
        413,
        "Content Too Large",
        "The request body is larger than the limit",
        {
          code: "too_large",
          extra: { limitBytes: deps.settings.bodyLimitBytes ?? 65_536 },
        },
      );
    },
  }));
  if (!deps.settings.publicReads) {
    app.use(requireRole("read", { keys: deps.settings.apiKeys, openPaths: OPEN_PATHS }));
  }
  app.use("/admin/*", requireRole("admin", { keys: deps.settings.apiKeys }));

  app.route("/", serviceRoutes(ctx));
  app.route("/", signalRoutes(ctx));
  app.route("/", machineRoutes(ctx));
  app.route("/", streamRoutes(ctx));
  app.route("/", adminRoutes(ctx));

  app.notFound((c) => {
    throw new NotFoundError(`No route for ${c.req.method} ${c.req.path}`);
  });
  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      ctx.logger.error("request failed", {
        requestId: c.get("requestId" as never),
        error,
        cause: problem.cause,
      });
    }
    const headers: Record<string, string> = {};
    if (problem.status === 401) headers["www-authenticate"] = 'Bearer realm="signals"';
    // A dependency that is down or slow is worth retrying shortly.
    if (problem.status === 503) headers["retry-after"] = "5";
    const response = problemResponse(problem, c.req.path, headers);
    return response;
  });
  return app;
}

function toProblem(error: Error): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) {
    const status = error.status;
    return new ProblemError(
      status,
      error.message || "HTTP error",
      error.message || `HTTP ${status}`,
    );
  }
  const code = (error as { code?: string }).code;
  if (code === "57014") {
    return new UnavailableError(
      "The database query took longer than the configured timeout",
      error,
    );
  }
  if (
    code && (/^(08|53|57P)/.test(code) ||
      [
        "ECONNREFUSED",
        "ECONNRESET",
        "CONNECTION_CLOSED",
        "CONNECTION_ENDED",
        "CONNECT_TIMEOUT",
        "CONNECTION_DESTROYED",
      ]
        .includes(code))
  ) {
    return new UnavailableError("The database is unavailable", error);
  }
  return new ProblemError(500, "Internal Server Error", "An unexpected error occurred", {
    code: "internal",
    cause: error,
  });
}
