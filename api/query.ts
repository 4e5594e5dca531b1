/** Query and body parameter schemas shared by the routes, with the formats they declare. */
import { z } from "@hono/zod-openapi";
import { MachineId } from "../events/mod.ts";
import { parseTime } from "./time.ts";

/** What a time parameter accepts: epoch milliseconds or an ISO 8601 date or date-time. */
export const TIME_PATTERN =
  "^(?:-?\\d{1,15}|\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?(?:Z|z|[+-]\\d{2}:?\\d{2})?)?)$";

/** A time parameter: ISO 8601 or epoch milliseconds, from year 0001 to 9999; a Date out. */
export function timeParam(description: string) {
  return z.string().transform((text, ctx) => {
    const date = parseTime(text);
    if (date === null) {
      ctx.addIssue({
        code: "custom",
        message: "cannot be parsed as ISO 8601 or epoch milliseconds (years 0001–9999)",
      });
      return z.NEVER;
    }
    return date;
  }).optional().openapi({
    type: "string",
    pattern: TIME_PATTERN,
    description: `${description}, e.g. 2026-11-23T10:00:00Z or 1795428000000`,
    examples: ["2026-11-23T10:00:00Z", "1795428000000"],
  });
}

/** A `limit` parameter: a whole number from 1 to `max`. */
export function limitParam(defaultValue: number, max = 1000) {
  const message = `must be a whole number from 1 to ${max}`;
  return z.string().regex(/^\d{1,7}$/, message).transform(Number)
    .pipe(z.number().min(1, message).max(max, message)).optional()
    .transform((n) => n ?? defaultValue).openapi({
      type: "integer",
      minimum: 1,
      maximum: max,
      default: defaultValue,
      description: `Rows per page, 1–${max} (default ${defaultValue})`,
    });
}

/** Sort order by time; newest first by default. */
export const orderParam = z.enum(["asc", "desc"], { message: "must be 'asc' or 'desc'" })
  .default("desc").openapi({ description: "Sort order (default desc: newest first)" });

/** Opaque pagination cursor from a previous page's `next`. */
export const cursorParam = z.string().regex(/^[A-Za-z0-9_-]{1,1024}$/, {
  message: "is not a cursor issued by this list",
}).optional().openapi({
  description: "Opaque cursor taken from a previous page's `next`",
  pattern: "^[A-Za-z0-9_-]{1,1024}$",
});

/**
 * A repeatable query parameter: one value arrives as a string, several as an array; both become
 * an array.
 */
export function repeatable<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess(
    (value) => typeof value === "string" ? [value] : value,
    z.array(item).max(max, `may be repeated at most ${max} times`),
  );
}

/** `machine`, repeatable. */
export const machinesParam = repeatable(MachineId, 100).optional().openapi({
  description: "Machine id; repeat for several machines",
});

/** `format=csv` asks for CSV; `Accept: text/csv` does too. */
export const formatParam = z.enum(["json", "csv"], { message: "must be 'json' or 'csv'" })
  .optional().openapi({ description: "csv streams the whole result as CSV" });

/** A boolean flag given as true/false/1/0. */
export function boolParam(description: string) {
  return z.enum(["true", "false", "1", "0"], { message: "must be true or false" }).optional()
    .transform((text) => text === undefined ? undefined : text === "true" || text === "1")
    .openapi({ description });
}

/** Refinement: `from` must be before `to`. */
export function fromBeforeTo(
  value: { from?: Date | undefined; to?: Date | undefined },
  ctx: z.RefinementCtx,
): void {
  if (value.from && value.to && value.from.getTime() >= value.to.getTime()) {
    ctx.addIssue({ code: "custom", path: ["from"], message: "must be before 'to'" });
  }
}

/** A query that takes no parameters; anything given is refused like on every other route. */
export const NoQuery = z.strictObject({});
