/** `/machines`, `/machines/:id` and `/failures`. */
import { Hono } from "hono";
import { z } from "zod";
import { MACHINE_STATES, MachineId } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { assertMachinesExist } from "../db.ts";
import { jsonWithEtag } from "../etag.ts";
import { respondList } from "../list.ts";
import { failureSpec, machineDetail, machineSpec } from "../machines.ts";
import { NotFoundError } from "../problem.ts";
import {
  boolParam,
  cursorParam,
  formatParam,
  fromBeforeTo,
  limitParam,
  machinesParam,
  orderParam,
  parseQuery,
  parseWith,
  timeParam,
} from "../query.ts";
import { FailureRow, MachineDetail, MachineRow, pageOf } from "../schemas.ts";

/** Query of `GET /machines`. */
export const MachinesQuery = z.object({
  state: z.array(z.enum(MACHINE_STATES, { message: `must be one of ${MACHINE_STATES.join(", ")}` }))
    .optional().meta({ description: "Current state; repeatable" }),
  limit: limitParam(100),
  cursor: cursorParam,
  format: formatParam,
});

/** Query of `GET /failures`. */
export const FailuresQuery = z.object({
  machine: machinesParam,
  from: timeParam("Episodes still going on at or after this time"),
  to: timeParam("Episodes started before this time"),
  ongoing: boolParam("true: only episodes not yet ended; false: only ended ones"),
  limit: limitParam(100),
  order: orderParam,
  cursor: cursorParam,
  format: formatParam,
}).superRefine(fromBeforeTo);

const MachineParams = z.object({ id: MachineId });

/** The machine and failure routes. */
export function machineRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  ctx.docs.push(
    {
      method: "get",
      path: "/machines",
      summary: "Latest state of every machine, by machine id",
      tag: "machines",
      auth: "read",
      query: MachinesQuery,
      responses: {
        200: { description: "A page of machines", schema: pageOf(MachineRow), csv: true },
      },
    },
    {
      method: "get",
      path: "/machines/{id}",
      summary: "One machine: state, current power, last 10 errors, ongoing failure",
      tag: "machines",
      auth: "read",
      params: MachineParams,
      responses: { 200: { description: "The machine", schema: MachineDetail } },
      errors: [400, 404],
    },
    {
      method: "get",
      path: "/failures",
      summary: "Failure episodes overlapping a window",
      tag: "machines",
      auth: "read",
      query: FailuresQuery,
      responses: {
        200: { description: "A page of episodes", schema: pageOf(FailureRow), csv: true },
      },
      errors: [400, 404],
    },
  );

  app.get("/machines", async (c) => {
    const q = parseQuery(c, MachinesQuery);
    return await respondList(c, machineSpec({ state: q.state }), {
      sql: ctx.sql,
      order: "asc",
      limit: q.limit,
      cursor: q.cursor,
      format: q.format,
      filename: "machines.csv",
    });
  });

  app.get("/machines/:id", async (c) => {
    const { id } = parseWith(MachineParams, { id: c.req.param("id") });
    const detail = await machineDetail(ctx.sql, id);
    if (!detail) throw new NotFoundError(`Unknown machine '${id}'`);
    return await jsonWithEtag(c, detail);
  });

  app.get("/failures", async (c) => {
    const q = parseQuery(c, FailuresQuery);
    await assertMachinesExist(ctx.sql, q.machine);
    return await respondList(c, failureSpec({ ...q, machines: q.machine }), {
      sql: ctx.sql,
      order: q.order,
      limit: q.limit,
      cursor: q.cursor,
      format: q.format,
      cacheable: q.to !== undefined && q.to.getTime() <= ctx.now().getTime(),
      filename: "failures.csv",
    });
  });
  return app;
}
