import { deepEqual } from "node:assert/strict";
import fc from "fast-check";
import { anyEvent, anyPoison, asMessages } from "../_test_events.ts";
import { decodeBatch } from "../decode_batch.ts";
import { DecodePool } from "./decode_pool.ts";

Deno.test("decoding in workers gives exactly what decodeBatch gives in place", async (t) => {
  for (const signingKey of [undefined, "k"]) {
    await t.step(signingKey ? "with a signing key" : "without a signing key", async () => {
      const pool = new DecodePool({ workers: 2, signingKey });
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.oneof({ weight: 8, arbitrary: anyEvent }, { weight: 1, arbitrary: anyPoison }),
            ),
            fc.boolean(),
            async (items, signed) => {
              // given messages, some poison, signed or not
              const messages = asMessages(items, { signingKey: signed ? "k" : undefined });
              // when decoded by the pool, then the batch equals the in-place decode
              deepEqual(await pool.decode(messages), decodeBatch(messages, { signingKey }));
            },
          ),
          { numRuns: 40 },
        );
      } finally {
        pool.close();
      }
    });
  }
});
