import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { besideAsJs, buildServices, builtEntry, filesBeside, SERVICE_NAMES } from './build-services.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollout-guard-build-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('buildServices', () => {
  it('writes one bundle per service whose imports and beside-files all exist', async () => {
    await buildServices();
    for (const name of SERVICE_NAMES) {
      const bundle = join(root, builtEntry(name));
      const code = readFileSync(bundle, 'utf8');
      const imports = [...code.matchAll(/from "(\.{1,2}\/[^"]+)"/g)].map((m) => m[1] ?? '');
      expect(imports.length).toBeGreaterThan(0);
      for (const path of imports) expect(existsSync(resolve(dirname(bundle), path)), path).toBe(true);
      const beside = [...code.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)].map((m) => m[1] ?? '');
      expect(beside).toContain('./apply-transition.lua');
      for (const path of beside) expect(existsSync(resolve(dirname(bundle), path)), path).toBe(true);
      // No workspace TypeScript is left for Node to load.
      expect(code).not.toMatch(/from "[^"]*\.ts"/);
    }
  });
});

describe('a worker thread’s module', () => {
  it('is bundled beside the collector as .js, named so by the bundle, and parses a spec there', async () => {
    await buildServices();
    const bundle = join(root, builtEntry('collector'));
    const code = readFileSync(bundle, 'utf8');
    expect(code).toContain('new URL("./spec-worker.js", import.meta.url)');
    expect(code).not.toMatch(/new URL\("[^"]+\.ts", import\.meta\.url\)/);
    const worker = join(dirname(bundle), 'spec-worker.js');
    expect(readFileSync(worker, 'utf8')).not.toMatch(/from "[^"]*\.ts"/);
    const { parse } = await import(worker);
    const { port1, port2 } = new MessageChannel();
    const text = 'apiVersion: rollout-guard/v1\nkind: Rollout\n';
    const result = parse({
      text,
      format: 'yaml',
      limits: { maxKeys: 10, maxDepth: 4 },
      envAllowed: { names: new Set(), prefixes: [] },
      started: port2,
    });
    port1.close();
    expect(result.ok).toBe(false);
    expect(result.problems.map((problem: { path: string }) => problem.path)).toContain('metadata');
  });

  it('is named .js in the bundle wherever a URL names it .ts', () => {
    expect(besideAsJs('const w = new URL("./x-worker.ts", import.meta.url);')).toBe(
      'const w = new URL("./x-worker.js", import.meta.url);',
    );
    expect(besideAsJs('const l = new URL("./x.lua", import.meta.url);')).toBe(
      'const l = new URL("./x.lua", import.meta.url);',
    );
  });
});

describe('filesBeside', () => {
  it('maps each file a module reads beside itself to the same name beside the bundle', () => {
    const dir = tree({
      'pkg/src/store/a.ts': "const x = new URL('./a.lua', import.meta.url);",
      'pkg/src/store/a.lua': 'return 1',
      'svc/src/server.ts': "const v = readFileSync(new URL(\n  '../package.json',\n  import.meta.url,\n));",
    });
    const outdir = join(dir, 'svc/dist');
    const files = filesBeside([join(dir, 'pkg/src/store/a.ts'), join(dir, 'svc/src/server.ts')], outdir);
    expect([...files]).toEqual([[join(outdir, 'a.lua'), join(dir, 'pkg/src/store/a.lua')]]);
  });

  it('refuses two different files that would share a name beside the bundle', () => {
    const dir = tree({
      'a/x.ts': "new URL('./script.lua', import.meta.url)",
      'b/y.ts': "new URL('./script.lua', import.meta.url)",
    });
    expect(() => filesBeside([join(dir, 'a/x.ts'), join(dir, 'b/y.ts')], join(dir, 'dist'))).toThrow(
      /would both be .*script\.lua/,
    );
  });

  it('refuses import.meta used any other way, and paths that leave dist/', () => {
    const dir = tree({
      'a/dirname.ts': 'const here = import.meta.dirname;',
      'a/up.ts': "new URL('../../secret.txt', import.meta.url)",
    });
    expect(() => filesBeside([join(dir, 'a/dirname.ts')], join(dir, 'svc/dist'))).toThrow(
      /uses import\.meta/,
    );
    expect(() => filesBeside([join(dir, 'a/up.ts')], join(dir, 'svc/dist'))).toThrow(/outside dist/);
  });
});
