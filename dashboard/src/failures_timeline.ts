/**
 * The failures timeline: each sensor failure episode that overlaps the hour before the window's
 * end, as a bar from its start to its end (or to the window's end while it is still open), with
 * its machine, type and times in text.
 */
import { clock } from "./format.ts";
import type { FailureItem, SignalEvent } from "./types.ts";

const HOUR = 3_600_000;

/** The timeline. */
export class FailuresTimeline {
  private episodes: FailureItem[] = [];
  private end = Date.now();
  private changed = false;

  constructor(private list: HTMLElement) {}

  /** Replaces the episodes; the window is the hour before `end`. */
  set(episodes: FailureItem[], end: number): void {
    this.episodes = episodes;
    this.end = end;
    this.changed = true;
  }

  /** Opens or closes an episode from a live sensor event. */
  add(event: SignalEvent): void {
    const failure = event.data.failure as { type: string } | null;
    const open = this.episodes.find((e) => e.machineId === event.machineId && e.endedAt === null);
    if (open && (failure === null || failure.type !== open.type)) {
      open.endedAt = event.occurredAt;
      this.changed = true;
    }
    if (failure && (!open || open.endedAt !== null)) {
      this.episodes.unshift({
        id: event.id,
        machineId: event.machineId,
        type: failure.type,
        startedAt: event.occurredAt,
        endedAt: null,
      });
      this.changed = true;
    }
  }

  /** Moves the window's end (live mode) so bars grow with time. */
  slide(end: number): void {
    this.end = end;
    this.changed = true;
  }

  /** Redraws if anything changed. */
  render(): void {
    if (!this.changed) return;
    this.changed = false;
    const start = this.end - HOUR;
    const visible = this.episodes
      .filter((e) =>
        Date.parse(e.startedAt) <= this.end &&
        (e.endedAt === null || Date.parse(e.endedAt) >= start)
      )
      .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
      .slice(0, 50);
    const fragment = document.createDocumentFragment();
    for (const e of visible) {
      const from = Math.max(start, Date.parse(e.startedAt));
      const ended = e.endedAt !== null && Date.parse(e.endedAt) <= this.end;
      const to = ended ? Date.parse(e.endedAt!) : this.end;
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = `${e.machineId} · ${e.type} · ${clock(Date.parse(e.startedAt))} → ${
        ended ? clock(to) : "open"
      }`;
      const track = document.createElement("span");
      track.className = "track";
      track.setAttribute("aria-hidden", "true");
      const bar = document.createElement("span");
      bar.className = ended ? "bar" : "bar open";
      // CSSOM styles are allowed under a CSP without 'unsafe-inline'.
      bar.style.left = `${((from - start) / HOUR) * 100}%`;
      bar.style.width = `${Math.max(0.5, ((to - from) / HOUR) * 100)}%`;
      track.append(bar);
      li.append(label, track);
      fragment.append(li);
    }
    this.list.replaceChildren(fragment);
    if (visible.length === 0) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "No failure episodes in this hour.";
      this.list.append(li);
    }
  }
}
