/** Query-string schemas of the signal lists. */
import { z } from "zod";
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
  timeParam,
} from "./query.ts";

/** Query of `GET /signals/:type`. */
export const SignalQuery = z.object({
  from: timeParam("Start of the window, inclusive (ISO 8601 or epoch ms)"),
  to: timeParam("End of the window, exclusive (ISO 8601 or epoch ms)"),
  machine: machinesParam,
  limit: limitParam(100),
  order: orderParam,
  cursor: cursorParam,
  format: formatParam,
  state: z.array(z.enum(MACHINE_STATES, { message: `must be one of ${MACHINE_STATES.join(", ")}` }))
    .optional().meta({ description: "state_change only: the state entered; repeatable" }),
  severity: z.array(z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(", ")}` }))
    .optional().meta({ description: "error only: severity; repeatable" }),
  code: z.array(
    z.string().min(1).max(64).regex(/^\P{Cc}+$/u, {
      message: "must not contain control characters",
    }),
  ).optional().meta({
    description: "error only: error code; repeatable",
  }),
  failure: boolParam("sensor only: true for readings taken during a failure"),
  bucket: z.enum(Object.keys(BUCKETS) as [keyof typeof BUCKETS], {
    message: `must be one of ${Object.keys(BUCKETS).join(", ")}`,
  }).default("1m").meta({ description: "power only: bucket size (default 1m)" }),
}).superRefine(fromBeforeTo);

/** Query of `GET /signals/:type/latest`. */
export const LatestQuery = z.object({
  machine: machinesParam,
  limit: limitParam(10),
  format: formatParam,
});
