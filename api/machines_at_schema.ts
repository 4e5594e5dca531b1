/** Zod schemas of the time-travel answers (`?at=`), from which their OpenAPI is generated. */
import { z } from "zod";
import { MACHINE_STATES, SEVERITIES } from "../events/mod.ts";

const time = z.iso.datetime().meta({ description: "ISO 8601 UTC" });

/** A machine as of an instant, folded from the history tables. */
export const MachineAtRow = z.object({
  machineId: z.string(),
  at: time.meta({ description: "The instant asked about" }),
  state: z.enum(MACHINE_STATES).nullable().meta({
    description: "State after the last change at or before `at`; null before the first change",
  }),
  stateSince: time.nullable(),
  lastError: z.object({
    code: z.string(),
    severity: z.enum(SEVERITIES),
    message: z.string(),
    at: time,
    seq: z.number().int(),
  }).nullable().meta({ description: "The last error at or before `at`" }),
  openFailure: z.object({
    id: z.string(),
    seq: z.number().int(),
    type: z.string(),
    startedAt: time,
  }).nullable().meta({ description: "The failure episode started and not yet ended at `at`" }),
  power: z.object({
    minute: time,
    samples: z.number(),
    avgW: z.number().nullable(),
    minW: z.number(),
    maxW: z.number(),
    energyWh: z.number(),
  }).nullable().meta({ description: "Power of the whole minute that contains `at`" }),
  errorsLastHour: z.number().int().meta({ description: "Errors in (at - 1 h, at]" }),
}).meta({ id: "MachineAt" });
