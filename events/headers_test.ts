import { deepEqual, equal } from "node:assert/strict";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { fromNatsHeaders, toNatsHeaders } from "./headers.ts";
import { SIGNATURE_HEADER } from "./signing.ts";

Deno.test("NATS headers", async (t) => {
  await t.step("a record survives the round trip with its names' case", () => {
    const record = { [SIGNATURE_HEADER]: "ab12", "Nats-Msg-Id": "0193-x", "X-Odd": "a b" };
    const headers = toNatsHeaders(record);
    equal(headers.get(SIGNATURE_HEADER), "ab12");
    deepEqual(fromNatsHeaders(headers), record);
  });

  await t.step("no headers give an empty record", () => {
    deepEqual(fromNatsHeaders(undefined), {});
    deepEqual(fromNatsHeaders(toNatsHeaders({})), {});
  });

  await t.step("a repeated name keeps its first value", () => {
    const headers = natsHeaders();
    headers.append("X-Many", "one");
    headers.append("X-Many", "two");
    deepEqual(fromNatsHeaders(headers), { "X-Many": "one" });
  });
});
