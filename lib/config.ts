/** Reads a service's configuration from the environment once, with zod, naming any bad variable. */
import { z } from "zod";

/** A configuration value is invalid; the message names the variable and the value seen. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly variable: string, message: string) {
    super(message);
  }
}

/** Parses `env` with a zod object whose keys are variable names; throws {@linkcode ConfigError}. */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): z.infer<S> {
  const values: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    values[key] = value === "" ? undefined : value;
  }
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const variable = String(issue.path[0] ?? "(config)");
  throw new ConfigError(
    variable,
    `Invalid ${variable}=${JSON.stringify(values[variable] ?? "")}: ${issue.message}`,
  );
}

/** A positive integer variable with a default. */
export function positiveInt(defaultValue: number) {
  return z.coerce.number({ message: "must be a number" }).int("must be a whole number")
    .positive("must be greater than 0").default(defaultValue);
}

/** A URL variable, optional; an embedded server is used when unset. */
export function optionalUrl(protocols: string[]) {
  return z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(" or ")}//`).optional();
}

/** Runs `main`, turning a {@linkcode ConfigError} into one line on stderr and exit code 2. */
export async function runService(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(2);
    }
    throw error;
  }
}
