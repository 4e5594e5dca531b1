/** The `:type` path segment of the signal routes. */
import { SIGNAL_TYPES, type SignalType } from "../events/mod.ts";
import { NotFoundError } from "./problem.ts";

/** Parses the `:type` path segment; 404 listing the valid types otherwise. */
export function signalType(text: string): SignalType {
  if ((SIGNAL_TYPES as readonly string[]).includes(text)) return text as SignalType;
  throw new NotFoundError(
    `Unknown signal type '${text}': valid types are ${SIGNAL_TYPES.join(", ")}`,
  );
}
