/** `createApp(deps)`: the Hono app with its middleware, routes and problem+json errors. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { createLogger } from "../lib/mod.ts";
import { type AppContext, lazyJsm } from "./_context.ts";
import { type AppEnv, needsKey, routeApp } from "./_route.ts";
import { AnswerCache, DEFAULT_CACHE_BYTES } from "./answer_cache.ts";
import { requireRole } from "./auth.ts";
import { AccessLog, type AccessRecord } from "./access_log.ts";
import { serveFromMemory } from "./cached_answers.ts";
import { Circuit, isConnectionError } from "./circuit.ts";
import { deadline } from "./deadline.ts";
import { InFlight } from "./load.ts";
import type { AppDeps } from "./deps.ts";
import { methodGuard } from "./method_guard.ts";
import { createMetrics } from "./metrics.ts";
import { NotFoundError, ProblemError, problemResponse, UnavailableError } from "./problem.ts";
import { adminRoutes } from "./routes/admin.ts";
import { DASHBOARD_PATHS, dashboardRoutes } from "./routes/dashboard.ts";
import { machineRoutes } from "./routes/machines.ts";
import { serviceRoutes } from "./routes/service.ts";
import { signalRecordRoutes } from "./routes/signal_record.ts";
import { signalRoutes } from "./routes/signals.ts";
import { streamRoutes } from "./routes/stream.ts";
import { operationsOf, serveOpenApi } from "./spec.ts";

/** Paths anyone may call, even when API keys are configured. */
export const OPEN_PATHS = ["/health", "/metrics", "/docs", "/docs/app.js", ...DASHBOARD_PATHS];

/** A route module: an app of routes that declare their own contract, built over the context. */
export type RouteModule = (ctx: AppContext) => OpenAPIHono<AppEnv>;

/**
 * The route modules, mounted in this order at `/`. Earlier ones win where paths overlap
 * (`/signals/{type}/latest` before `/signals/{type}/{id}`). Add a module here to add routes.
 */
export const ROUTE_MODULES: RouteModule[] = [
  serviceRoutes,
  signalRoutes,
  signalRecordRoutes,
  machineRoutes,
  streamRoutes,
  adminRoutes,
  dashboardRoutes,
];

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** Builds the API over `deps`; nothing listens until the caller serves `app.fetch`. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const circuit = new Circuit("PostgreSQL", { openMs: deps.settings.dbRetryAfterMs });
  const ctx: AppContext = {
    get sql() {
      circuit.check();
      deps.replica?.assertUsable();
      return deps.sql;
    },
    get primarySql() {
      circuit.check();
      return deps.primarySql ?? deps.sql;
    },
    probeSql: deps.sql,
    circuit,
    inFlight: new InFlight(),
    nats: deps.nats,
    settings: deps.settings,
    logger: deps.logger ?? createLogger("api"),
    now: deps.now ?? (() => new Date()),
    metrics: createMetrics(),
    signal: deps.signal ?? new AbortController().signal,
    jsm: lazyJsm(deps.nats),
    replica: deps.replica,
  };
  const app = routeApp();
  app.use(requestId({ limitLength: 128 }));
  const accessLog = new AccessLog(ctx.logger);
  const record = (answer: AccessRecord) => {
    ctx.metrics.http.observe(answer.route, answer.method, answer.status, answer.ms / 1000);
    accessLog.record(answer);
  };
  // The route pattern that answered each request, for the answer cache in front of the app.
  const routes = new WeakMap<Request, string>();
  app.use(async (c, next) => {
    const started = performance.now();
    await ctx.inFlight.around(next);
    // Set after the handler too: routes may return Response objects of their own.
    c.res.headers.set("x-request-id", c.get("requestId"));
    const route = c.req.routePath === "/*" ? "(unmatched)" : c.req.routePath;
    routes.set(c.req.raw, route);
    record({
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms: performance.now() - started,
    });
  });
  app.use(secureHeaders({ contentSecurityPolicy: undefined, crossOriginResourcePolicy: false }));
  app.use(async (c, next) => {
    await next();
    // A route that sets its own policy (the dashboard's page) keeps it.
    if (c.res.headers.has("content-security-policy")) return;
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
  // Every request answers in bounded time, whatever it waits for.
  app.use(deadline(deps.settings.requestTimeoutMs ?? 2500));
  // Before authentication: a method a path lacks is a 405 whoever asks.
  app.use(methodGuard(() => operationsOf(app)));
  const limit = deps.settings.bodyLimitBytes ?? 65_536;
  app.use(bodyLimit({
    maxSize: limit,
    onError: () => {
      throw new ProblemError(
        413,
        "Content Too Large",
        `The request body is larger than the limit of ${limit} bytes`,
        { code: "too_large" },
      );
    },
  }));
  if (!deps.settings.publicReads) {
    app.use(requireRole("read", { keys: deps.settings.apiKeys, openPaths: OPEN_PATHS }));
  }
  app.use("/admin/*", requireRole("admin", { keys: deps.settings.apiKeys }));

  for (const routes of ROUTE_MODULES) app.route("/", routes(ctx));
  serveOpenApi(app, ctx);

  app.notFound((c) => {
    throw new NotFoundError(`No route for ${c.req.method} ${c.req.path}`);
  });
  app.onError((error, c) => {
    // A connection failure opens the circuit: the next requests answer 503 without waiting.
    if (circuit.fail(error)) ctx.logger.warn("database unreachable", { error });
    const problem = toProblem(error);
    if (problem.status >= 500) {
      ctx.logger.error("request failed", {
        requestId: c.get("requestId"),
        error,
        cause: problem.cause,
      });
    }
    return problemResponse(problem, c.req.path);
  });
  const cacheBytes = deps.settings.cacheBytes ?? DEFAULT_CACHE_BYTES;
  if (deps.readModelVersion && cacheBytes > 0) {
    serveFromMemory(app, {
      cache: new AnswerCache(cacheBytes),
      version: deps.readModelVersion,
      counts: ctx.metrics.cache,
      keys: needsKey(ctx, "read") ? deps.settings.apiKeys : undefined,
      routes,
      record: (answer) => record({ ...answer, method: "GET" }),
    });
  }
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
  if ((error as { code?: string }).code === "57014") {
    return new UnavailableError(
      "The database query took longer than the configured timeout",
      error,
    );
  }
  if (isConnectionError(error)) return new UnavailableError("The database is unavailable", error);
  return new ProblemError(500, "Internal Server Error", "An unexpected error occurred", {
    code: "internal",
    cause: error,
  });
}
