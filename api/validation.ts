/** Turns a failed request validation into a 400 problem naming each field and the value seen. */
import type { z } from "@hono/zod-openapi";
import { BadRequestError, type FieldProblem } from "./problem.ts";

/**
 * What `@hono/zod-openapi` hands its hook after validating one part of a request; on failure it
 * also passes the raw input as `data`, though its type does not say so.
 */
export type ValidationResult =
  & { target: string }
  & ({ success: true; data: unknown } | { success: false; error: z.ZodError; data?: unknown });

/** The `defaultHook` of every route: a failed validation becomes a 400 naming the fields. */
export function validationHook(result: ValidationResult): void {
  if (result.success) return;
  throw new BadRequestError(fieldProblems(result.error, result.data, result.target));
}

/** One problem per zod issue (at most 10), each naming the field and the value seen. */
export function fieldProblems(error: z.ZodError, raw: unknown, target = "json"): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues.slice(0, 10)) {
    if (issue.code === "unrecognized_keys") {
      // A misspelt parameter would otherwise be ignored silently and widen the answer.
      for (const key of issue.keys) {
        problems.push({
          field: [...issue.path.map(String), key].join("."),
          value: valueAt(raw, [...issue.path, key]),
          message: `is not a ${target === "json" ? "member of the body" : "parameter"} of this ` +
            "endpoint",
        });
      }
      continue;
    }
    // A repeated query parameter is named without its index: 'machine', not 'machine.1'.
    const named = issue.path.filter((part) => typeof part !== "number");
    const field = named.length > 0 ? named.map(String).join(".") : "(body)";
    problems.push({ field, value: valueAt(raw, issue.path), message: issue.message });
  }
  return problems;
}

/** Parses `raw` with `schema`; throws a 400 naming each bad field and the value seen. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new BadRequestError(fieldProblems(parsed.error, raw));
}

/** Throws a 400 for one field. */
export function badField(field: string, value: unknown, message: string): never {
  throw new BadRequestError([{ field, value, message }]);
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    // A parameter given once arrives as a string, even where a list is expected.
    if (typeof key === "number" && !Array.isArray(value)) return value ?? null;
    if (value === null || typeof value !== "object") return null;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value ?? null;
}
