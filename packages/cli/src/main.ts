import { runCli } from './program.ts';

// Ctrl-C during `status --watch` is the normal way out.
process.on('SIGINT', () => process.exit(0));

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
