/**
 * X-ray paths on a plain canvas, no map tiles: each device's latest scan in a cell of its own,
 * its lat/lon points scaled to the scan's bounding box, the start as a circle, the end as a square.
 */
import { clock } from "./format.ts";
import type { XrayPoints } from "./types.ts";

const MAX_DEVICES = 12;

interface Scan {
  at: number;
  points: XrayPoints;
}

/** The canvas and the text list beside it. */
export class XrayView {
  private scans = new Map<string, Scan>();
  private changed = false;

  constructor(private canvas: HTMLCanvasElement, private list: HTMLElement) {}

  /** Replaces every scan. */
  clear(): void {
    this.scans.clear();
    this.changed = true;
  }

  /** Sets a device's latest scan (an older one than shown is ignored). */
  set(device: string, at: number, points: XrayPoints | null): void {
    const seen = this.scans.get(device);
    if (!points || points.length === 0 || (seen && seen.at > at)) return;
    this.scans.set(device, { at, points });
    this.changed = true;
  }

  /** Redraws if anything changed. */
  draw(): void {
    if (!this.changed) return;
    this.changed = false;
    const devices = [...this.scans.keys()].sort().slice(0, MAX_DEVICES);
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const { width, height } = this.canvas;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    const cols = Math.min(4, Math.max(1, devices.length));
    const rows = Math.max(1, Math.ceil(devices.length / cols));
    const cw = width / cols, ch = height / rows;
    const items: string[] = [];
    devices.forEach((device, i) => {
      const scan = this.scans.get(device)!;
      const x0 = (i % cols) * cw, y0 = Math.floor(i / cols) * ch;
      ctx.strokeStyle = "#c8ccd2";
      ctx.lineWidth = 1;
      ctx.strokeRect(x0 + 0.5, y0 + 0.5, cw - 1, ch - 1);
      ctx.fillStyle = "#1d2330";
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillText(`${device} ${clock(scan.at)}`, x0 + 6, y0 + 14);
      this.path(ctx, scan.points, { x: x0 + 8, y: y0 + 22, w: cw - 16, h: ch - 30 });
      items.push(`${device}: ${scan.points.length} points at ${clock(scan.at)}`);
    });
    if (devices.length === 0) {
      ctx.fillStyle = "#4a5160";
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillText("No x-ray scans yet.", 12, 24);
    }
    this.canvas.dataset.drawn = String(devices.length);
    const fragment = document.createDocumentFragment();
    for (const text of items) {
      const li = document.createElement("li");
      li.textContent = text;
      fragment.append(li);
    }
    this.list.replaceChildren(fragment);
  }

  private path(
    ctx: CanvasRenderingContext2D,
    points: XrayPoints,
    box: { x: number; y: number; w: number; h: number },
  ): void {
    let minLat = Infinity, maxLat = -Infinity, minLon = Infinity, maxLon = -Infinity;
    for (const [, [lat, lon]] of points) {
      minLat = Math.min(minLat, lat);
      maxLat = Math.max(maxLat, lat);
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
    }
    // One scale for both axes keeps the path's shape; a single point sits in the middle.
    const span = Math.max(maxLat - minLat, maxLon - minLon) || 1;
    const scale = Math.min(box.w, box.h) / span;
    const ox = box.x + (box.w - (maxLon - minLon) * scale) / 2;
    const oy = box.y + (box.h - (maxLat - minLat) * scale) / 2;
    const px = (lon: number) => ox + (lon - minLon) * scale;
    const py = (lat: number) => oy + (maxLat - lat) * scale;
    ctx.strokeStyle = "#0b5cad";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.forEach(([, [lat, lon]], i) => {
      if (i === 0) ctx.moveTo(px(lon), py(lat));
      else ctx.lineTo(px(lon), py(lat));
    });
    ctx.stroke();
    const [, [lat0, lon0]] = points[0]!;
    const [, [lat1, lon1]] = points[points.length - 1]!;
    ctx.fillStyle = "#1a7f37";
    ctx.beginPath();
    ctx.arc(px(lon0), py(lat0), 4, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#b3261e";
    ctx.fillRect(px(lon1) - 4, py(lat1) - 4, 8, 8);
  }
}
