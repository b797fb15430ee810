import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { createClient } from './client.ts';
import { type Colors, colorsFor } from './colors.ts';
import { registerActions } from './commands/actions.ts';
import { registerApply } from './commands/apply.ts';
import { registerBacktest } from './commands/backtest.ts';
import { registerDecisions } from './commands/decisions.ts';
import { registerDeliveries } from './commands/deliveries.ts';
import { registerEvidence } from './commands/evidence.ts';
import { registerLog } from './commands/log.ts';
import { registerPlan } from './commands/plan.ts';
import { registerRemove } from './commands/remove.ts';
import { registerRollouts } from './commands/rollouts.ts';
import { registerValidate } from './commands/validate.ts';
import { registerVersions } from './commands/versions.ts';
import type { CliContext } from './context.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { OUTPUTS, outputOf } from './output.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:4318';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  readFile?: (path: string) => string;
  writeFile?: (path: string, text: string) => void;
}

const EXIT_CODES_HELP = `
Environment:
  ROLLOUT_GUARD_SERVER  default for --server (${DEFAULT_SERVER})
  ROLLOUT_GUARD_TOKEN   default for --token
  NO_COLOR              no colours even on a terminal

Exit codes:
  0  done
  1  refused: an invalid spec, an unknown rollout, an action the phase does not allow, a token without the scope
  2  usage: unknown command or option, missing argument
  3  server: rollout-guard could not be reached, failed (5xx) or is rate limiting (429)`;

function buildProgram(io: CliIo, colors: Colors): Command {
  const program = new Command('rollout-guard');
  program
    .description('Declare, watch and steer progressive feature-flag rollouts guarded by rollout-guard.')
    // Environment defaults are read here, not by commander, so that a token never shows in --help.
    .addOption(
      new Option(
        '-s, --server <url>',
        `collector base URL (env ROLLOUT_GUARD_SERVER, default ${DEFAULT_SERVER})`,
      ),
    )
    .addOption(
      new Option(
        '-t, --token <token>',
        'bearer token with scopes read, operate, admin (env ROLLOUT_GUARD_TOKEN)',
      ),
    )
    .addOption(new Option('-o, --output <format>', 'table, json or yaml').choices(OUTPUTS).default('table'))
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(colors.red(text)),
    });

  const options = () => {
    const given = program.opts<{ server?: string; token?: string; output: string }>();
    const token = given.token ?? io.env.ROLLOUT_GUARD_TOKEN;
    return {
      server: given.server ?? (io.env.ROLLOUT_GUARD_SERVER || DEFAULT_SERVER),
      output: given.output,
      ...(token === undefined || token === '' ? {} : { token }),
    };
  };
  const ctx: CliContext = {
    client: () => {
      const { server, token } = options();
      return createClient({
        server,
        ...(token === undefined ? {} : { token }),
        ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
      });
    },
    output: () => outputOf(options().output),
    colors,
    out: (text) => io.stdout.write(`${text}\n`),
    err: (text) => io.stderr.write(`${text}\n`),
    now: io.now ?? Date.now,
    sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    readFile: io.readFile ?? ((path) => readFileSync(path, 'utf8')),
    writeFile: io.writeFile ?? ((path, text) => writeFileSync(path, text)),
    isTTY: io.stdout.isTTY === true,
  };

  registerValidate(program, ctx);
  registerPlan(program, ctx);
  registerBacktest(program, ctx);
  registerApply(program, ctx);
  registerRollouts(program, ctx);
  registerActions(program, ctx);
  registerRemove(program, ctx);
  registerDecisions(program, ctx, () => options().server.replace(/\/+$/, ''));
  registerDeliveries(program, ctx);
  registerLog(program, ctx);
  registerEvidence(program, ctx);
  registerVersions(program, ctx);
  // Every subcommand reports errors the same way and has --help.
  for (const command of program.commands) {
    command
      .exitOverride()
      .configureOutput(program.configureOutput())
      .showHelpAfterError('(add --help for usage)');
  }
  return program;
}

/** Runs the CLI on `argv` (without node and the script) and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const colors = colorsFor(io.stderr, io.env);
  const program = buildProgram(io, colorsFor(io.stdout, io.env));
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help') return EXIT.usage;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`${colors.red('error:')} ${error.message}\n`);
      for (const line of error.details) io.stderr.write(`  ${line}\n`);
      return error.code;
    }
    io.stderr.write(`${colors.red('error:')} ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.server;
  }
}
