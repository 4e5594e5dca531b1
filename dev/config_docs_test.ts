import { equal, ok } from "node:assert/strict";
import {
  CONFIG_DOCS_PATH,
  CONFIGURED_SERVICES,
  renderConfigDocs,
  variablesOf,
} from "./config_docs.ts";

Deno.test("docs/configuration.md is what `deno task docs:config` generates from the schemas", async () => {
  const committed = await Deno.readTextFile(new URL(`../${CONFIG_DOCS_PATH}`, import.meta.url));
  equal(
    committed,
    renderConfigDocs(),
    `${CONFIG_DOCS_PATH} has drifted from the config schemas: run \`deno task docs:config\``,
  );
});

Deno.test("every variable of every service has a description", async (t) => {
  for (const service of CONFIGURED_SERVICES) {
    await t.step(service.title, () => {
      const missing = variablesOf(service.schema).filter((v) => !v.description).map((v) => v.name);
      equal(missing.join(", "), "", `${service.title}: variables without a description`);
    });
  }
});

Deno.test("the page shows each variable's default", () => {
  const page = renderConfigDocs();
  ok(page.includes("| `MACHINES` | `10` | Number of machines"), "MACHINES row");
  ok(page.includes("| `NATS_URL` | `nats://127.0.0.1:4222` |"), "NATS_URL row");
  ok(page.includes("| `SEED` | unset |"), "SEED row");
});
