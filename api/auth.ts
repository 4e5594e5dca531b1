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
  /** Who holds the key, as `name:key:role` sets it; see {@linkcode keyName}. */
  name?: string;
  key: string;
  role: Role;
}

const KEY_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Parses `[name:]key:role` entries separated by commas; throws an Error saying which entry is
 * wrong, without the key.
 */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  const entries = text.split(",").map((part) => part.trim()).filter(Boolean);
  for (const [index, entry] of entries.entries()) {
    const parts = entry.split(":");
    const role = parts.length > 1 ? parts.pop()! : "";
    const named = parts.length > 1 && KEY_NAME.test(parts[0]!);
    const name = named ? parts.shift()! : undefined;
    const key = parts.join(":");
    if (!key || !(ROLES as readonly string[]).includes(role)) {
      throw new Error(`entry ${index + 1} must be [name:]key:role with role read or admin`);
    }
    if (key.length < 8) {
      throw new Error(`the key of entry ${index + 1} is shorter than 8 characters`);
    }
    keys.push(name ? { name, key, role: role as Role } : { key, role: role as Role });
  }
  return keys;
}

/**
 * How replay jobs and logs name a key, never showing it: its name, or `key-` and the first 8 hex
 * digits of its SHA-256 when it has none.
 */
export function keyName(key: ApiKey): string {
  return key.name ?? `key-${digest(key.key).toHex().slice(0, 8)}`;
}

// node:crypto hashes synchronously in native code, far cheaper per request than WebCrypto.
function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

// The configured keys' digests, computed once rather than on every request.
const KEY_DIGESTS = new WeakMap<ApiKey, Uint8Array>();

function keyDigest(key: ApiKey): Uint8Array {
  let found = KEY_DIGESTS.get(key);
  if (!found) KEY_DIGESTS.set(key, found = digest(key.key));
  return found;
}

/**
 * Finds the configured key a presented one is, comparing against every key in constant time; an
 * admin key wins should the same key be configured twice.
 */
export function keyOf(presented: string, keys: ApiKey[]): ApiKey | undefined {
  // Comparing digests makes the time independent of key length and of where keys differ.
  const seen = digest(presented);
  let found: ApiKey | undefined;
  for (const candidate of keys) {
    if (timingSafeEqual(seen, keyDigest(candidate)) && found?.role !== "admin") {
      found = candidate;
    }
  }
  return found;
}

/** The role of a presented key, or undefined when it is not configured. */
export function roleOf(presented: string, keys: ApiKey[]): Role | undefined {
  return keyOf(presented, keys)?.role;
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
    const granted = keyOf(match[1]!, keys);
    if (!granted) throw new UnauthorizedError("The API key is not valid");
    if (role === "admin" && granted.role !== "admin") {
      throw new ForbiddenError("This endpoint needs a key with role admin; this key has role read");
    }
    c.set("role", granted.role);
    c.set("keyName", keyName(granted));
    await next();
  };
}
