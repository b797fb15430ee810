import type { Command } from 'commander';
import type { Colors } from '../colors.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { formatTime } from '../format.ts';
import { render } from '../output.ts';
import { readSpecFile } from './spec-file.ts';

interface WaveOutcome {
  index: number;
  percent: number;
  startedAt: number;
  endedAt: number | null;
  outcome: string;
  decisionId: string | null;
  why: string;
}

export interface BacktestView {
  id: string;
  status: 'queued' | 'running' | 'retrying' | 'done' | 'failed';
  url: string;
  notes: string[];
  error: string | null;
  report: {
    runs: Array<{ from: number; to: number; phase: string; waves: WaveOutcome[]; evaluations: number }>;
    rollbacks: number;
    falseRollbackRate: number | null;
  } | null;
}

interface BacktestOptions {
  from: string;
  to: string;
  interval?: string;
  rollout?: string;
  prometheus?: string | boolean;
  split?: string;
  runs?: string;
  aa?: boolean;
  pollSeconds?: string;
}

/** `label:treatment,control` → the split of a Prometheus label into two cohorts. */
export function parseSplit(text: string): { label: string; treatment: string; control: string } {
  const match = /^([a-zA-Z_][a-zA-Z0-9_]*):([^,]+),([^,]+)$/.exec(text);
  if (match === null) {
    throw new CliError(`--split ${text}: expected LABEL:TREATMENT,CONTROL, like instance:a,b`, EXIT.usage);
  }
  return { label: match[1]!, treatment: match[2]!, control: match[3]! };
}

/** Per run, when each wave would have gone, stopped or rolled back, and why; then the rollback share. */
export function renderBacktest(view: BacktestView, colors: Colors): string {
  if (view.status === 'failed') return `backtest ${view.id} ${colors.red('failed')}: ${view.error}`;
  if (view.report === null) return `backtest ${view.id} ${view.status}`;
  const lines: string[] = [];
  view.report.runs.forEach((run, i) => {
    lines.push(
      colors.bold(
        `run ${i + 1}: ${formatTime(run.from)} → ${formatTime(run.to)}: ${run.phase} (${run.evaluations} evaluations)`,
      ),
    );
    for (const w of run.waves) {
      const outcome =
        w.outcome === 'rolled-back' || w.outcome === 'no-go' ? colors.red(w.outcome) : w.outcome;
      const when = w.endedAt === null ? 'data ended' : formatTime(w.endedAt);
      lines.push(
        `  wave ${w.index} (${w.percent}%) from ${formatTime(w.startedAt)}: ${outcome} at ${when} — ${w.why}`,
      );
    }
  });
  const { rollbacks, falseRollbackRate } = view.report;
  lines.push(
    '',
    falseRollbackRate === null
      ? `${rollbacks} of ${view.report.runs.length} run(s) rolled back`
      : `false-rollback rate ${(falseRollbackRate * 100).toFixed(1)}% (${rollbacks} of ${view.report.runs.length} runs on data with no real difference)`,
    ...view.notes.map((n) => `note: ${n}`),
    `evidence of every decision: rollout-guard -o json backtest … or GET ${view.url}`,
  );
  return lines.join('\n');
}

/** `backtest FILE --from … --to …`: queued on the server, polled until the report is there. */
export function registerBacktest(program: Command, ctx: CliContext): void {
  program
    .command('backtest')
    .description(
      'replay recorded data through the decision core: when each wave would have gone, stopped or rolled back',
    )
    .argument('<file>', 'a YAML or JSON spec file')
    .requiredOption('--from <time>', 'start: an ISO 8601 date-time, like 2026-12-01T00:00:00Z')
    .requiredOption('--to <time>', 'end: an ISO 8601 date-time')
    .option('--interval <duration>', 'how often guardrails are evaluated (default 1m)')
    .option('--rollout <name>', "replay this rollout's data stored by the collector (the last 8 days)")
    .option('--prometheus [url]', "replay from a Prometheus (default: the spec's prometheus.url)")
    .option(
      '--split <label:treatment,control>',
      'Prometheus: cohorts by this label (pre-rollout data split in two)',
    )
    .option('--runs <n>', 'cut the range into n disjoint runs, each replayed as a rollout (default 1)')
    .option('--aa', 'the data has no real difference (A/A): report the false-rollback rate')
    .option('--poll-seconds <s>', 'how often to ask whether it is done', '1')
    .action(async (file: string, options: BacktestOptions) => {
      const { text } = readSpecFile(ctx, file);
      if ((options.rollout === undefined) === (options.prometheus === undefined)) {
        throw new CliError(
          'give one source: --rollout NAME (the collector’s data) or --prometheus [URL]',
          EXIT.usage,
        );
      }
      const time = (value: string, flag: string) => {
        if (Number.isNaN(Date.parse(value))) {
          throw new CliError(
            `${flag} ${value}: expected an ISO 8601 date-time, like 2026-12-01T00:00:00Z`,
            EXIT.usage,
          );
        }
        return new Date(value).toISOString();
      };
      const body = {
        spec: text,
        from: time(options.from, '--from'),
        to: time(options.to, '--to'),
        ...(options.interval === undefined ? {} : { interval: options.interval }),
        source:
          options.rollout !== undefined
            ? { kind: 'collector', rollout: options.rollout }
            : {
                kind: 'prometheus',
                ...(typeof options.prometheus === 'string' ? { url: options.prometheus } : {}),
              },
        ...(options.split === undefined ? {} : { split: parseSplit(options.split) }),
        ...(options.runs === undefined ? {} : { runs: Number(options.runs) }),
        ...(options.aa === true ? { noRealDifference: true } : {}),
      };
      const client = ctx.client();
      let view = await client.json<BacktestView>('POST', '/api/v1/backtests', {
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
      const every = Math.max(0.1, Number(options.pollSeconds ?? 1)) * 1000;
      // A retrying backtest runs again on its own (Prometheus was down, say): keep waiting, saying why.
      let said: string | null = null;
      while (view.status === 'queued' || view.status === 'running' || view.status === 'retrying') {
        if (view.status === 'retrying' && view.error !== said) {
          said = view.error;
          ctx.err(`backtest ${view.id}: an attempt failed (${view.error}); retrying`);
        }
        await ctx.sleep(every);
        view = await client.json<BacktestView>('GET', view.url);
      }
      ctx.out(render(view, ctx.output(), () => renderBacktest(view, ctx.colors)));
      if (view.status === 'failed') throw new CliError(`backtest ${view.id} failed`, EXIT.refused);
    });
}
