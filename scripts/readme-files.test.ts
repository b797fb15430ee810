import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * A folder README with a file table (a table whose first column is `file`) is where a reader looks
 * for what the folder holds, so it names every file and subfolder of that folder. Tests and
 * benchmarks sit beside what they test and `package.json` is every package's; those need no row.
 */

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', 'coverage', '.data', 'results']);
const NEEDS_NO_ROW = [/\.test\.ts$/, /\.bench\.ts$/, /^package\.json$/, /^README\.md$/, /^\./];

/** Every README.md under `folder` whose text holds a file table. */
function readmesWithFileTables(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) found.push(...readmesWithFileTables(path));
    } else if (entry.name === 'README.md' && /^\|\s*file\s*\|/im.test(readFileSync(path, 'utf8'))) {
      found.push(path);
    }
  }
  return found;
}

/** The folder's files and subfolders that no code span of its README names. */
function unlistedFiles(readmePath: string): string[] {
  const text = readFileSync(readmePath, 'utf8');
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] as string);
  const names = (name: string) =>
    spans.some((span) =>
      new RegExp(`(^|[^\\w.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.-])`).test(span),
    );
  return readdirSync(dirname(readmePath), { withFileTypes: true })
    .filter((entry) => !NEEDS_NO_ROW.some((pattern) => pattern.test(entry.name)))
    .filter((entry) => !(entry.isDirectory() && SKIPPED_FOLDERS.has(entry.name)))
    .map((entry) => entry.name)
    .filter((name) => !names(name))
    .sort();
}

describe('folder READMEs with a file table', () => {
  const readmes = readmesWithFileTables(root).map((path) => relative(root, path));

  it('are found, the ingest folder among them', () => {
    expect(readmes).toContain('services/collector/src/ingest/README.md');
    expect(readmes.length).toBeGreaterThan(8);
  });

  it.each(readmes)('%s names every file of its folder', (readme) => {
    expect(unlistedFiles(join(root, readme))).toEqual([]);
  });
});
