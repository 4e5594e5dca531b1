/**
 * The x-ray device model: a device moves along a continuous path (heading and speed wander
 * smoothly) and each scan reports 1–`maxPoints` points `[tOffsetMs, [lat, lon, speed]]` spread
 * over the scan interval; the next scan starts where the last one ended.
 */
import type { XrayPoint } from "../events/mod.ts";
import { makeEvent, type Source } from "./_source.ts";
import {
  createRandom,
  deriveSeed,
  gaussian,
  intBetween,
  type Random,
  round,
  uniform,
} from "./random.ts";

/** Fastest a device moves, in m/s. */
export const XRAY_MAX_SPEED = 30;
/** Most points the contract allows in one scan. */
export const XRAY_POINT_LIMIT = 1000;
/** Where the simulated devices start: around Leipzig. */
export const XRAY_ORIGIN = { lat: 51.34, lon: 12.34 } as const;

const METRES_PER_DEGREE = 111_320;

/** A device's path, one scan at a time. */
export interface XrayModel {
  scan(): XrayPoint[];
}

/** An x-ray device model drawing from `random`. */
export function createXrayModel(
  random: Random,
  options: { intervalMs: number; maxPoints: number },
): XrayModel {
  let lat = XRAY_ORIGIN.lat + uniform(random, [-0.05, 0.05]);
  let lon = XRAY_ORIGIN.lon + uniform(random, [-0.05, 0.05]);
  let heading = uniform(random, [0, 2 * Math.PI]);
  let speed = uniform(random, [0, 15]);
  const advance = (dtMs: number) => {
    const dt = dtMs / 1000;
    const distance = speed * dt;
    lat += (distance * Math.cos(heading)) / METRES_PER_DEGREE;
    lon += (distance * Math.sin(heading)) / (METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
    // Small steps wander little, so the path stays smooth at any point density.
    const scale = Math.sqrt(dt);
    heading += 0.15 * scale * gaussian(random);
    speed = Math.min(XRAY_MAX_SPEED, Math.max(0, speed + 0.8 * scale * gaussian(random)));
    lat = Math.min(89, Math.max(-89, lat));
    lon = ((lon + 540) % 360) - 180;
  };
  const scan = (): XrayPoint[] => {
    const count = intBetween(random, [1, Math.min(options.maxPoints, XRAY_POINT_LIMIT)]);
    const step = options.intervalMs / count;
    const points: XrayPoint[] = [];
    for (let k = 0; k < count; k++) {
      points.push([Math.floor(k * step), [round(lat, 6), round(lon, 6), round(speed, 3)]]);
      advance(step);
    }
    return points;
  };
  return { scan };
}

/** The source of one x-ray device: one `xray` event per `intervalMs`. */
export function createXraySource(
  deviceId: string,
  options: { seed: number; startMs: number; intervalMs: number; maxPoints: number },
): Source {
  const random = createRandom(deriveSeed(options.seed, `${deviceId}/xray`));
  const model = createXrayModel(random, options);
  const source: Source = {
    at: options.startMs,
    tick(out) {
      const data = { dataPoints: model.scan() };
      out.push(makeEvent("xray", { machineId: deviceId, timeMs: source.at, data, random }));
      source.at += options.intervalMs;
    },
  };
  return source;
}
