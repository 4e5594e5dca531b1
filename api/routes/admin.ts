/** `/admin/replay`: start a rebuild of a projection and follow its progress. */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppContext } from "../_context.ts";
import { guarded, problems, routeApp } from "../_route.ts";
import type { ReplayJobs } from "../deps.ts";
import { ConflictError, NotFoundError, UnavailableError } from "../problem.ts";
import { NoQuery, timeParam } from "../query.ts";
import { ReplayJob } from "../schemas.ts";
import { badField } from "../validation.ts";
import { PROJECTIONS } from "../../replay/contract.ts";

/** Body of `POST /admin/replay`. */
export const ReplayBody = z.strictObject({
  projection: z.enum([...PROJECTIONS, "all"], {
    message: `must be one of ${[...PROJECTIONS, "all"].join(", ")}`,
  }),
  fromSeq: z.number({ message: "must be a number" }).int("must be a whole number")
    .min(1, "must be at least 1").max(Number.MAX_SAFE_INTEGER).optional(),
  fromTime: timeParam("Recompute what events at or after this time produced"),
}).superRefine((body, ctx) => {
  if (body.fromSeq !== undefined && body.fromTime !== undefined) {
    ctx.addIssue({ code: "custom", path: ["fromTime"], message: "cannot be given with fromSeq" });
  }
}).openapi({ description: "fromSeq and fromTime exclude each other" });

/** Refuses a body that is not JSON with a 400 naming it, before the schema sees it. */
const jsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return badField("content-type", type, "must be application/json");
  }
  const text = await c.req.text();
  try {
    JSON.parse(text);
  } catch {
    return badField("(body)", text.slice(0, 100), "is not valid JSON");
  }
  await next();
};

function engine(ctx: AppContext): ReplayJobs {
  if (!ctx.replay) throw new UnavailableError("Replay is not available in this API process");
  return ctx.replay;
}

/** The admin routes; `createApp` puts them behind the admin role. */
export function adminRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "admin");

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/replay",
      operationId: "startReplay",
      summary: "Start rebuilding a projection (or all) from the log",
      tags: ["admin"],
      security,
      middleware: [jsonBody] as const,
      request: {
        query: NoQuery,
        body: { required: true, content: { "application/json": { schema: ReplayBody } } },
      },
      responses: {
        202: {
          description: "The job started",
          headers: z.object({ location: z.string() }),
          content: { "application/json": { schema: ReplayJob } },
        },
        ...problems(400, 409, 413, 503),
        ...denied,
      },
    }),
    (c) => {
      const jobs = engine(ctx);
      const body = c.req.valid("json");
      try {
        const job = jobs.start({
          projection: body.projection,
          ...(body.fromSeq !== undefined ? { fromSeq: body.fromSeq } : {}),
          ...(body.fromTime !== undefined ? { fromTime: body.fromTime.toISOString() } : {}),
        });
        return c.json(job, 202, { location: `/admin/replay/${encodeURIComponent(job.id)}` });
      } catch (error) {
        if (error instanceof Error && error.name === "ReplayConflictError") {
          throw new ConflictError(
            `A rebuild of '${body.projection}' is already running: ${error.message}`,
            error,
          );
        }
        throw error;
      }
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/replay/{id}",
      operationId: "getReplay",
      summary: "State, progress, rate and errors of a replay job",
      tags: ["admin"],
      security,
      request: { params: z.object({ id: z.string().min(1) }), query: NoQuery },
      responses: {
        200: { description: "The job", content: { "application/json": { schema: ReplayJob } } },
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    (c) => {
      const jobs = engine(ctx);
      const id = c.req.valid("param").id;
      const job = jobs.get(id);
      if (!job) throw new NotFoundError(`No replay job '${id}'`);
      return c.json(job, 200, { "cache-control": "no-store" });
    },
  );
  return app;
}
