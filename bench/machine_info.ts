/** The machine and versions a benchmark ran on, recorded beside its figures. */

async function versionOf(command: string, args: string[]): Promise<string | null> {
  try {
    const output = await new Deno.Command(command, { args, stdin: "null" }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    return text.trim().split("\n")[0] ?? null;
  } catch {
    return null;
  }
}

/** Cores, memory, OS and the versions of Deno, nats-server and PostgreSQL. */
export async function machineInfo() {
  const postgresBin = (await import("../dev/binaries.ts")).postgresBinDir();
  return {
    cores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    natsServer: await versionOf("nats-server", ["--version"]),
    postgres: await versionOf(`${postgresBin}/postgres`, ["--version"]),
  };
}
