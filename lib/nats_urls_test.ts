import { deepEqual, equal, match, throws } from "node:assert/strict";
import { z } from "zod";
import { ConfigError, parseEnv } from "./config.ts";
import { natsServers, natsUrlList } from "./nats_urls.ts";

const Env = z.object({ NATS_URL: natsUrlList(["nats:", "tls:"]) });

Deno.test("NATS_URL takes one server or a comma-separated list", async (t) => {
  await t.step("one server", () => {
    equal(parseEnv(Env, { NATS_URL: "nats://a:4222" }).NATS_URL, "nats://a:4222");
  });
  await t.step("a list, spaces trimmed, order kept", () => {
    const { NATS_URL } = parseEnv(Env, { NATS_URL: " nats://a:4222, tls://b:4223 ,nats://c" });
    equal(NATS_URL, "nats://a:4222,tls://b:4223,nats://c");
    deepEqual(natsServers(NATS_URL!), ["nats://a:4222", "tls://b:4223", "nats://c"]);
  });
  await t.step("unset stays unset", () => {
    equal(parseEnv(Env, {}).NATS_URL, undefined);
  });
});

Deno.test("a malformed NATS_URL entry is named with its position", async (t) => {
  const cases: [string, RegExp][] = [
    [
      "nats://a:4222,nats//b:4222",
      /entry 2 of 2 "nats\/\/b:4222" is not a URL starting with nats:\/\/ or tls:\/\//,
    ],
    ["nats://a:4222,,nats://c", /entry 2 of 3 "" is empty/],
    ["http://a:4222,nats://b", /entry 1 of 2 "http:\/\/a:4222" is not a URL/],
    ["nats://a:4222,nats://b:4222/x", /entry 2 of 2 "nats:\/\/b:4222\/x" has a path/],
    ["not a url", /^Invalid NATS_URL="not a url": "not a url" is not a URL/],
  ];
  for (const [value, message] of cases) {
    await t.step(value, () => {
      throws(() => parseEnv(Env, { NATS_URL: value }), (error) => {
        equal((error as ConfigError).variable, "NATS_URL");
        match((error as Error).message, message);
        return true;
      });
    });
  }
});
