/**
 * Builds the dashboard: bundles `dashboard/src/main.ts` (with uPlot from npm) and its CSS with
 * esbuild from npm into `dashboard/dist/`, beside a copy of `src/index.html`. The output is
 * committed; `build_test.ts` fails when it differs from a fresh build. Run `deno task build`.
 * @module
 */
import * as esbuild from "esbuild";

const HERE = new URL("./", import.meta.url);
/** The files a build writes, relative to the output folder. */
export const DIST_FILES = ["index.html", "app.js", "app.css"] as const;

/** The `npm:` specifier of a package in the import map, e.g. `npm:uplot@1.6.32`. */
async function npmSpecifier(name: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", HERE)));
  const spec = config.imports?.[name];
  if (typeof spec !== "string" || !spec.startsWith("npm:")) {
    throw new Error(`deno.json imports has no npm: entry for '${name}'`);
  }
  return spec;
}

async function deno(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Where Deno keeps an npm package on disk. esbuild resolves bare imports from node_modules, which
 * this project does not have, so the few packages the page uses are pointed at Deno's cache.
 */
async function npmPackageDir(name: string): Promise<string> {
  const spec = await npmSpecifier(name);
  await deno(["cache", "--quiet", spec]);
  const { npmCache } = JSON.parse(await deno(["info", "--json"]));
  const version = spec.slice(spec.lastIndexOf("@") + 1);
  return `${npmCache}/registry.npmjs.org/${name}/${version}`;
}

function denoNpmPlugin(dirs: Record<string, string>): esbuild.Plugin {
  return {
    name: "deno-npm",
    setup(build) {
      build.onResolve({ filter: /^[a-z@]/ }, (args) => {
        const name = Object.keys(dirs).find((n) =>
          args.path === n || args.path.startsWith(n + "/")
        );
        if (!name) return undefined;
        const rest = args.path.slice(name.length);
        // uPlot's package.json names its ESM build under "module".
        const file = rest ? dirs[name] + rest : `${dirs[name]}/dist/uPlot.esm.js`;
        return { path: file };
      });
    },
  };
}

/** Builds into `outdir` (a file path ending in `/`); returns the bytes of each output file. */
export async function buildDashboard(outdir: string): Promise<Record<string, number>> {
  const uplot = await npmPackageDir("uplot");
  try {
    await esbuild.build({
      entryPoints: { app: new URL("./src/main.ts", HERE).pathname },
      outdir,
      bundle: true,
      minify: true,
      format: "esm",
      target: "es2022",
      platform: "browser",
      legalComments: "eof",
      logLevel: "warning",
      plugins: [denoNpmPlugin({ uplot })],
    });
  } finally {
    await esbuild.stop();
  }
  await Deno.copyFile(new URL("./src/index.html", HERE), `${outdir}index.html`);
  const sizes: Record<string, number> = {};
  for (const file of DIST_FILES) sizes[file] = (await Deno.stat(`${outdir}${file}`)).size;
  return sizes;
}

if (import.meta.main) {
  const outdir = new URL("./dist/", HERE).pathname;
  const sizes = await buildDashboard(outdir);
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.error(`dashboard built into ${outdir}: ${JSON.stringify(sizes)}, ${total} bytes`);
}
