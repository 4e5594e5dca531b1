/**
 * The dashboard's HTTP face: the page at `/` and its two built assets, served with a strict CSP
 * (nothing but this origin; no inline script or style), and the fleet power series it charts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppContext } from "../_context.ts";
import { guarded, jsonAnswer, problems, routeApp } from "../_route.ts";
import { assertMachinesExist } from "../db.ts";
import { fleetPowerHour } from "../machines_at_power.ts";
import { UnavailableError } from "../problem.ts";
import { NoQuery, timeParam } from "../query.ts";
import { MachineId } from "../../events/mod.ts";

/** The page's Content-Security-Policy: its own origin only; data: images for the favicon. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

/** Paths of the page and its assets, which need no key (the key is typed into the page). */
export const DASHBOARD_PATHS = ["/", "/dashboard/app.js", "/dashboard/app.css"];

const ASSETS = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
} as const;
type Asset = keyof typeof ASSETS;

const DIST = new URL("../../dashboard/dist/", import.meta.url);

// Read on each request (three small files): a rebuild shows without restarting the API.
async function asset(name: Asset): Promise<Uint8Array> {
  try {
    return await Deno.readFile(new URL(name, DIST));
  } catch (error) {
    throw new UnavailableError(
      `The dashboard is not built (dashboard/dist/${name}): run 'deno task build'`,
      error as Error,
    );
  }
}

async function serve(c: Context, name: Asset): Promise<Response> {
  const bytes = await asset(name);
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    "content-type": ASSETS[name],
    "content-security-policy": DASHBOARD_CSP,
    // The page is small; revalidating every load keeps it in step with the API it talks to.
    "cache-control": "no-cache",
  });
}

const text = (description: string, type: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});

/** Query of `GET /dashboard/power`. */
export const DashboardPowerQuery = z.strictObject({
  to: timeParam(
    "End of the hour: its last minute is the one containing this instant; now when absent",
  ),
  machine: MachineId.optional().openapi({ description: "Also the power of this machine" }),
});

/** The hour of power the chart draws. */
export const FleetPower = z.object({
  minutes: z.array(z.string()).openapi({ description: "Start of each minute, ISO 8601 UTC" }),
  fleetW: z.array(z.number().nullable()).openapi({
    description: "Sum over machines of each machine's average W in the minute; null: no data",
  }),
  machineW: z.array(z.number().nullable()).nullable().openapi({
    description: "The machine's average W per minute; null without `machine`",
  }),
}).openapi("FleetPower");

/** The page, its assets and its power series. */
export function dashboardRoutes(ctx: AppContext) {
  const app = routeApp();
  const open = { security: [], tags: ["dashboard"], request: { query: NoQuery } };
  const pages: [string, Asset, string, string][] = [
    ["/", "index.html", "getDashboard", "The live fleet dashboard"],
    ["/dashboard/app.js", "app.js", "getDashboardScript", "The dashboard's script"],
    ["/dashboard/app.css", "app.css", "getDashboardStyle", "The dashboard's style sheet"],
  ];
  for (const [path, name, operationId, summary] of pages) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        operationId,
        summary,
        ...open,
        responses: {
          200: text(summary, ASSETS[name].split(";")[0]!),
          ...problems(400, 503),
        },
      }),
      (c) => serve(c, name) as never,
    );
  }

  const { security, denied } = guarded(ctx, "read");
  app.openapi(
    createRoute({
      method: "get",
      path: "/dashboard/power",
      operationId: "getDashboardPower",
      summary: "Fleet power per minute over the hour up to an instant, and one machine's",
      tags: ["dashboard"],
      security,
      request: { query: DashboardPowerQuery },
      responses: {
        200: jsonAnswer("Sixty one-minute points", FleetPower),
        ...problems(400, 404, 503),
        ...denied,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      if (q.machine) await assertMachinesExist(ctx.sql, [q.machine]);
      const body = await fleetPowerHour(ctx.sql, q.to ?? ctx.now(), { machine: q.machine });
      return c.json(body, 200, { "cache-control": "no-store" });
    },
  );
  return app;
}
