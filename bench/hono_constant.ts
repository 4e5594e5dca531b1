/** Baseline of row 4: Hono answering a constant JSON body, on the port given as argument. */
import { Hono } from "hono";

const app = new Hono();
const body = { status: "ok", data: [{ id: 1, value: "constant" }] };
app.get("/", (c) => c.json(body));
Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0]), onListen: () => {} }, app.fetch);
