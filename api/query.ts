/** Query-string schemas shared by the list endpoints, and parsing that names the bad field. */
import { z } from "zod";
import type { Context } from "hono";
import { MachineId } from "../events/mod.ts";
import { BadRequestError, type FieldProblem } from "./problem.ts";
import { parseTime } from "./time.ts";

/** A time parameter: ISO 8601 or epoch milliseconds. */
export function timeParam(description: string) {
  return z.string().optional().transform((text, ctx) => {
    if (text === undefined) return undefined;
    const date = parseTime(text);
    if (date === null) {
      ctx.addIssue({
        code: "custom",
        message: "cannot be parsed as ISO 8601 or epoch milliseconds",
      });
      return z.NEVER;
    }
    return date;
  }).meta({ description: `${description}, e.g. 2026-11-23T10:00:00Z or 1795428000000` });
}

/** A `limit` parameter: a whole number from 1 to `max`. */
export function limitParam(defaultValue: number, max = 1000) {
  const message = `must be a whole number from 1 to ${max}`;
  return z.string().optional().transform((text, ctx) => {
    if (text === undefined) return defaultValue;
    const n = /^\d{1,7}$/.test(text.trim()) ? Number(text) : NaN;
    if (!(n >= 1 && n <= max)) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return n;
  }).meta({
    description: `Rows per page, 1–${max} (default ${defaultValue})`,
    type: "integer",
    minimum: 1,
    maximum: max,
  });
}

/** Sort order by time; newest first by default. */
export const orderParam = z.enum(["asc", "desc"], { message: "must be 'asc' or 'desc'" })
  .default("desc").meta({ description: "Sort order (default desc: newest first)" });

/** Opaque pagination cursor from a previous page's `next`. */
export const cursorParam = z.string().optional().meta({
  description: "Opaque cursor taken from a previous page's `next`",
});

/** `machine`, repeatable. */
export const machinesParam = z.array(MachineId).max(100, "may be repeated at most 100 times")
  .optional().meta({ description: "Machine id; repeat for several machines" });

/** `format=csv` asks for CSV; `Accept: text/csv` does too. */
export const formatParam = z.enum(["json", "csv"], { message: "must be 'json' or 'csv'" })
  .optional().meta({ description: "csv streams the whole result as CSV" });

/** A boolean flag given as true/false/1/0. */
export function boolParam(description: string) {
  return z.enum(["true", "false", "1", "0"], { message: "must be true or false" }).optional()
    .transform((text) => text === undefined ? undefined : text === "true" || text === "1")
    .meta({ description });
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

/** Names of parameters that may be repeated; they arrive as arrays. */
const REPEATABLE = new Set(["machine", "severity", "code", "state", "type"]);

/** Reads the query string for `schema`'s keys and parses it; throws a 400 naming each bad field. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const keys = objectKeys(schema);
  // A misspelt parameter would otherwise be ignored silently and widen the answer.
  const unknown = Object.keys(c.req.queries()).filter((key) => !keys.includes(key));
  if (unknown.length > 0) {
    throw new BadRequestError(
      unknown.slice(0, 10).map((field) => ({
        field,
        value: c.req.query(field),
        message: `is not a parameter of this endpoint (known: ${keys.join(", ") || "none"})`,
      })),
    );
  }
  const raw: Record<string, string | string[] | undefined> = {};
  for (const key of keys) {
    raw[key] = REPEATABLE.has(key) ? c.req.queries(key) : c.req.query(key);
  }
  return parseWith(schema, raw);
}

/** Parses `raw` with `schema`; throws a 400 naming each bad field and the value seen. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems: FieldProblem[] = [];
  for (const issue of parsed.error.issues.slice(0, 10)) {
    // A repeated query parameter is named without its index: 'machine', not 'machine.1'.
    const named = issue.path.filter((part) => typeof part !== "number");
    const field = named.length > 0 ? named.map(String).join(".") : "(body)";
    problems.push({ field, value: valueAt(raw, issue.path), message: issue.message });
  }
  throw new BadRequestError(problems);
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function objectKeys(schema: z.ZodType): string[] {
  let inner: z.ZodType = schema;
  // Refinements keep the object in `def.schema`/`in` depending on the wrapper.
  while (!(inner instanceof z.ZodObject)) {
    const def = (inner as unknown as { def: { in?: z.ZodType; schema?: z.ZodType } }).def;
    const next = def.in ?? def.schema;
    if (!next) return [];
    inner = next;
  }
  return Object.keys(inner.shape);
}

/** Throws a 400 for one field. */
export function badField(field: string, value: unknown, message: string): never {
  throw new BadRequestError([{ field, value, message }]);
}
