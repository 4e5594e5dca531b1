/** `/machines`, `/machines/:id` and `/failures`, each with its contract. */
import { createRoute, z } from "@hono/zod-openapi";
import { MACHINE_STATES, MachineId } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { guarded, jsonAnswer, NOT_MODIFIED, problems, routeApp } from "../_route.ts";
import { assertMachinesExist } from "../db.ts";
import { jsonWithEtag } from "../etag.ts";
import { respondList, windowRequest } from "../list.ts";
import { failureSpec, machineDetail, machineSpec } from "../machines.ts";
import { machineAt, machinesAtSpec } from "../machines_at.ts";
import { MachineAtRow } from "../machines_at_schema.ts";
import { NotFoundError } from "../problem.ts";
import {
  boolParam,
  cursorParam,
  formatParam,
  fromBeforeTo,
  limitParam,
  machinesParam,
  orderParam,
  repeatable,
  timeParam,
} from "../query.ts";
import { FailureRow, MachineDetail, MachineRow, pageOf } from "../schemas.ts";

const atParam = timeParam(
  "Answer as of this instant, folded from the history tables (state and since when, last error, " +
    "open failure, power of that minute, errors in the hour before); absent: the live view",
);

/** Query of `GET /machines`. */
export const MachinesQuery = z.strictObject({
  state: repeatable(
    z.enum(MACHINE_STATES, { message: `must be one of ${MACHINE_STATES.join(", ")}` }),
    4,
  ).optional().openapi({ description: "Current state (the state at `at` with `at`); repeatable" }),
  at: atParam,
  limit: limitParam(100),
  cursor: cursorParam,
  format: formatParam,
});

/** Query of `GET /failures`. */
export const FailuresQuery = z.strictObject({
  machine: machinesParam,
  from: timeParam("Episodes still going on at or after this time"),
  to: timeParam("Episodes started before this time"),
  ongoing: boolParam("true: only episodes not yet ended; false: only ended ones"),
  limit: limitParam(100),
  order: orderParam,
  cursor: cursorParam,
  format: formatParam,
}).superRefine(fromBeforeTo);

/** Query of `GET /machines/{id}`. */
export const MachineQuery = z.strictObject({ at: atParam });

const MachineParams = z.object({
  id: MachineId.meta({ description: "Machine id" }),
});

/** The machine and failure routes. */
export function machineRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "read");

  app.openapi(
    createRoute({
      method: "get",
      path: "/machines",
      operationId: "listMachines",
      summary: "Latest state of every machine, by machine id",
      tags: ["machines"],
      security,
      request: { query: MachinesQuery },
      responses: {
        200: jsonAnswer(
          "A page of machines; with `at`, each as of that instant",
          z.union([pageOf(MachineRow), pageOf(MachineAtRow)]),
          { csv: true },
        ),
        ...NOT_MODIFIED,
        ...problems(400, 503),
        ...denied,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      if (q.at) {
        return await respondList(c, machinesAtSpec(q.at, { state: q.state }), {
          sql: ctx.sql,
          order: "asc",
          limit: q.limit,
          cursor: q.cursor,
          format: q.format,
          cacheable: q.at.getTime() <= ctx.now().getTime(),
          filename: "machines_at.csv",
        });
      }
      return await respondList(c, machineSpec({ state: q.state }), {
        sql: ctx.sql,
        order: "asc",
        limit: q.limit,
        cursor: q.cursor,
        format: q.format,
        filename: "machines.csv",
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/machines/{id}",
      operationId: "getMachine",
      summary: "One machine: state, current power, last 10 errors, ongoing failure",
      tags: ["machines"],
      security,
      request: { params: MachineParams, query: MachineQuery },
      responses: {
        200: jsonAnswer(
          "The machine; with `at`, as of that instant",
          z.union([MachineDetail, MachineAtRow]),
        ),
        ...NOT_MODIFIED,
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { at } = c.req.valid("query");
      const detail = at ? await machineAt(ctx.sql, id, at) : await machineDetail(ctx.sql, id);
      if (!detail) throw new NotFoundError(`Unknown machine '${id}'`);
      return jsonWithEtag(c, detail);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/failures",
      operationId: "listFailures",
      summary: "Failure episodes overlapping a window",
      tags: ["machines"],
      security,
      request: { query: FailuresQuery },
      responses: {
        200: jsonAnswer("A page of episodes", pageOf(FailureRow), { csv: true }),
        ...NOT_MODIFIED,
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      await assertMachinesExist(ctx.sql, q.machine);
      return await respondList(
        c,
        failureSpec({ ...q, machines: q.machine }),
        windowRequest(ctx.sql, { ...q, now: ctx.now() }, "failures.csv"),
      );
    },
  );
  return app;
}
