/** `/signals/:type` and its latest, by-id and raw sub-resources. */
import { Hono } from "hono";
import type { SignalType } from "../../events/mod.ts";
import type { AppContext } from "../_context.ts";
import { assertMachinesExist } from "../db.ts";
import { jsonWithEtag } from "../etag.ts";
import type { Row } from "postgres";
import { type ListSpec, respondList } from "../list.ts";
import { BUCKETS, powerSpec } from "../power.ts";
import { BadRequestError } from "../problem.ts";
import { signalType } from "../signal_type.ts";
import { parseQuery } from "../query.ts";
import { LatestQuery, SignalQuery } from "../signal_query.ts";
import { eventTableSpec, type SignalFilter } from "../signal_tables.ts";
import { signalDocs } from "./signals_docs.ts";
import { bySignalId, rawRoute } from "./signal_record.ts";

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

/** The signal routes. */
export function signalRoutes(ctx: AppContext): Hono {
  const app = new Hono();
  ctx.docs.push(...signalDocs());

  app.get("/signals/:type", async (c) => {
    const type = signalType(c.req.param("type"));
    const q = parseQuery(c, SignalQuery);
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
    const filter = { ...q, machines: q.machine };
    return await respondList(c, specFor(type, filter, q.bucket), {
      sql: ctx.sql,
      order: q.order,
      limit: q.limit,
      cursor: q.cursor,
      format: q.format,
      cacheable: q.to !== undefined && q.to.getTime() <= ctx.now().getTime(),
      filename: `${type}.csv`,
    });
  });

  app.get("/signals/:type/latest", async (c) => {
    const type = signalType(c.req.param("type"));
    const q = parseQuery(c, LatestQuery);
    await assertMachinesExist(ctx.sql, q.machine);
    const spec = specFor(type, { machines: q.machine }, "1m");
    return await respondList(c, spec, {
      sql: ctx.sql,
      order: "desc",
      limit: q.limit,
      format: q.format,
      filename: `${type}_latest.csv`,
    });
  });

  app.get("/signals/:type/:id", async (c) => {
    const type = signalType(c.req.param("type"));
    const record = await bySignalId(ctx, { type, id: c.req.param("id") });
    return await jsonWithEtag(c, record, { cacheable: true });
  });

  app.get("/signals/:type/:id/raw", (c) => rawRoute(ctx, c, { payload: true }));
  app.get("/signals/:type/:id/raw/metadata", (c) => rawRoute(ctx, c, { payload: false }));
  return app;
}
