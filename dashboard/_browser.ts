/** Test helper: headless Chromium from the system package, driven by puppeteer-core. */
import puppeteer, { type Browser } from "puppeteer-core";

/** The system Chromium (Debian package `chromium`); puppeteer-core never downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** A running browser with a fresh profile; `close()` removes the profile. */
export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Chromium with a throwaway profile and nothing that phones home. */
export async function launchBrowser(): Promise<TestBrowser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(`${CHROMIUM} is missing: install it with 'apt-get install -y chromium'`);
  }
  const profile = await Deno.makeTempDir({ prefix: "dash-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium starts slowly on a busy machine (over puppeteer's default 30 s under stress-ng).
    timeout: 120_000,
    userDataDir: profile,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
