/** `/docs`: a self-contained page that renders `/openapi.json` and sends requests; no CDN needed. */

/** The HTML shell; the script comes from `/docs/app.js` so the CSP can forbid inline scripts. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signal service API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1em;color:#222}
h1{font-size:1.4em}details{border:1px solid #ccc;border-radius:6px;margin:.5em 0;padding:.3em .8em}
summary{cursor:pointer}.m{display:inline-block;width:4em;font-weight:bold;text-transform:uppercase}
.get{color:#0a6}.post{color:#c60}label{display:block;margin:.3em 0}label span{display:inline-block;width:9em}
input,textarea{font:inherit;width:28em}pre{background:#f4f4f4;padding:.6em;overflow:auto;max-height:30em}
small{color:#666}#key{width:20em}
</style></head><body>
<h1>Signal service API</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>. API key (kept in this browser only):
<input id="key" type="password" placeholder="Bearer key, if API_KEYS is set"></p>
<div id="ops">Loading…</div>
<script src="/docs/app.js"></script>
</body></html>`;

/** The page's script: builds one form per operation from the OpenAPI document. */
export const DOCS_SCRIPT = `"use strict";
const keyInput = document.getElementById("key");
keyInput.value = localStorage.getItem("apiKey") || "";
keyInput.addEventListener("change", () => { localStorage.setItem("apiKey", keyInput.value); load(); });
const auth = () => keyInput.value ? { authorization: "Bearer " + keyInput.value } : {};
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}
async function load() {
  const box = document.getElementById("ops");
  const res = await fetch("/openapi.json", { headers: auth() });
  if (!res.ok) { box.textContent = "Cannot load /openapi.json: " + res.status + " " + await res.text(); return; }
  const doc = await res.json();
  box.replaceChildren();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) box.append(operation(path, method, op));
  }
}
function operation(path, method, op) {
  const inputs = [];
  const form = el("form");
  for (const p of op.parameters || []) {
    const input = el("input", { name: p.name, placeholder: (p.schema && p.schema.examples || []).join(" or ") });
    inputs.push([p, input]);
    form.append(el("label", {}, el("span", {}, p.name + (p.required ? " *" : "") + " "), input,
      el("small", {}, " " + (p.description || "") + (p.schema && p.schema.type === "array" ? " (comma-separated)" : ""))));
  }
  let body;
  if (op.requestBody) {
    body = el("textarea", { rows: "4" });
    body.value = '{ "projection": "all" }';
    form.append(el("label", {}, el("span", {}, "JSON body "), body));
  }
  const out = el("pre");
  form.append(el("button", { type: "submit" }, "Send"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    for (const [p, input] of inputs) {
      if (!input.value) continue;
      if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(input.value));
      else for (const v of p.schema && p.schema.type === "array" ? input.value.split(",") : [input.value]) query.append(p.name, v.trim());
    }
    if ([...query].length) url += "?" + query;
    out.textContent = method.toUpperCase() + " " + url + " …";
    const headers = { ...auth(), ...(body ? { "content-type": "application/json" } : {}) };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), path === "/stream" ? 5000 : 30000);
    try {
      const res = await fetch(url, { method, headers, body: body ? body.value : undefined, signal: controller.signal });
      out.textContent = res.status + " " + res.statusText + "\\n" + [...res.headers].map((h) => h.join(": ")).join("\\n") + "\\n\\n";
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) { const { value, done } = await reader.read(); if (done) break; out.textContent += decoder.decode(value); }
    } catch (error) { out.textContent += "\\n(" + error.message + ")"; }
  });
  return el("details", {}, el("summary", {}, el("span", { class: "m " + method }, method), " " + path + " — " + (op.summary || "")), form, out);
}
load();
`;
