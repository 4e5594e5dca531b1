/** Peak resident memory of child processes, read from /proc. */

/** A process's peak resident memory, and how many times it was read. */
export interface PeakRss {
  bytes: number;
  /** Successful reads of /proc; 0 means the figure was never measured. */
  readings: number;
}

/**
 * The text of `/proc/<pid>/<file>`, or undefined once the process has exited. Deno asks for
 * --allow-all to read /proc directly, so `cat` (run permission) reads it for us.
 */
export async function readProcFile(pid: number, file: string): Promise<string | undefined> {
  const output = await new Deno.Command("cat", { args: [`/proc/${pid}/${file}`], stderr: "null" })
    .output();
  return output.success ? new TextDecoder().decode(output.stdout) : undefined;
}

/** The peak RSS (VmHWM) of process `pid` in bytes, or undefined once it has exited. */
export async function peakRss(pid: number): Promise<number | undefined> {
  const status = await readProcFile(pid, "status");
  const match = status ? /^VmHWM:\s+(\d+) kB/m.exec(status) : null;
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Tracks the highest VmHWM seen for a process, polling until stopped. */
export function watchPeakRss(pid: number, intervalMs = 500): { stop(): Promise<PeakRss> } {
  const peak: PeakRss = { bytes: 0, readings: 0 };
  let sampling = Promise.resolve();
  const sample = () => {
    sampling = sampling.then(async () => {
      const bytes = await peakRss(pid);
      if (bytes === undefined) return;
      peak.bytes = Math.max(peak.bytes, bytes);
      peak.readings++;
    });
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      sample();
      await sampling;
      return { ...peak };
    },
  };
}
