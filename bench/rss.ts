/** Peak resident memory of child processes, sampled from /proc. */

/** The peak RSS (VmHWM) of process `pid` in bytes, or undefined once it has exited. */
export function peakRss(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Tracks the highest VmHWM seen for a process, polling until stopped. */
export function watchPeakRss(pid: number, intervalMs = 250): { stop(): number } {
  let peak = peakRss(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRss(pid) ?? 0);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, peakRss(pid) ?? 0);
      return peak;
    },
  };
}
