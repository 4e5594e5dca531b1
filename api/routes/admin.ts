/**
 * `/admin/replay`: queue a rebuild of a projection (or all), follow it, list and cancel jobs. The
 * API only records jobs in `replay_jobs` and reads them back; replay workers
 * (`deno task replay --worker`) run them, so a rebuild never competes with the API's readers.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { STREAM_NAME } from "../../events/mod.ts";
import {
  cancelJob,
  enqueueJob,
  getJob,
  JOB_STATES,
  JobConflictError,
  JobFinishedError,
  listJobs,
  PROJECTIONS,
} from "../../replay/mod.ts";
import type { AppContext } from "../_context.ts";
import { guarded, problems, routeApp } from "../_route.ts";
import { encodeCursor } from "../cursor.ts";
import { cursorKey } from "../list.ts";
import { ConflictError, NotFoundError } from "../problem.ts";
import { NoQuery, repeatable, timeParam } from "../query.ts";
import { ReplayJob, ReplayJobPage } from "../schemas.ts";
import { badField } from "../validation.ts";

const CHOICES = [...PROJECTIONS, "all"] as [string, ...string[]];

/** Body of `POST /admin/replay`. */
export const ReplayBody = z.strictObject({
  projection: z.enum(CHOICES, { message: `must be one of ${CHOICES.join(", ")}` }),
  fromSeq: z.number({ message: "must be a number" }).int("must be a whole number")
    .min(1, "must be at least 1").max(Number.MAX_SAFE_INTEGER).optional()
    .openapi({ description: "Recompute what events at or after this stream sequence produced" }),
  fromTime: timeParam("Recompute what events the stream stored at or after this time produced"),
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

const JobParams = z.object({
  id: z.string().min(1).openapi({ description: "The job's id, as in the POST's Location" }),
});

const ListQuery = z.strictObject({
  state: repeatable(z.enum(JOB_STATES, { message: `must be one of ${JOB_STATES.join(", ")}` }), 5)
    .optional().openapi({ description: "Only jobs in this state; repeat for several" }),
  limit: z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .min(1, "must be at least 1").max(500, "must be at most 500").default(50),
  cursor: z.string().optional().openapi({ description: "`next` of the previous page" }),
});

const LIST = { scope: "replay_jobs", keyKinds: ["seq" as const] };

/** Refuses a point past what the stream holds or in the future, naming the field. */
async function checkPoint(ctx: AppContext, body: { fromSeq?: number; fromTime?: Date }) {
  const now = ctx.now();
  if (body.fromTime !== undefined && body.fromTime.getTime() > now.getTime()) {
    badField(
      "fromTime",
      body.fromTime.toISOString(),
      `is in the future (now: ${now.toISOString()})`,
    );
  }
  if (body.fromSeq !== undefined) {
    const head = (await (await ctx.jsm()).streams.info(STREAM_NAME)).state.last_seq;
    if (body.fromSeq > head) {
      badField("fromSeq", body.fromSeq, `is beyond the stream head: its last sequence is ${head}`);
    }
  }
}

function notFound(id: string): never {
  throw new NotFoundError(`No replay job '${id}'`);
}

/** The admin routes; `createApp` puts them behind the admin role. */
export function adminRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "admin");
  const jobAnswer = (description: string) => ({
    description,
    content: { "application/json": { schema: ReplayJob } },
  });
  const common = { tags: ["admin"], security };

  app.openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/admin/replay",
      operationId: "startReplay",
      summary: "Queue a rebuild of a projection (or all) from the log",
      description: "Records a job that a replay worker runs, and answers at once. A request " +
        "covering a projection that a queued or running job covers is refused with 409.",
      middleware: [jsonBody] as const,
      request: {
        query: NoQuery,
        body: { required: true, content: { "application/json": { schema: ReplayBody } } },
      },
      responses: {
        202: {
          ...jobAnswer("The job is queued"),
          headers: z.object({ location: z.string() }),
        },
        ...problems(400, 409, 413, 503),
        ...denied,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await checkPoint(ctx, body);
      try {
        const job = await enqueueJob(ctx.primarySql, {
          projection: body.projection,
          projections: body.projection === "all" ? [...PROJECTIONS] : [body.projection],
          fromSeq: body.fromSeq,
          fromTime: body.fromTime,
          requestedBy: c.get("keyName") ?? "anonymous",
        });
        return c.json(job, 202, { location: `/admin/replay/${job.id}` });
      } catch (error) {
        if (error instanceof JobConflictError) {
          throw new ConflictError(`Not queued: ${error.message}`, error);
        }
        throw error;
      }
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/admin/replay",
      operationId: "listReplays",
      summary: "Replay jobs, newest first, keyset-paged, by state",
      request: { query: ListQuery },
      responses: {
        200: {
          description: "A page of jobs; `next` is the cursor of the following page",
          content: { "application/json": { schema: ReplayJobPage } },
        },
        ...problems(400, 503),
        ...denied,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const after = cursorKey(query.cursor, LIST, "desc");
      const page = await listJobs(ctx.primarySql, {
        states: query.state,
        limit: query.limit,
        after: after ? { seq: after[0] as number } : undefined,
      });
      const next = page.next
        ? encodeCursor({ s: LIST.scope, o: "desc", k: [page.next.seq] })
        : null;
      return c.json({ data: page.jobs, next }, 200, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: "get",
      path: "/admin/replay/{id}",
      operationId: "getReplay",
      summary: "A replay job: state, phase, progress, rate, ETA and error",
      request: { params: JobParams, query: NoQuery },
      responses: {
        200: jobAnswer("The job"),
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const job = await getJob(ctx.primarySql, id) ?? notFound(id);
      return c.json(job, 200, { "cache-control": "no-store" });
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: "delete",
      path: "/admin/replay/{id}",
      operationId: "cancelReplay",
      summary: "Cancel a queued or running replay job",
      description: "A queued job ends cancelled at once; a running one is marked " +
        "(`cancelRequested`) and its worker stops it within a second, dropping its shadow " +
        "tables. The live views are never touched. A job that has ended answers 409.",
      request: { params: JobParams, query: NoQuery },
      responses: {
        200: jobAnswer("The job, cancelled or being cancelled"),
        ...problems(400, 404, 409, 503),
        ...denied,
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      try {
        const job = await cancelJob(ctx.primarySql, id) ?? notFound(id);
        return c.json(job, 200, { "cache-control": "no-store" });
      } catch (error) {
        if (error instanceof JobFinishedError) {
          throw new ConflictError(`Cannot cancel: ${error.message}`, error);
        }
        throw error;
      }
    },
  );
  return app;
}
