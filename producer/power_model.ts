/**
 * The power model: 100 Hz samples that follow the machine's state, batched into one `power`
 * event per batch period.
 */
import { assertNever, type MachineState } from "../events/mod.ts";
import type { Machine } from "./machine_model.ts";
import { makeEvent, type Source } from "./_source.ts";
import { createRandom, deriveSeed, gaussian, type Random, round, uniform } from "./random.ts";

/** Samples per second of every machine's power signal. */
export const POWER_SAMPLE_RATE_HZ = 100;
/** Time between two samples, in ms. */
export const POWER_SAMPLE_MS = 1000 / POWER_SAMPLE_RATE_HZ;

/** Bounds of a machine's nominal power draw when running, in watts. */
export const NOMINAL_WATTS = [1_500, 4_500] as const;

/** One machine's power draw, sample by sample. */
export interface PowerModel {
  readonly nominalWatts: number;
  /** The next sample for a machine in `state`, in watts (2 decimals, never negative). */
  sample(state: MachineState): number;
}

/** A power model whose nominal draw and noise come from `random`. */
export function createPowerModel(random: Random): PowerModel {
  const nominalWatts = Math.round(uniform(random, NOMINAL_WATTS));
  // The load wanders slowly around 1 (mean-reverting), so a running machine's draw has
  // both slow swings and fast noise, as a real spindle under varying cuts does.
  let load = 1;
  const sample = (state: MachineState): number => {
    load += 0.002 * (1 - load) + 0.004 * gaussian(random);
    let watts: number;
    switch (state) {
      case "running":
        watts = nominalWatts * load * (1 + 0.015 * gaussian(random));
        break;
      case "idle":
        watts = nominalWatts * 0.12 * (1 + 0.05 * gaussian(random));
        break;
      case "stopped":
        watts = 3 + 1.5 * gaussian(random);
        break;
      case "fault":
        // Erratic draw with short spikes well above nominal.
        watts = random() < 0.04
          ? nominalWatts * uniform(random, [1.5, 2.5])
          : nominalWatts * 0.3 * (1 + 0.25 * gaussian(random));
        break;
      default:
        return assertNever(state);
    }
    return Math.max(0, round(watts, 2));
  };
  return { nominalWatts, sample };
}

/** The power source of `machine`: one event per `batchMs` holding `batchMs / 10` samples. */
export function createPowerSource(
  machine: Machine,
  options: { seed: number; startMs: number; batchMs: number },
): Source {
  const random = createRandom(deriveSeed(options.seed, `${machine.id}/power`));
  const model = createPowerModel(random);
  const samples = Math.round(options.batchMs / POWER_SAMPLE_MS);
  const source: Source = {
    at: options.startMs,
    tick(out) {
      const watts = new Array<number>(samples);
      for (let i = 0; i < samples; i++) watts[i] = model.sample(machine.state);
      out.push(makeEvent("power", {
        machineId: machine.id,
        timeMs: source.at,
        data: { sampleRateHz: POWER_SAMPLE_RATE_HZ, watts },
        random,
      }));
      source.at += options.batchMs;
    },
  };
  return source;
}
