/** `/admin/replay`: start a rebuild of a projection and follow its progress. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "../_context.ts";
import type { ReplayJobs } from "../deps.ts";
import { ConflictError, NotFoundError, UnavailableError } from "../problem.ts";
import { parseWith, timeParam } from "../query.ts";
import { ReplayJob } from "../schemas.ts";
import { badField } from "../query.ts";
import { PROJECTIONS } from "../../projector/types.ts";

/** Body of `POST /admin/replay`. */
export const ReplayBody = z.object({
  projection: z.enum([...PROJECTIONS, "all"], {
    message: `must be one of ${[...PROJECTIONS, "all"].join(", ")}`,
  }),
  fromSeq: z.number({ message: "must be a number" }).int("must be a whole number")
    .min(1, "must be at least 1").max(Number.MAX_SAFE_INTEGER).optional(),
  fromTime: timeParam("Recompute what events at or after this time produced"),
}).strict().superRefine((body, ctx) => {
  if (body.fromSeq !== undefined && body.fromTime !== undefined) {
    ctx.addIssue({ code: "custom", path: ["fromTime"], message: "cannot be given with fromSeq" });
  }
});

function engine(ctx: AppContext): ReplayJobs {
  if (!ctx.replay) throw new UnavailableError("Replay is not available in this API process");
  return ctx.replay;
}

/** The admin routes; the caller mounts them behind the admin role. */
export function adminRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  ctx.docs.push(
    {
      method: "post",
      path: "/admin/replay",
      summary: "Start rebuilding a projection (or all) from the log",
      tag: "admin",
      auth: "admin",
      body: ReplayBody,
      responses: { 202: { description: "The job started", schema: ReplayJob } },
      errors: [400, 409, 413, 503],
    },
    {
      method: "get",
      path: "/admin/replay/{id}",
      summary: "State, progress, rate and errors of a replay job",
      tag: "admin",
      auth: "admin",
      params: z.object({ id: z.string() }),
      responses: { 200: { description: "The job", schema: ReplayJob } },
      errors: [404, 503],
    },
  );

  app.post("/admin/replay", async (c) => {
    const jobs = engine(ctx);
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      return badField("content-type", type, "must be application/json");
    }
    const text = await c.req.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return badField("(body)", text.slice(0, 100), "is not valid JSON");
    }
    const body = parseWith(ReplayBody, json);
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
  });

  app.get("/admin/replay/:id", (c) => {
    const jobs = engine(ctx);
    const id = c.req.param("id");
    const job = jobs.get(id);
    if (!job) throw new NotFoundError(`No replay job '${id}'`);
    return c.json(job, 200, { "cache-control": "no-store" });
  });
  return app;
}
