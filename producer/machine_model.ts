/**
 * The machine state model: a state machine over running/idle/stopped/fault that changes every
 * 1–5 s, and errors every 10–30 s that both follow and drive the state.
 */
import type { MachineState, SignalEvent } from "../events/mod.ts";
import { drawError } from "./error_catalogue.ts";
import { makeEvent, type Source } from "./_source.ts";
import { createRandom, deriveSeed, pickWeighted, type Random, uniform } from "./random.ts";

/** Bounds of the time between two state changes, in ms. */
export const STATE_INTERVAL_MS = [1_000, 5_000] as const;
/** Bounds of the time between two errors, in ms. */
export const ERROR_INTERVAL_MS = [10_000, 30_000] as const;

/** Where a machine goes next from each state; a change always changes the state. */
export const TRANSITIONS: Readonly<
  Record<MachineState, Readonly<Partial<Record<MachineState, number>>>>
> = {
  running: { idle: 0.55, stopped: 0.3, fault: 0.15 },
  idle: { running: 0.7, stopped: 0.25, fault: 0.05 },
  stopped: { running: 0.5, idle: 0.45, fault: 0.05 },
  fault: { stopped: 0.6, idle: 0.3, running: 0.1 },
};

const INITIAL: Readonly<Partial<Record<MachineState, number>>> = {
  running: 0.6,
  idle: 0.25,
  stopped: 0.15,
};

/** The state one machine shares with its power source. */
export interface Machine {
  readonly id: string;
  state: MachineState;
}

function interval(random: Random, range: readonly [number, number]): number {
  return Math.round(uniform(random, range));
}

/**
 * A machine and the source of its `state_change` and `error` events, starting at `startMs`.
 * Both timers live in one source because a critical error reschedules the next state change.
 */
export function createMachine(
  id: string,
  options: { seed: number; startMs: number },
): { machine: Machine; source: Source } {
  const stateRandom = createRandom(deriveSeed(options.seed, `${id}/state`));
  const errorRandom = createRandom(deriveSeed(options.seed, `${id}/error`));
  const machine: Machine = { id, state: "stopped" };
  let nextStateAt = options.startMs;
  let nextErrorAt = options.startMs + interval(errorRandom, ERROR_INTERVAL_MS);
  let first = true;

  const changeState = (out: SignalEvent[]) => {
    const from = first ? null : machine.state;
    const to = pickWeighted(stateRandom, first ? INITIAL : TRANSITIONS[machine.state]);
    first = false;
    machine.state = to;
    const timeMs = nextStateAt;
    out.push(
      makeEvent("state_change", { machineId: id, timeMs, data: { from, to }, random: stateRandom }),
    );
    nextStateAt = timeMs + interval(stateRandom, STATE_INTERVAL_MS);
  };

  const raiseError = (out: SignalEvent[]) => {
    const timeMs = nextErrorAt;
    const inFault = machine.state === "fault";
    const data = drawError(errorRandom, inFault);
    out.push(makeEvent("error", { machineId: id, timeMs, data, random: errorRandom }));
    if (data.severity === "critical" && !inFault) {
      // A critical error puts the machine in fault at once; the next change follows 1–5 s later.
      const change = { from: machine.state, to: "fault" as const };
      out.push(
        makeEvent("state_change", { machineId: id, timeMs, data: change, random: errorRandom }),
      );
      machine.state = "fault";
      nextStateAt = timeMs + interval(errorRandom, STATE_INTERVAL_MS);
    }
    nextErrorAt = timeMs + interval(errorRandom, ERROR_INTERVAL_MS);
  };

  const source: Source = {
    at: options.startMs,
    tick(out) {
      if (nextStateAt <= nextErrorAt) changeState(out);
      else raiseError(out);
      source.at = Math.min(nextStateAt, nextErrorAt);
    },
  };
  return { machine, source };
}
