/**
 * Test helper: checks every response an app gives against the app's own `/openapi.json` with a
 * JSON Schema validator (ajv), so a test fails on any drift between the code and its contract.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { AssertionError } from "node:assert";
import type { AppEnv } from "./_route.ts";
import { templatePattern } from "./method_guard.ts";
import { openApiDocument } from "./spec.ts";

interface ResponseSpec {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema?: unknown }>;
}
interface OperationSpec {
  responses: Record<string, ResponseSpec>;
}
type Document = ReturnType<typeof openApiDocument>;

const JSON_TYPES = new Set(["application/json", "application/problem+json"]);

/** Checks responses against one OpenAPI document. */
export class ContractChecker {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #paths: { template: string; pattern: RegExp; literal: number }[];

  constructor(readonly document: Document) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.#ajv);
    const json = JSON.stringify({
      $id: "https://contract.invalid/openapi.json",
      components: document.components ?? {},
    });
    this.#ajv.addSchema(
      JSON.parse(
        json.replaceAll('"#/components/', '"https://contract.invalid/openapi.json#/components/'),
      ),
    );
    this.#paths = Object.keys(document.paths ?? {}).map((template) => ({
      template,
      pattern: templatePattern(template),
      literal: template.replaceAll(/\{[^}]+\}/g, "").length,
    })).sort((a, b) => b.literal - a.literal);
  }

  /** Throws an AssertionError naming every way `response` breaks the contract. */
  async check(method: string, url: string, response: Response): Promise<void> {
    const path = new URL(url, "http://x").pathname;
    const what = `${method} ${path} → ${response.status}`;
    const problems: string[] = [];
    const matching = this.#paths.filter((p) => p.pattern.test(path));
    const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
    const operation = matching.map((p) =>
      (this.document.paths![p.template] as Record<string, OperationSpec | undefined>)[verb]
    ).find((op) => op !== undefined);
    const template = matching.find((p) =>
      (this.document.paths![p.template] as Record<string, unknown>)[verb]
    )?.template;
    let declared: ResponseSpec | undefined;
    let key = "";
    if (!operation) {
      // Undeclared: an unknown path is a 404 (or refused before routing), a known one a 405.
      const expected = matching.length > 0 ? [405] : [404, 401, 403];
      if (method === "OPTIONS" && response.status === 204) return;
      if (!expected.includes(response.status)) {
        problems.push(`undeclared operation answered ${response.status}, not ${expected}`);
      }
      if (response.status === 405 && !response.headers.get("allow")) {
        problems.push("405 without an Allow header");
      }
      declared = { content: { "application/problem+json": { schema: PROBLEM_REF } } };
      key = `(undeclared)|${response.status}`;
    } else {
      declared = operation.responses[String(response.status)] ?? operation.responses["default"];
      if (!declared) problems.push(`status ${response.status} is not declared`);
      key = `${template}|${verb}|${response.status}`;
    }
    if (declared) {
      for (const [name, header] of Object.entries(declared.headers ?? {})) {
        if (header.required && !response.headers.has(name)) {
          problems.push(`required header ${name} is missing`);
        }
      }
      const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim()
        .toLowerCase();
      const content = declared.content ?? {};
      const hasBody = response.body !== null && response.status !== 304 && method !== "HEAD";
      if (!hasBody && Object.keys(content).length === 0) {
        // Nothing to check: no body was promised.
      } else if (!(type in content)) {
        problems.push(`content-type '${type}' is not declared (${Object.keys(content)})`);
      } else if (hasBody && JSON_TYPES.has(type) && content[type]!.schema) {
        const body = await response.clone().json().catch(() => Symbol.for("not json"));
        const validate = this.#validator(`${key}|${type}`, content[type]!.schema);
        if (!validate(body)) {
          problems.push(
            `body does not match the schema: ${this.#ajv.errorsText(validate.errors)}; body: ${
              JSON.stringify(body)?.slice(0, 500)
            }`,
          );
        }
      }
    }
    if (problems.length > 0) {
      throw new AssertionError({
        message: `${what} breaks the OpenAPI contract:\n${problems.join("\n")}`,
      });
    }
  }

  #validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.#validators.get(key);
    if (!validate) {
      const json = JSON.stringify(schema).replaceAll(
        '"#/components/',
        '"https://contract.invalid/openapi.json#/components/',
      );
      validate = this.#ajv.compile(JSON.parse(json));
      this.#validators.set(key, validate);
    }
    return validate;
  }
}

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };

/**
 * Makes `app` check each response it gives, through `request` or `fetch` (so also when served),
 * against its own OpenAPI document; a mismatch throws. Returns the same app.
 */
export function conforming<A extends OpenAPIHono<AppEnv>>(app: A): A {
  const fetch = app.fetch;
  let checker: ContractChecker | undefined;
  app.fetch = async (request: Request, ...rest: unknown[]) => {
    const response = await (fetch as (r: Request, ...a: unknown[]) => Promise<Response>)(
      request,
      ...rest,
    );
    checker ??= new ContractChecker(openApiDocument(app));
    await checker.check(request.method, request.url, response);
    return response;
  };
  return app;
}
