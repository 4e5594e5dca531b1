/** Every relative link in README.md and docs/*.md leads to a file, and an anchor to a heading. */
import { deepEqual } from "node:assert/strict";
import { markdownFiles } from "./_examples.ts";

const ROOT = new URL("../", import.meta.url);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-");
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

async function readOrUndefined(url: URL): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (error instanceof Deno.errors.IsADirectory) return "";
    throw error;
  }
}

Deno.test("every relative link in README.md and docs/ leads to a file and heading that exist", async () => {
  const broken: string[] = [];
  for (const file of await markdownFiles()) {
    const base = new URL(file, ROOT);
    const markdown = await Deno.readTextFile(base);
    const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const [path, anchor] = target!.split("#");
      const url = path ? new URL(path, base) : base;
      const text = await readOrUndefined(url);
      if (text === undefined) broken.push(`${file}: ${target} (no such file)`);
      else if (anchor && !anchorsOf(text).has(anchor)) {
        broken.push(`${file}: ${target} (no such heading)`);
      }
    }
  }
  deepEqual(broken, []);
});
