/** Finds the local server binaries, or fails with one line naming the Debian package. */

/** A required binary is not installed. */
export class MissingBinaryError extends Error {
  override name = "MissingBinaryError";
  constructor(readonly binary: string, readonly debianPackage: string) {
    super(`${binary} not found: install it with 'apt-get install ${debianPackage}'`);
  }
}

function isExecutable(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && isExecutable(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** The path of `nats-server`. */
export function natsServerBinary(): string {
  const path = onPath("nats-server");
  if (!path) throw new MissingBinaryError("nats-server", "nats-server");
  return path;
}

/** The directory holding PostgreSQL's server binaries (`initdb`, `pg_ctl`, `postgres`). */
export function postgresBinDir(): string {
  const versions: string[] = [];
  try {
    for (const entry of Deno.readDirSync("/usr/lib/postgresql")) {
      if (entry.isDirectory && /^\d+$/.test(entry.name)) versions.push(entry.name);
    }
  } catch {
    // No Debian layout: fall back to PATH below.
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (isExecutable(`${dir}/initdb`)) return dir;
  }
  const initdb = onPath("initdb");
  if (initdb) return initdb.slice(0, initdb.lastIndexOf("/"));
  throw new MissingBinaryError("initdb (PostgreSQL server)", "postgresql");
}
