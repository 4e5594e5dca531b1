/** `/openapi.json`: the OpenAPI 3.1 document generated from the routes' own declarations. */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppContext } from "./_context.ts";
import { type AppEnv, guarded, problems } from "./_route.ts";
import type { Operation } from "./method_guard.ts";
import { NoQuery } from "./query.ts";

const INFO = {
  title: "Signal service API",
  version: "1.0.0",
  description:
    "Query the signal read models, raw events from the log, live streams, and replay jobs.",
};

/** The document of `app`, with its bearer security scheme. */
export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO });
}

/** Every declared operation of `app`. */
export function operationsOf(app: OpenAPIHono<AppEnv>): Operation[] {
  return app.openAPIRegistry.definitions.flatMap((d) =>
    d.type === "route" ? [{ method: d.route.method, path: d.route.path }] : []
  );
}

/** Declares and serves `/openapi.json` on the root `app`; call it after mounting every route. */
export function serveOpenApi(app: OpenAPIHono<AppEnv>, ctx: AppContext): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key from API_KEYS",
  });
  const { security, denied } = guarded(ctx, "read");
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      operationId: "getOpenApi",
      summary: "This document",
      tags: ["service"],
      security,
      request: { query: NoQuery },
      responses: {
        200: {
          description: "OpenAPI 3.1",
          content: {
            "application/json": {
              schema: z.looseObject({ openapi: z.string() })
                .openapi({ description: "An OpenAPI 3.1 document" }),
            },
          },
        },
        ...problems(400),
        ...denied,
      },
    }),
    (c) => {
      document ??= openApiDocument(app);
      return c.json(document, 200);
    },
  );
}
