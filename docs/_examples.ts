/** Finds the Markdown docs, and the shell examples in them that the examples test runs. */

const ROOT = new URL("../", import.meta.url);

/** README.md and docs/*.md, relative to the repository root, sorted. */
export async function markdownFiles(): Promise<string[]> {
  const files = ["README.md"];
  for await (const entry of Deno.readDir(new URL("docs/", ROOT))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

/** A marker on the line right above a fence keeps that block from running; keep it rare. */
export const SKIP_MARKER = "<!-- examples: skip -->";

/** One fenced shell block. */
export interface Example {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** Line of the opening fence, 1-based. */
  line: number;
  /** The block's text, without the fences. */
  script: string;
}

/** The ```sh / ```bash blocks of `markdown` that call curl and carry no skip marker. */
export function curlExamples(file: string, markdown: string): Example[] {
  const lines = markdown.split("\n");
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(sh|bash)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((text, j) => j > i && /^```\s*$/.test(text));
    if (end < 0) throw new Error(`${file}:${i + 1}: the ${open[1]} block is never closed`);
    const script = lines.slice(i + 1, end).join("\n");
    const skipped = lines[i - 1]?.trim() === SKIP_MARKER;
    if (/\bcurl\b/.test(script) && !skipped) examples.push({ file, line: i + 1, script });
    i = end;
  }
  return examples;
}

/**
 * Prepended to every example: stop at the first failing command, and make every curl fail on an
 * HTTP status of 400 or more and give up after 30 s, so a block passes only if all its requests do.
 */
export const PRELUDE = `set -euo pipefail
curl() { command curl --fail --silent --show-error --max-time 30 "$@"; }
`;
