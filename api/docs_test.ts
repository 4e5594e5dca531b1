import assert from "node:assert/strict";
import type { Sql } from "postgres";
import type { NatsConnection } from "@nats-io/nats-core";
import { createApp } from "./app.ts";
import { conforming } from "./_conformance.ts";
import { silentLogger } from "../testing/mod.ts";

/** Just enough DOM for the docs script: elements that record children and listeners. */
class FakeElement {
  children: FakeElement[] = [];
  attributes: Record<string, string> = {};
  listeners: Record<string, (event: unknown) => unknown> = {};
  textContent = "";
  value = "";
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  append(...nodes: (FakeElement | string)[]) {
    for (const node of nodes) {
      if (typeof node === "string") this.textContent += node;
      else this.children.push(node);
    }
  }
  replaceChildren() {
    this.children = [];
    this.textContent = "";
  }
  addEventListener(type: string, listener: (event: unknown) => unknown) {
    this.listeners[type] = listener;
  }
  all(tag: string): FakeElement[] {
    return this.children.flatMap((c) => [...(c.tag === tag ? [c] : []), ...c.all(tag)]);
  }
}

Deno.test("the docs page builds a form for every operation and sends requests", async () => {
  // given the app (no database or NATS is touched by /docs and /openapi.json)
  const app = conforming(createApp({
    sql: {} as Sql,
    nats: {} as NatsConnection,
    logger: silentLogger,
    settings: { apiKeys: [] },
  }));
  const script = await (await app.request("/docs/app.js")).text();
  const spec = await (await app.request("/openapi.json")).json();
  const elements: Record<string, FakeElement> = {
    key: new FakeElement("input"),
    ops: new FakeElement("div"),
  };
  const requests: string[] = [];
  const fakeFetch = (url: string) => {
    requests.push(url);
    const body = url === "/openapi.json" ? JSON.stringify(spec) : '{"data":[],"next":null}';
    return Promise.resolve(new Response(body, { headers: { "content-type": "application/json" } }));
  };
  const document = {
    getElementById: (id: string) => elements[id],
    createElement: (tag: string) => new FakeElement(tag),
  };
  const localStorage = { getItem: () => "", setItem: () => {} };
  // when the script runs
  const run = new Function("document", "localStorage", "fetch", `${script}\nreturn load;`);
  const load = run(document, localStorage, fakeFetch);
  await load();
  // then every operation of the document has its section and form
  const operations = Object.values(spec.paths).flatMap((ops) => Object.keys(ops as object));
  const sections = elements.ops!.children.filter((c) => c.tag === "details");
  assert.equal(sections.length, operations.length);
  // and submitting a filled form requests the URL built from it
  const signals = sections.find((s) =>
    s.all("summary")[0]!.textContent.includes("/signals/{type} ")
  )!;
  const inputs = signals.all("input");
  const byName = (name: string) => inputs.find((i) => i.attributes.name === name)!;
  byName("type").value = "power";
  byName("machine").value = "m-001,m-002";
  byName("limit").value = "5";
  await signals.all("form")[0]!.listeners.submit!({ preventDefault() {} });
  assert.equal(requests.at(-1), "/signals/power?machine=m-001&machine=m-002&limit=5");
  assert.match(signals.all("pre")[0]!.textContent, /^200 /);
});
