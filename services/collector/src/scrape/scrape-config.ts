import { readFileSync } from 'node:fs';
import { EnvError } from '@rollout-guard/shared/config';
import {
  formatPath,
  resolveScrapeTarget,
  type ScrapeTarget,
  scrapeConfigSchema,
} from '@rollout-guard/shared/spec';
import { parseDocument } from 'yaml';

/**
 * A SCRAPE_CONFIG file the collector cannot use. An EnvError, so the process prints every problem
 * as one readable message and exits 1, like a bad environment variable.
 */
export class ScrapeConfigError extends EnvError {
  override name = 'ScrapeConfigError';
  constructor(
    readonly path: string,
    /** Each problem, `where: what would be right`. */
    readonly lines: readonly string[],
  ) {
    super(
      'collector',
      lines.map((line) => ({ variable: 'SCRAPE_CONFIG', message: `${path}: ${line}` })),
    );
  }
}

/**
 * Reads the global scrape file (YAML or JSON: `scrape: [{ url, interval?, timeout?, headers?, format? }]`).
 * Throws ScrapeConfigError listing every problem: syntax, fields, and header values read from
 * environment variables that are not set. An empty path means no file: no global targets.
 */
export function loadScrapeConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ScrapeTarget[] {
  if (path === '') return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new ScrapeConfigError(path, [`cannot read the file: ${reason}`]);
  }
  return parseScrapeConfig(text, path, env);
}

/** The text of a scrape file, validated; `path` only names it in problems. */
export function parseScrapeConfig(
  text: string,
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ScrapeTarget[] {
  // JSON is YAML too: one parser reads both.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ScrapeConfigError(
      path,
      document.errors.map(
        (e) => `YAML: ${e.message.split(' at line ')[0]} (line ${e.linePos?.[0].line ?? '?'})`,
      ),
    );
  }
  const result = scrapeConfigSchema.safeParse(document.toJS({ maxAliasCount: 100 }) ?? {});
  if (!result.success) {
    throw new ScrapeConfigError(
      path,
      result.error.issues.map((issue) => {
        const where = formatPath(issue.path.filter((s) => typeof s !== 'symbol'));
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; expected scrape: [{ url, interval, timeout, headers, format }]`
            : issue.message;
        return `${where === '' ? '(top level)' : where}: ${message}`;
      }),
    );
  }
  const targets = result.data.scrape.map(resolveScrapeTarget);
  const missing: string[] = [];
  targets.forEach((target, i) => {
    for (const [name, value] of Object.entries(target.headers)) {
      if ('env' in value && !env[value.env]) {
        missing.push(
          `${formatPath(['scrape', i, 'headers', name])}: environment variable ${value.env} is not set; the header's value is read from it`,
        );
      }
    }
  });
  if (missing.length > 0) throw new ScrapeConfigError(path, missing);
  return targets;
}
