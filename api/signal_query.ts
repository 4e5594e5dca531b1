/** Query-string schemas of the signal lists. */
import { z } from "@hono/zod-openapi";
import { MACHINE_STATES, SEVERITIES } from "../events/mod.ts";
import { BUCKETS } from "./power.ts";
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
} from "./query.ts";

/** Query of `GET /signals/:type`. */
export const SignalQuery = z.strictObject({
  from: timeParam("Start of the window, inclusive (ISO 8601 or epoch ms)"),
  to: timeParam("End of the window, exclusive (ISO 8601 or epoch ms)"),
  machine: machinesParam,
  limit: limitParam(100),
  order: orderParam,
  cursor: cursorParam,
  format: formatParam,
  state: repeatable(
    z.enum(MACHINE_STATES, { message: `must be one of ${MACHINE_STATES.join(", ")}` }),
    4,
  ).optional().openapi({ description: "state_change only: the state entered; repeatable" }),
  severity: repeatable(
    z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(", ")}` }),
    4,
  ).optional().openapi({ description: "error only: severity; repeatable" }),
  code: repeatable(
    z.string().min(1, "must not be empty").max(64, "must be at most 64 characters")
      .regex(/^\P{Cc}+$/u, { message: "must not contain control characters" }),
    100,
  ).optional().openapi({ description: "error only: error code; repeatable" }),
  failure: boolParam("sensor only: true for readings taken during a failure"),
  bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS], {
    message: `must be one of ${Object.keys(BUCKETS).join(", ")}`,
  }).default("1m").openapi({ description: "power only: bucket size (default 1m)" }),
}).superRefine(fromBeforeTo);

/** Query of `GET /signals/:type/latest`. */
export const LatestQuery = z.strictObject({
  machine: machinesParam,
  limit: limitParam(10),
  format: formatParam,
});
