import { equal, ok } from "node:assert/strict";
import { freePort } from "./ports.ts";

Deno.test("free ports lie below the ephemeral range, are bindable and never handed out twice", () => {
  const ports = Array.from({ length: 200 }, () => freePort());
  equal(new Set(ports).size, ports.length);
  for (const port of ports) ok(port >= 20_000 && port < 32_768, `port ${port}`);
  // The last one is still free to bind, as a server started next would.
  Deno.listen({ hostname: "127.0.0.1", port: ports.at(-1)! }).close();
});
