/** A registry of documented routes and the OpenAPI 3.1 document generated from their zod schemas. */
import { z } from "zod";
import { Problem } from "./schemas.ts";

/** The documentation of one route. */
export interface RouteDoc {
  method: "get" | "post";
  /** OpenAPI path, e.g. `/signals/{type}`. */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it. */
  auth: "open" | "read" | "admin";
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success responses by status. */
  responses: Record<
    number,
    {
      description: string;
      schema?: z.ZodType;
      csv?: boolean;
      sse?: boolean;
      bytes?: boolean;
    }
  >;
  /** Error statuses this route may answer, besides auth ones. @default [400] */
  errors?: number[];
}

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input; the problem names the field and the value seen",
  401: "No valid API key",
  403: "The key's role does not allow this",
  404: "Not found",
  409: "Conflict with a running job",
  413: "Request body too large",
  503: "A dependency is unavailable",
};

/** Named schemas shared by reference, filled while the document is built. */
type Components = Record<string, unknown>;

// zod puts named schemas in a local `$defs`; OpenAPI resolves `#` against the document, so they
// move to components and the references are rewritten.
function hoist(value: unknown, components: Components): unknown {
  if (Array.isArray(value)) return value.map((item) => hoist(item, components));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "$schema") continue;
    if (key === "$defs") {
      for (const [name, def] of Object.entries(inner as Record<string, unknown>)) {
        components[name] = hoist(def, components);
      }
      continue;
    }
    out[key] = key === "$ref" && typeof inner === "string"
      ? inner.replace("#/$defs/", "#/components/schemas/")
      : hoist(inner, components);
  }
  return out;
}

function convert(schema: z.ZodType, io: "input" | "output", components: Components) {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return hoist(json, components) as Record<string, unknown>;
}

function parameters(
  where: "path" | "query",
  object: z.ZodObject | undefined,
  components: Components,
) {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, field]) => {
    const { description, ...schema } = convert(field as z.ZodType, "input", components);
    const optional = (field as z.ZodType).safeParse(undefined).success;
    return {
      name,
      in: where,
      required: where === "path" || !optional,
      ...(description ? { description } : {}),
      schema,
      ...(schema.type === "array" ? { style: "form", explode: true } : {}),
    };
  });
}

/** Builds the OpenAPI 3.1 document of `routes`. */
export function buildOpenApi(routes: RouteDoc[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  const problem = {
    "application/problem+json": { schema: convert(Problem, "output", components) },
  };
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const content: Record<string, unknown> = {};
      if (response.schema) {
        content["application/json"] = { schema: convert(response.schema, "output", components) };
      }
      if (response.csv) content["text/csv"] = { schema: { type: "string" } };
      if (response.sse) content["text/event-stream"] = { schema: { type: "string" } };
      if (response.bytes) {
        content["application/octet-stream"] = {
          schema: { type: "string", contentMediaType: "application/octet-stream" },
        };
      }
      responses[status] = {
        description: response.description,
        ...(Object.keys(content).length ? { content } : {}),
      };
    }
    const errors = new Set(route.errors ?? [400]);
    if (route.auth !== "open") [401, 403].forEach((s) => errors.add(s));
    for (const status of [...errors].sort()) {
      responses[status] = { description: ERROR_TEXT[status] ?? "Error", content: problem };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === "open" ? { security: [] } : {}),
      parameters: [
        ...parameters("path", route.params, components),
        ...parameters("query", route.query, components),
      ],
      ...(route.body
        ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: convert(route.body, "input", components) } },
          },
        }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      ...info,
      description:
        "Query the signal read models, raw events from the log, live streams, and replay jobs.",
    },
    components: {
      schemas: components,
      securitySchemes: { apiKey: { type: "http", scheme: "bearer" } },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
