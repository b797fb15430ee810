/**
 * Each service as one ES module of plain JavaScript, `services/<name>/dist/main.js` (gitignored),
 * which `pnpm start`, the demo, the end-to-end tests and the benchmarks run with `node` alone.
 * Running the TypeScript through tsx costs a loader thread with its own V8 heap and the
 * transpiler's caches in every service process: see docs/benchmarks-history.md ("Precompiled services").
 *
 * esbuild bundles the service's own code and the workspace packages it imports; every npm package
 * stays an external import (native snappy, bullmq and pino read files beside themselves), rewritten
 * to the file Node would load from the importing source, so the bundle needs no node_modules of its
 * own. Files a module reads beside itself (`new URL('./x.lua', import.meta.url)`) are copied beside
 * the bundle; the build fails when two of them share a name or when a module uses `import.meta`
 * any other way, rather than produce a service that breaks at run time. A TypeScript module read
 * that way is a worker thread's file: it is bundled as its own `.js` beside the service's bundle.
 *
 * The dashboard's browser bundle (scripts/build-dashboard.ts) is built first: the collector reads it beside
 * itself. Building takes well under a second, so the commands that run services build first, every time;
 * concurrent builds (parallel test files) are safe: each output file is replaced atomically.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildDashboard } from './build-dashboard.ts';

export type ServiceName = 'collector' | 'evaluator';
export const SERVICE_NAMES: readonly ServiceName[] = ['collector', 'evaluator'];

const root = fileURLToPath(new URL('..', import.meta.url));

/** The TypeScript entry of a service, relative to the repository root. */
export const sourceEntry = (name: ServiceName) => `services/${name}/src/main.ts`;
/** The built entry of a service, relative to the repository root. */
export const builtEntry = (name: ServiceName) => `services/${name}/dist/main.js`;

/**
 * The node arguments after the flags that run a service: the built bundle, or with
 * RUN_FROM_SOURCE=1 the TypeScript through tsx (to compare the two, or to skip the build).
 */
export function serviceArgs(name: ServiceName): string[] {
  return process.env.RUN_FROM_SOURCE === '1' ? ['--import', 'tsx', sourceEntry(name)] : [builtEntry(name)];
}

const toPosix = (path: string) => path.split(sep).join('/');
const inside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/** Bare imports of npm packages stay imports, of the exact file Node resolves them to from the source. */
function externalPackages(outdir: string): esbuild.Plugin {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('node:') || args.pluginData === 'resolving') return undefined;
        if (args.path.startsWith('@rollout-guard/')) return undefined; // workspace sources: bundled
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (found.errors.length > 0) return { errors: found.errors };
        if (found.external) return { path: args.path, external: true }; // a node builtin
        let path = toPosix(relative(outdir, found.path));
        if (!path.startsWith('.')) path = `./${path}`;
        return { path, external: true };
      });
    },
  };
}

const URL_OF_FILE = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*,?\s*\)/g;

/** The files the bundled modules read beside themselves, as bundle-relative target → source path. */
export function filesBeside(inputs: readonly string[], outdir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const input of inputs) {
    const source = readFileSync(input, 'utf8');
    const uses = source.match(/import\.meta\b/g)?.length ?? 0;
    const urls = [...source.matchAll(URL_OF_FILE)];
    if (uses !== urls.length) {
      throw new Error(
        `${relative(root, input)} uses import.meta other than as new URL('<file>', import.meta.url): the bundle cannot place it`,
      );
    }
    for (const [, , rel] of urls) {
      if (rel === undefined) continue;
      const from = resolve(dirname(input), rel);
      const to = resolve(outdir, rel);
      if (to === from) continue; // reached the same way from the bundle (../package.json)
      if (!inside(outdir, to)) {
        throw new Error(
          `${relative(root, input)} reads ${rel}, which the bundle would look for outside dist/`,
        );
      }
      const claimed = files.get(to);
      if (claimed !== undefined && claimed !== from) {
        throw new Error(
          `${relative(root, claimed)} and ${relative(root, from)} would both be ${relative(root, to)} beside the bundle: rename one`,
        );
      }
      files.set(to, from);
    }
  }
  return files;
}

/** Writes through a temporary file and a rename, so a concurrent reader never sees half a file. */
function writeAtomic(path: string, contents: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** One entry bundled: its output files, and the files its modules read beside themselves. */
async function bundle(
  entry: string,
  outfile: string,
): Promise<{ outputs: esbuild.OutputFile[]; beside: Map<string, string> }> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Resolve as Node does: no bundler-only "module" condition or field.
    conditions: [],
    mainFields: ['main'],
    sourcemap: 'linked',
    plugins: [externalPackages(dirname(outfile))],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(root, input));
  return { outputs: result.outputFiles, beside: filesBeside(inputs, dirname(outfile)) };
}

const TYPESCRIPT_BESIDE = /new URL\("(\.\/[^"]+)\.ts", import\.meta\.url\)/g;

/**
 * A TypeScript module read beside the bundle is a worker thread's file (spec-worker.ts): it is
 * bundled too, as .js beside the service's bundle, and the service's URL of it now names the .js (the
 * same length, so the source map still holds).
 */
export function besideAsJs(code: string): string {
  return code.replace(TYPESCRIPT_BESIDE, 'new URL("$1.js", import.meta.url)');
}

async function buildService(name: ServiceName): Promise<void> {
  const outfile = join(root, builtEntry(name));
  const main = await bundle(join(root, sourceEntry(name)), outfile);
  const outputs = [...main.outputs];
  const beside = new Map<string, string>();
  for (const [to, from] of main.beside) {
    if (!to.endsWith('.ts')) {
      beside.set(to, from);
      continue;
    }
    const worker = await bundle(from, to.replace(/\.ts$/, '.js'));
    outputs.push(...worker.outputs);
    for (const [workerTo, workerFrom] of worker.beside) beside.set(workerTo, workerFrom);
  }
  for (const file of outputs) {
    writeAtomic(file.path, file.path === outfile ? besideAsJs(file.text) : file.contents);
  }
  for (const [to, from] of beside) writeAtomic(to, readFileSync(from));
}

let built: Promise<void> | undefined;

/**
 * Builds both services (once per process; later calls share the first build) and stops esbuild's
 * helper process afterwards.
 */
export function buildServices(): Promise<void> {
  // The collector's bundle copies the dashboard's beside itself: build that first.
  built ??= buildDashboard()
    .then(() => Promise.all(SERVICE_NAMES.map(buildService)))
    .then(
      () => esbuild.stop(),
      async (error: unknown) => {
        await esbuild.stop();
        throw error;
      },
    );
  return built;
}

/** Builds the services, or only the dashboard's bundle when they run from source (RUN_FROM_SOURCE=1). */
export async function prepareServices(): Promise<void> {
  if (process.env.RUN_FROM_SOURCE !== '1') {
    await buildServices();
    return;
  }
  await buildDashboard();
  await esbuild.stop();
}
