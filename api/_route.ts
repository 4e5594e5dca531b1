/** Helpers every route module uses to declare its contract beside its handlers. */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { RequestIdVariables } from "hono/request-id";
import type { AppContext } from "./_context.ts";
import type { Role } from "./auth.ts";
import { Problem } from "./schemas.ts";
import { validationHook } from "./validation.ts";

/** The Hono environment of the app: typed context variables. */
export interface AppEnv {
  Variables: RequestIdVariables & { role?: Role; keyName?: string };
}

/** A route module's app: validation failures become 400 problems naming the field. */
export function routeApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input; the problem names the field and the value seen",
  401: "No valid API key",
  403: "The key's role does not allow this",
  404: "Not found",
  409: "Conflict with a running job",
  413: "Request body too large",
  429: "This client holds too many of these; retry after the given seconds",
  503: "A dependency is unavailable or too slow; retry after the given seconds",
};

const ERROR_HEADERS: Record<number, z.ZodObject> = {
  401: z.object({ "www-authenticate": z.string() }),
  429: z.object({ "retry-after": z.string().regex(/^\d+$/) }),
  503: z.object({ "retry-after": z.string().regex(/^\d+$/) }),
};

/** Problem+json responses for `statuses`. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: ERROR_TEXT[status] ?? "Error",
    ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
    content: { "application/problem+json": { schema: Problem } },
  }]));
}

/** Who may call a route. */
export type Access = "open" | "read" | "admin";

/** True when `access` needs a key under these settings. */
export function needsKey(ctx: AppContext, access: Access): boolean {
  if (access === "open") return false;
  if (access === "admin") return true;
  return ctx.settings.apiKeys.length > 0 && !ctx.settings.publicReads;
}

/** The security requirement of a route and the 401/403 it may answer. */
export function guarded(ctx: AppContext, access: Access) {
  return needsKey(ctx, access)
    ? { security: [{ apiKey: [] }], denied: problems(401, 403) }
    : { security: [], denied: {} };
}

/** Headers of an answer that may be revalidated. */
export const EtagHeaders = z.object({
  etag: z.string().optional().openapi({ description: "Strong ETag of the body" }),
});

/** A 304 for a client that has this answer already. */
export const NOT_MODIFIED = {
  304: {
    description: "Not modified: the ETag in If-None-Match still matches",
    headers: z.object({ etag: z.string() }),
  },
};

/** A JSON answer, optionally also offered as CSV, with an optional ETag. */
export function jsonAnswer<T extends z.ZodType>(
  description: string,
  schema: T,
  options: { csv?: boolean } = {},
) {
  return {
    description,
    headers: EtagHeaders,
    content: {
      "application/json": { schema },
      ...(options.csv
        ? {
          "text/csv": {
            schema: z.string().openapi({ description: "A header row, then one row per record" }),
          },
        }
        : {}),
    },
  };
}
