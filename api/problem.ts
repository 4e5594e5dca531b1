/** Errors the API raises on purpose, and their problem+json form (RFC 9457). */

/** One offending input field of a 400. */
export interface FieldProblem {
  field: string;
  value: unknown;
  message: string;
}

/** An error with an HTTP status and a problem+json body. */
export class ProblemError extends Error {
  override name = "ProblemError";
  /** A stable machine-readable code. */
  readonly code: string;
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    options: {
      code?: string;
      cause?: unknown;
      fields?: FieldProblem[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.code = options.code ?? title.toLowerCase().replaceAll(" ", "_");
    this.fields = options.fields;
    this.headers = options.headers ?? {};
  }
  /** Response headers that belong to this problem (Allow, Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string>;
  /** The offending inputs, when the problem is about some; the only member beyond RFC 9457's. */
  readonly fields: FieldProblem[] | undefined;
}

/** 400: a request parameter or body is invalid; names the fields and the values seen. */
export class BadRequestError extends ProblemError {
  override name = "BadRequestError";
  constructor(fields: FieldProblem[]) {
    super(400, "Bad Request", fields.map(describeField).join("; "), {
      code: "bad_request",
      fields,
    });
  }
}

/** 404: the resource does not exist. */
export class NotFoundError extends ProblemError {
  override name = "NotFoundError";
  constructor(detail: string, fields?: FieldProblem[]) {
    super(404, "Not Found", detail, { code: "not_found", fields });
  }
}

/** 401: no valid API key. */
export class UnauthorizedError extends ProblemError {
  override name = "UnauthorizedError";
  constructor(detail: string) {
    super(401, "Unauthorized", detail, {
      code: "unauthorized",
      headers: { "www-authenticate": 'Bearer realm="signals"' },
    });
  }
}

/** 403: the key's role does not allow this. */
export class ForbiddenError extends ProblemError {
  override name = "ForbiddenError";
  constructor(detail: string) {
    super(403, "Forbidden", detail, { code: "forbidden" });
  }
}

/** 409: the request conflicts with work in progress. */
export class ConflictError extends ProblemError {
  override name = "ConflictError";
  constructor(detail: string, cause?: unknown) {
    super(409, "Conflict", detail, { code: "conflict", cause });
  }
}

/** 405: the path exists, but not with this method. */
export class MethodNotAllowedError extends ProblemError {
  override name = "MethodNotAllowedError";
  constructor(method: string, path: string, readonly allow: string[]) {
    super(
      405,
      "Method Not Allowed",
      `${path} does not answer ${method}; it answers ${allow.join(", ")}`,
      {
        code: "method_not_allowed",
        headers: { allow: allow.join(", ") },
      },
    );
  }
}

/** 503: a dependency (PostgreSQL, NATS, the replay engine) is unavailable or too slow. */
export class UnavailableError extends ProblemError {
  override name = "UnavailableError";
  constructor(detail: string, cause?: unknown, options: { retryAfterSec?: number } = {}) {
    // A dependency that is down or slow is worth retrying shortly.
    super(503, "Service Unavailable", detail, {
      code: "unavailable",
      cause,
      headers: { "retry-after": String(options.retryAfterSec ?? 5) },
    });
  }
}

function describeField(problem: FieldProblem): string {
  return `'${problem.field}' ${problem.message}: got ${show(problem.value)}`;
}

/** Renders a value seen in a request for an error message, shortened. */
export function show(value: unknown): string {
  const text = typeof value === "string" ? `'${value}'` : JSON.stringify(value) ?? "nothing";
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** The problem+json body of an error. */
export function problemBody(error: ProblemError, instance: string): Record<string, unknown> {
  return {
    type: `about:blank`,
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    instance,
    // `value` is always present, null when the field was absent, as the schema promises.
    ...(error.fields
      ? {
        fields: error.fields.map((f) => ({
          field: f.field,
          value: f.value ?? null,
          message: f.message,
        })),
      }
      : {}),
  };
}

/** A Response carrying a problem+json body. */
export function problemResponse(
  error: ProblemError,
  instance: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(problemBody(error, instance)), {
    status: error.status,
    headers: { ...error.headers, ...headers, "content-type": "application/problem+json" },
  });
}
