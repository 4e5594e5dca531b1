import assert from "node:assert/strict";
import { buildDashboard, DIST_FILES } from "./build.ts";

const DIST = new URL("./dist/", import.meta.url);

Deno.test("the committed dashboard build is what a fresh build gives, small and offline", async (t) => {
  const out = await Deno.makeTempDir({ prefix: "dash-build-" });
  try {
    const sizes = await buildDashboard(`${out}/`);

    await t.step("dashboard/dist matches a fresh build (run 'deno task build')", async () => {
      for (const file of DIST_FILES) {
        const fresh = await Deno.readTextFile(`${out}/${file}`);
        const committed = await Deno.readTextFile(new URL(file, DIST));
        assert.ok(fresh === committed, `dashboard/dist/${file} is stale: run 'deno task build'`);
      }
    });

    await t.step("the page weighs under 400 KB in total", () => {
      const total = Object.values(sizes).reduce((a, b) => a + b, 0);
      assert.ok(total < 400_000, `the page weighs ${total} bytes`);
    });

    await t.step("nothing is loaded from another origin", async () => {
      const html = await Deno.readTextFile(`${out}/index.html`);
      const css = await Deno.readTextFile(`${out}/app.css`);
      const js = await Deno.readTextFile(`${out}/app.js`);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
      assert.doesNotMatch(css, /url\(\s*["']?(https?:)?\/\//);
      assert.doesNotMatch(css, /@import/);
      // The only absolute URLs in the script are XML namespaces, which are names, not fetches.
      const urls = [...js.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
      assert.deepEqual(urls.filter((u) => !u.startsWith("http://www.w3.org/")), []);
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
