/**
 * Power over an hour at 1-minute buckets: the fleet total (solid, left axis) and the selected
 * machine (dashed, right axis), with uPlot. Live power events extend the tail; zoom with the
 * wheel, a drag or the buttons, pan with the buttons.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { clock, watts } from "./format.ts";
import type { SignalEvent } from "./types.ts";

const MINUTE = 60_000;

/** A loaded hour: minute starts (ms) with the fleet's and one machine's average watts. */
export interface PowerSeries {
  minutes: number[];
  fleetW: (number | null)[];
  machineW: (number | null)[];
  machine: string | null;
}

/** The chart, its data and the live accumulation of the minutes after the load. */
export class PowerChart {
  private plot: uPlot;
  private series: PowerSeries = { minutes: [], fleetW: [], machineW: [], machine: null };
  /** minute → machine → [sum of watts, samples], for minutes after the loaded ones. */
  private live = new Map<number, Map<string, [number, number]>>();
  private loadedUntil = 0;
  private changed = false;

  constructor(private el: HTMLElement) {
    this.plot = new uPlot(this.options(), [[], [], []], el);
    addEventListener("resize", () => this.plot.setSize(this.size()));
    this.plot.over.addEventListener("wheel", (e) => {
      e.preventDefault();
      const x = this.plot.posToVal(e.offsetX, "x");
      this.zoom(e.deltaY < 0 ? 0.75 : 1 / 0.75, x);
    }, { passive: false });
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(280, this.el.clientWidth - 8), height: 220 };
  }

  private options(): uPlot.Options {
    return {
      ...this.size(),
      scales: { x: { time: true }, w: { auto: true }, m: { auto: true } },
      cursor: { drag: { x: true, y: false } },
      series: [
        { value: (_u, v) => (v === null ? "—" : clock(v * 1000)) },
        {
          label: "Fleet total",
          scale: "w",
          stroke: "#0b5cad",
          width: 2,
          value: (_u, v) => watts(v),
        },
        {
          label: "Selected machine",
          scale: "m",
          stroke: "#b3261e",
          dash: [6, 4],
          width: 2,
          value: (_u, v) => watts(v),
        },
      ],
      axes: [
        { stroke: "#222" },
        {
          scale: "w",
          stroke: "#0b5cad",
          values: (_u, ticks) => ticks.map((t) => watts(t)),
          size: 70,
        },
        {
          scale: "m",
          side: 1,
          stroke: "#b3261e",
          grid: { show: false },
          values: (_u, ticks) => ticks.map((t) => watts(t)),
          size: 70,
        },
      ],
    };
  }

  /** Shows a loaded hour; live samples after its last minute extend it. */
  set(series: PowerSeries): void {
    this.series = series;
    this.loadedUntil = (series.minutes.at(-1) ?? 0) + MINUTE;
    this.live.clear();
    this.plot.setSeries(2, { label: series.machine ?? "Selected machine" } as uPlot.Series);
    this.changed = true;
    this.flush(true);
  }

  /** Adds a live power event to the minute it starts in. */
  add(event: SignalEvent): void {
    const minute = Math.floor(Date.parse(event.occurredAt) / MINUTE) * MINUTE;
    if (minute < this.loadedUntil) return; // that minute came from the server already
    const samples = event.data.watts as number[];
    let sum = 0;
    for (const w of samples) sum += w;
    let byMachine = this.live.get(minute);
    if (!byMachine) this.live.set(minute, byMachine = new Map());
    const acc = byMachine.get(event.machineId) ?? [0, 0];
    acc[0] += sum;
    acc[1] += samples.length;
    byMachine.set(event.machineId, acc);
    this.changed = true;
  }

  /** Redraws when something changed; `rescale` also resets the zoom to the whole window. */
  flush(rescale = false): void {
    if (!this.changed) return;
    this.changed = false;
    const minutes = [...this.series.minutes];
    const fleet = [...this.series.fleetW];
    const machine = [...this.series.machineW];
    for (const minute of [...this.live.keys()].sort((a, b) => a - b)) {
      const byMachine = this.live.get(minute)!;
      let total = 0;
      for (const [sum, n] of byMachine.values()) total += sum / n;
      const mine = this.series.machine ? byMachine.get(this.series.machine) : undefined;
      minutes.push(minute);
      fleet.push(total);
      machine.push(mine ? mine[0] / mine[1] : null);
    }
    // Keep one hour: drop minutes that slid out of the window on the left.
    const start = (minutes.at(-1) ?? 0) - 59 * MINUTE;
    let first = 0;
    while (first < minutes.length && minutes[first]! < start) first++;
    const xs = minutes.slice(first).map((ms) => ms / 1000);
    this.plot.setData([xs, fleet.slice(first), machine.slice(first)], rescale);
    this.el.dataset.points = String(fleet.slice(first).filter((v) => v !== null).length);
  }

  private window(): { min: number; max: number } | null {
    const xs = this.plot.data[0];
    if (!xs || xs.length === 0) return null;
    return { min: xs[0]!, max: xs[xs.length - 1]! };
  }

  /** Zooms by `factor` (< 1 in) around `center` seconds, within the data. */
  zoom(factor: number, center?: number): void {
    const all = this.window();
    const min = this.plot.scales.x?.min, max = this.plot.scales.x?.max;
    if (!all || min === undefined || max === undefined) return;
    const mid = center ?? (min + max) / 2;
    const lo = Math.max(all.min, mid - (mid - min) * factor);
    const hi = Math.min(all.max, mid + (max - mid) * factor);
    if (hi - lo >= 60) this.plot.setScale("x", { min: lo, max: hi });
  }

  /** Pans by a quarter of the visible range; `direction` is -1 (earlier) or 1 (later). */
  pan(direction: number): void {
    const all = this.window();
    const min = this.plot.scales.x?.min, max = this.plot.scales.x?.max;
    if (!all || min === undefined || max === undefined) return;
    const shift = Math.max(
      all.min - min,
      Math.min(all.max - max, ((max - min) / 4) * direction),
    );
    this.plot.setScale("x", { min: min + shift, max: max + shift });
  }

  /** Shows the whole hour again. */
  reset(): void {
    const all = this.window();
    if (all) this.plot.setScale("x", all);
  }
}
