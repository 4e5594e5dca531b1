/** Reads compose.yaml as `docker compose` would for a given environment: interpolated, profiled. */
import { parse } from "yaml";

/** The parts of a compose service the tests look at. */
export interface ComposeService {
  build?: unknown;
  image?: string;
  profiles?: string[];
  command?: string[];
  entrypoint?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  configs?: { source: string; target: string }[];
  deploy?: { replicas?: number | string };
}

/** A compose file after interpolation. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  configs?: Record<string, { content?: string }>;
}

/** Replaces `${NAME}`, `${NAME:-default}` and `$$` as compose does, from `env`. */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (whole, name, fallback) => {
    if (whole === "$$") return "$";
    const value = env[name];
    return value === undefined || value === "" ? (fallback ?? "") : value;
  });
}

/** Parses an env file (`NAME=value` lines, `#` comments). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** compose.yaml as seen with `env`, and the names of the services its profiles enable. */
export function readCompose(
  text: string,
  env: Record<string, string>,
): { file: ComposeFile; active: string[] } {
  const file = parse(interpolate(text, env), { merge: true }) as ComposeFile;
  const profiles = (env.COMPOSE_PROFILES ?? "").split(",").filter(Boolean);
  const active = Object.entries(file.services)
    .filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)))
    .map(([name]) => name)
    .sort();
  return { file, active };
}
