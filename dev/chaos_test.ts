import { equal, match } from "node:assert/strict";
import { parseChaosArgs } from "./chaos.ts";

Deno.test("chaos flags: defaults, and a bad value named with what was seen", () => {
  equal(parseChaosArgs([]).minutes, 5);
  equal(parseChaosArgs(["--minutes", "2", "--machines", "4"]).machines, 4);
  let message = "";
  try {
    parseChaosArgs(["--machines", "0"]);
  } catch (error) {
    message = (error as Error).message;
  }
  match(message, /Invalid --machines: .*got '0'/);
});
