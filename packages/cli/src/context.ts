import type { ApiClient } from './client.ts';
import type { Colors } from './colors.ts';
import type { Output } from './output.ts';

/** What every command gets: the API client for the global options, the output format and the streams. */
export interface CliContext {
  client(): ApiClient;
  output(): Output;
  colors: Colors;
  out(text: string): void;
  err(text: string): void;
  now(): number;
  /** Resolves after `ms`, or at once when the command is being stopped (Ctrl-C during --watch). */
  sleep(ms: number): Promise<void>;
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  /** True on a terminal: --watch redraws the screen instead of printing one view after another. */
  isTTY: boolean;
}
