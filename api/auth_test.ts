import assert from "node:assert/strict";
import { keyName, parseApiKeys, roleOf } from "./auth.ts";
import { loadApiConfig } from "./config.ts";
import { ConfigError } from "../lib/mod.ts";
import { startTestEnv } from "./_test_stack.ts";

Deno.test("API_KEYS parses key:role pairs and names the variable when wrong", async (t) => {
  await t.step("valid pairs", () => {
    assert.deepEqual(parseApiKeys(" reader-key-1:read, admin-key-01:admin ,"), [
      { key: "reader-key-1", role: "read" },
      { key: "admin-key-01", role: "admin" },
    ]);
    assert.deepEqual(parseApiKeys(""), []);
  });
  await t.step("a key is named by name:key:role, else by a fingerprint that is not the key", () => {
    assert.deepEqual(parseApiKeys("ops:admin-key-01:admin"), [
      { name: "ops", key: "admin-key-01", role: "admin" },
    ]);
    assert.equal(keyName({ name: "ops", key: "admin-key-01", role: "admin" }), "ops");
    assert.equal(keyName({ key: "admin-key-01", role: "admin" }), "key-200f3d8d");
    // A key with a colon, whose first part is no name, stays whole.
    assert.equal(parseApiKeys("a b:cdefgh:read")[0]!.key, "a b:cdefgh");
  });
  await t.step("a bad role or a short key stops start-up naming API_KEYS", () => {
    for (const value of ["abcdefgh:root", "abcdefgh", "short:read", ":read"]) {
      assert.throws(() => loadApiConfig({ API_KEYS: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.variable, "API_KEYS");
        assert.ok(!error.message.includes("abcdefgh"), "the message does not echo keys");
        return true;
      });
    }
  });
  await t.step("other variables are named too", () => {
    assert.throws(() => loadApiConfig({ PORT: "eighty" }), /PORT/);
    assert.throws(() => loadApiConfig({ QUERY_TIMEOUT_MS: "0" }), /QUERY_TIMEOUT_MS/);
    assert.throws(() => loadApiConfig({ DATABASE_URL: "mysql://x" }), /DATABASE_URL/);
    assert.equal(loadApiConfig({}).port, 8080);
  });
});

Deno.test("roleOf finds the role of a configured key only", () => {
  const keys = parseApiKeys("reader-key-1:read,admin-key-01:admin");
  assert.equal(roleOf("reader-key-1", keys), "read");
  assert.equal(roleOf("admin-key-01", keys), "admin");
  assert.equal(roleOf("reader-key-2", keys), undefined);
  assert.equal(roleOf("", keys), undefined);
  assert.equal(roleOf("reader-key-1x", keys), undefined, "a longer key is not a prefix match");
});

Deno.test("API keys guard every endpoint but /health and /metrics", async (t) => {
  const env = await startTestEnv();
  try {
    const app = env.app({
      settings: { apiKeys: parseApiKeys("reader-key-1:read,admin-key-01:admin") },
    });
    const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

    await t.step("no key → 401 problem with WWW-Authenticate", async () => {
      for (
        const path of ["/machines", "/signals/power", "/openapi.json", "/stream", "/admin/replay/x"]
      ) {
        const res = await app.request(path);
        assert.equal(res.status, 401, path);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        assert.match(res.headers.get("www-authenticate") ?? "", /Bearer/);
        await res.body?.cancel();
      }
    });
    await t.step("a wrong key or scheme → 401", async () => {
      for (const header of ["Bearer nope-nope-nope", "Basic cmVhZGVyLWtleS0x", "reader-key-1"]) {
        const res = await app.request("/machines", { headers: { authorization: header } });
        assert.equal(res.status, 401, header);
        await res.body?.cancel();
      }
    });
    await t.step("a read key reads, but gets 403 on admin routes", async () => {
      const ok = await app.request("/machines", bearer("reader-key-1"));
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      const admin = await app.request("/admin/replay/abc", bearer("reader-key-1"));
      assert.equal(admin.status, 403);
      assert.match((await admin.json()).detail, /admin/);
    });
    await t.step("an admin key reads too", async () => {
      const ok = await app.request("/signals/error/latest", bearer("admin-key-01"));
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    });
    await t.step("/health and /metrics need no key", async () => {
      for (const path of ["/health", "/metrics"]) {
        const res = await app.request(path);
        assert.notEqual(res.status, 401);
        await res.body?.cancel();
      }
    });
    await t.step("with publicReads, reads need no key but admin routes still do", async () => {
      const apiKeys = parseApiKeys("reader-key-1:read,admin-key-01:admin");
      const open = env.app({ settings: { apiKeys, publicReads: true } });
      const read = await open.request("/machines");
      assert.equal(read.status, 200);
      await read.body?.cancel();
      const post = (key?: string) =>
        open.request("/admin/replay", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
          body: JSON.stringify({ projection: "all" }),
        });
      const anonymous = await post();
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();
      const reader = await post("reader-key-1");
      assert.equal(reader.status, 403);
      await reader.body?.cancel();
    });
    await t.step("without an admin key configured, admin routes are refused", async () => {
      for (const apiKeys of [[], parseApiKeys("reader-key-1:read")]) {
        const open = env.app({ settings: { apiKeys } });
        const res = await open.request("/admin/replay", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer reader-key-1" },
          body: JSON.stringify({ projection: "all" }),
        });
        assert.equal(res.status, 403);
        assert.match((await res.json()).detail, /API_KEYS/);
      }
    });
  } finally {
    await env.close();
  }
});
