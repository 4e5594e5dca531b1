/**
 * The fleet grid: one button per machine, updated in place for the machines that changed. Arrow
 * keys move a roving focus (one tile in the tab order), Enter or a click opens the machine.
 */
import type { Fleet, MachineView } from "./fleet.ts";
import { duration, stateLabel, watts } from "./format.ts";

interface Tile {
  button: HTMLButtonElement;
  state: HTMLElement;
  since: HTMLElement;
  power: HTMLElement;
  failure: HTMLElement;
  errors: HTMLElement;
}

function span(parent: HTMLElement, className: string): HTMLElement {
  const el = document.createElement("span");
  el.className = className;
  parent.append(el);
  return el;
}

// Writes only what changed: at 1,000 machines most of a redraw would otherwise be no-op writes.
function text(el: HTMLElement, value: string): void {
  if (el.textContent !== value) el.textContent = value;
}

/** The grid of machine tiles. */
export class Grid {
  private tiles = new Map<string, Tile>();
  private order: string[] = [];
  private focused: string | null = null;
  selected: string | null = null;

  constructor(private container: HTMLElement, private onOpen: (id: string) => void) {
    container.addEventListener("click", (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button.tile");
      if (button?.dataset.id) this.open(button.dataset.id);
    });
    container.addEventListener("keydown", (e) => this.key(e));
  }

  private open(id: string): void {
    this.moveFocus(id, false);
    this.onOpen(id);
  }

  /** Marks `id` as the selected machine. */
  select(id: string | null): void {
    if (this.selected) this.tiles.get(this.selected)?.button.setAttribute("aria-pressed", "false");
    this.selected = id;
    if (id) this.tiles.get(id)?.button.setAttribute("aria-pressed", "true");
  }

  private create(id: string): Tile {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "tile";
    button.dataset.id = id;
    button.tabIndex = -1;
    button.setAttribute("aria-pressed", String(id === this.selected));
    span(button, "tid").textContent = id;
    const tile: Tile = {
      button,
      state: span(button, "st"),
      since: span(button, "since"),
      power: span(button, "pw"),
      failure: span(button, "fail"),
      errors: span(button, "errs"),
    };
    this.tiles.set(id, tile);
    return tile;
  }

  /** Brings tiles in line with the fleet: new tiles in id order, changed tiles updated. */
  render(fleet: Fleet, now: number): void {
    if (fleet.added) {
      fleet.added = false;
      const ids = [...fleet.machines.keys()].sort();
      // Moving a focused tile would blur it: leave the DOM alone when the machines are the same.
      const same = ids.length === this.order.length && ids.every((id, i) => id === this.order[i]);
      if (!same) this.place(ids);
      if (!this.focused || !this.tiles.has(this.focused)) this.moveFocus(ids[0] ?? null, false);
    }
    for (const id of fleet.dirty) {
      const view = fleet.machines.get(id);
      const tile = this.tiles.get(id);
      if (view && tile) this.update(tile, view, now);
    }
    fleet.dirty.clear();
  }

  /** Puts the tiles of `ids` in that order, dropping tiles of machines no longer shown. */
  private place(ids: string[]): void {
    const keep = new Set(ids);
    for (const [id, tile] of this.tiles) {
      if (!keep.has(id)) {
        tile.button.remove();
        this.tiles.delete(id);
      }
    }
    const fragment = document.createDocumentFragment();
    for (const id of ids) fragment.append((this.tiles.get(id) ?? this.create(id)).button);
    this.container.append(fragment);
    this.order = ids;
  }

  private update(tile: Tile, view: MachineView, now: number): void {
    const label = stateLabel(view.state);
    tile.button.dataset.state = view.state ?? "none";
    text(tile.state, `${label.icon} ${label.text}`);
    text(tile.since, view.since === null ? "" : duration(now - view.since));
    text(tile.power, watts(view.powerW));
    text(tile.failure, view.failure ? `⚑ ${view.failure}` : "");
    tile.failure.hidden = !view.failure;
    text(tile.errors, view.errorsHour > 0 ? `${view.errorsHour} err/h` : "");
    const description = [
      `${view.id}: ${label.text}`,
      view.since === null ? "" : `since ${new Date(view.since).toISOString().slice(11, 19)} UTC`,
      watts(view.powerW),
      view.failure ? `open failure: ${view.failure}` : "no open failure",
      `${view.errorsHour} errors in the last hour`,
    ].filter(Boolean).join(", ");
    if (tile.button.title !== description) {
      tile.button.title = description;
      tile.button.setAttribute("aria-label", description);
    }
  }

  /** Refreshes every tile's time in state. */
  tick(fleet: Fleet, now: number): void {
    for (const [id, tile] of this.tiles) {
      const since = fleet.machines.get(id)?.since;
      if (since !== null && since !== undefined) text(tile.since, duration(now - since));
    }
  }

  private moveFocus(id: string | null, focus: boolean): void {
    if (this.focused) {
      const old = this.tiles.get(this.focused);
      if (old) old.button.tabIndex = -1;
    }
    this.focused = id;
    const tile = id ? this.tiles.get(id) : undefined;
    if (tile) {
      tile.button.tabIndex = 0;
      if (focus) tile.button.focus();
    }
  }

  private columns(): number {
    const first = this.tiles.get(this.order[0] ?? "")?.button;
    if (!first) return 1;
    let n = 0;
    for (const id of this.order) {
      if (this.tiles.get(id)!.button.offsetTop !== first.offsetTop) break;
      n++;
    }
    return Math.max(1, n);
  }

  private key(e: KeyboardEvent): void {
    const index = this.order.indexOf(this.focused ?? "");
    if (index < 0) return;
    const steps: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: this.columns(),
      ArrowUp: -this.columns(),
      Home: -index,
      End: this.order.length - 1 - index,
    };
    const step = steps[e.key];
    if (step === undefined) return;
    e.preventDefault();
    const next = Math.min(this.order.length - 1, Math.max(0, index + step));
    this.moveFocus(this.order[next] ?? null, true);
  }
}
