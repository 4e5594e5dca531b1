/** 405 with `Allow` for a method a path lacks, answered before authentication. */
import type { MiddlewareHandler } from "hono";
import { MethodNotAllowedError } from "./problem.ts";

/** A declared operation: an HTTP method and an OpenAPI path template. */
export interface Operation {
  method: string;
  path: string;
}

/** A RegExp matching the concrete paths of an OpenAPI path template like `/signals/{type}`. */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) =>
    part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  return new RegExp(`^${parts.join("")}$`);
}

interface CompiledPath {
  pattern: RegExp;
  methods: Set<string>;
}

function compile(operations: Operation[]): CompiledPath[] {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of operations) {
    const methods = byPath.get(path) ?? new Set();
    methods.add(method.toUpperCase());
    if (method.toUpperCase() === "GET") methods.add("HEAD");
    byPath.set(path, methods);
  }
  return [...byPath].map(([path, methods]) => ({ pattern: templatePattern(path), methods }));
}

/**
 * Middleware: when the path matches a declared operation but none with this method, answers 405
 * listing the methods it has. `operations` is read on the first request, once every route is in.
 */
export function methodGuard(operations: () => Operation[]): MiddlewareHandler {
  let paths: CompiledPath[] | undefined;
  return async (c, next) => {
    paths ??= compile(operations());
    const matching = paths.filter((p) => p.pattern.test(c.req.path));
    const method = c.req.method.toUpperCase();
    if (matching.length > 0 && !matching.some((p) => p.methods.has(method))) {
      const allow = [...new Set(matching.flatMap((p) => [...p.methods]))].sort();
      throw new MethodNotAllowedError(method, c.req.path, allow);
    }
    await next();
  };
}
