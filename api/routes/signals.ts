/** `/signals/:type` and `/signals/:type/latest`: keyset-paginated lists, as JSON or CSV. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Row } from "postgres";
import { SIGNAL_TYPES, type SignalType } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { guarded, jsonAnswer, NOT_MODIFIED, problems, routeApp } from "../_route.ts";
import { assertMachinesExist } from "../db.ts";
import { type ListSpec, respondList, windowRequest } from "../list.ts";
import { BUCKETS, powerSpec } from "../power.ts";
import { BadRequestError } from "../problem.ts";
import { signalType } from "../signal_type.ts";
import { LatestQuery, SignalQuery } from "../signal_query.ts";
import { eventTableSpec, type SignalFilter } from "../signal_tables.ts";
import {
  ErrorRow,
  pageOf,
  PowerBucketRow,
  SensorRow,
  StateChangeRow,
  XrayRow,
} from "../schemas.ts";

/** The `{type}` path parameter; an unknown type is a 404, as for any missing resource. */
export const TypeParam = z.object({
  type: z.string().openapi({ enum: [...SIGNAL_TYPES], description: "Signal type" }),
});

/** A record of any signal type, as listed. */
export const AnySignalRow = z.union([StateChangeRow, ErrorRow, PowerBucketRow, SensorRow, XrayRow]);

const ONLY_FOR: Record<string, SignalType> = {
  state: "state_change",
  severity: "error",
  code: "error",
  failure: "sensor",
  bucket: "power",
};

function specFor(
  type: SignalType,
  filter: SignalFilter,
  bucket: keyof typeof BUCKETS,
): ListSpec<Row, unknown> {
  const spec = type === "power" ? powerSpec(filter, bucket) : eventTableSpec(type, filter);
  return spec as unknown as ListSpec<Row, unknown>;
}

/** The signal list routes. */
export function signalRoutes(ctx: AppContext) {
  const app = routeApp();
  const { security, denied } = guarded(ctx, "read");

  app.openapi(
    createRoute({
      method: "get",
      path: "/signals/{type}",
      operationId: "listSignals",
      summary: "Signals in a time window, keyset-paginated; power as buckets",
      tags: ["signals"],
      security,
      request: { params: TypeParam, query: SignalQuery },
      responses: {
        200: jsonAnswer("A page of records", pageOf(AnySignalRow), { csv: true }),
        ...NOT_MODIFIED,
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    async (c) => {
      const type = signalType(c.req.valid("param").type);
      const q = c.req.valid("query");
      const misplaced = Object.entries(ONLY_FOR).filter(([field, only]) =>
        only !== type && c.req.query(field) !== undefined
      );
      if (misplaced.length > 0) {
        throw new BadRequestError(misplaced.map(([field, only]) => ({
          field,
          value: c.req.query(field),
          message: `applies only to type ${only}, not ${type}`,
        })));
      }
      await assertMachinesExist(ctx.sql, q.machine);
      return await respondList(
        c,
        specFor(type, { ...q, machines: q.machine }, q.bucket),
        windowRequest(ctx.sql, { ...q, now: ctx.now() }, `${type}.csv`),
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/signals/{type}/latest",
      operationId: "latestSignals",
      summary: "The newest records, newest first",
      tags: ["signals"],
      security,
      request: { params: TypeParam, query: LatestQuery },
      responses: {
        200: jsonAnswer("The newest records", pageOf(AnySignalRow), { csv: true }),
        ...NOT_MODIFIED,
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    async (c) => {
      const type = signalType(c.req.valid("param").type);
      const q = c.req.valid("query");
      await assertMachinesExist(ctx.sql, q.machine);
      return await respondList(c, specFor(type, { machines: q.machine }, "1m"), {
        sql: ctx.sql,
        order: "desc",
        limit: q.limit,
        format: q.format,
        filename: `${type}_latest.csv`,
      });
    },
  );
  return app;
}
