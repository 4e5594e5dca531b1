/** API keys: parsing `API_KEYS`, constant-time lookup, and the middleware that enforces roles. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ForbiddenError, UnauthorizedError } from "./problem.ts";

/** Roles a key can have; `admin` implies `read`. */
export const ROLES = ["read", "admin"] as const;
/** A role. */
export type Role = typeof ROLES[number];

/** One configured API key. */
export interface ApiKey {
  key: string;
  role: Role;
}

/** Parses `key:role,key:role`; throws an Error saying which entry is wrong, without the key. */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = text.split(",").map((part) => part.trim()).filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    const at = entry.lastIndexOf(":");
    const key = at > 0 ? entry.slice(0, at) : "";
    const role = at > 0 ? entry.slice(at + 1) : "";
    if (!key || !(ROLES as readonly string[]).includes(role)) {
      throw new Error(`entry ${index + 1} must be key:role with role read or admin`);
    }
    if (key.length < 8) {
      throw new Error(`the key of entry ${index + 1} is shorter than 8 characters`);
    }
    keys.push({ key, role: role as Role });
  }
  return keys;
}

// node:crypto hashes synchronously in native code, far cheaper per request than WebCrypto.
function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/** Finds the role of a presented key, comparing against every configured key in constant time. */
export function roleOf(presented: string, keys: ApiKey[]): Role | undefined {
  // Comparing digests makes the time independent of key length and of where keys differ.
  const seen = digest(presented);
  let found: Role | undefined;
  for (const candidate of keys) {
    if (timingSafeEqual(seen, digest(candidate.key)) && found !== "admin") {
      found = candidate.role;
    }
  }
  return found;
}

/** Options of {@linkcode requireRole}. */
export interface RequireRoleOptions {
  /** The configured keys; none means reads are open and admin routes refused. */
  keys: ApiKey[];
  /** Paths that need no key. @default [] */
  openPaths?: string[];
}

/** Middleware: enforces `role` when keys are configured; admin routes need an admin key always. */
export function requireRole(role: Role, options: RequireRoleOptions): MiddlewareHandler {
  const keys = options.keys;
  const open = new Set(options.openPaths ?? []);
  const hasAdmin = keys.some((k) => k.role === "admin");
  return async (c, next) => {
    if (open.has(c.req.path)) return await next();
    if (role === "admin" && !hasAdmin) {
      throw new ForbiddenError("Admin endpoints are disabled: API_KEYS has no key with role admin");
    }
    if (keys.length === 0) return await next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new UnauthorizedError(
        header ? "Authorization header must be 'Bearer <key>'" : "An API key is required",
      );
    }
    const granted = roleOf(match[1]!, keys);
    if (!granted) throw new UnauthorizedError("The API key is not valid");
    if (role === "admin" && granted !== "admin") {
      throw new ForbiddenError("This endpoint needs a key with role admin; this key has role read");
    }
    c.set("role", granted);
    await next();
  };
}
