/** The errors feed: newest first, at most 100, filtered by the severity checkboxes. */
import { clock, SEVERITY_ICONS } from "./format.ts";
import type { ErrorItem } from "./types.ts";

const KEEP = 100;

/** The feed and its filter. */
export class ErrorsFeed {
  private items: ErrorItem[] = [];
  private changed = false;

  constructor(private list: HTMLElement, private filters: HTMLElement) {
    filters.addEventListener("change", () => this.applyFilter());
  }

  private shown(): Set<string> {
    const boxes = this.filters.querySelectorAll<HTMLInputElement>("input[name=severity]");
    return new Set([...boxes].filter((b) => b.checked).map((b) => b.value));
  }

  private applyFilter(): void {
    const shown = this.shown();
    for (const li of this.list.children) {
      (li as HTMLElement).hidden = !shown.has((li as HTMLElement).dataset.severity ?? "");
    }
  }

  /** Replaces the feed (newest first). */
  set(items: ErrorItem[]): void {
    this.items = items.slice(0, KEEP);
    this.changed = true;
  }

  /** Adds a live error at the top. */
  push(item: ErrorItem): void {
    this.items.unshift(item);
    if (this.items.length > KEEP) this.items.length = KEEP;
    this.changed = true;
  }

  /** Redraws if anything changed since the last frame. */
  render(): void {
    if (!this.changed) return;
    this.changed = false;
    const shown = this.shown();
    const fragment = document.createDocumentFragment();
    for (const item of this.items) {
      const li = document.createElement("li");
      li.dataset.severity = item.severity;
      li.hidden = !shown.has(item.severity);
      const sev = document.createElement("span");
      sev.className = `sev sev-${item.severity}`;
      sev.textContent = `${SEVERITY_ICONS[item.severity] ?? "•"} ${item.severity}`;
      const time = document.createElement("time");
      time.dateTime = item.at;
      time.textContent = clock(Date.parse(item.at));
      const what = document.createElement("span");
      what.textContent = ` ${item.machineId} ${item.code}: ${item.message}`;
      li.append(sev, " ", time, what);
      fragment.append(li);
    }
    this.list.replaceChildren(fragment);
    if (this.items.length === 0) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "No errors.";
      this.list.append(li);
    }
  }
}
