import type { ParseArgsConfig } from 'node:util';

/** What a command writes to and reads from; the real process in `main.ts`. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Whether stderr is a terminal, so progress may redraw one line instead of printing many. */
  readonly stderrIsTty: boolean;
}

/** The parsed flags a command receives, keyed by option name. */
export type CliValues = Readonly<
  Record<string, string | boolean | ReadonlyArray<string | boolean> | undefined>
>;

/** Everything a command gets: its parsed flags, the process streams and Ctrl+C. */
export interface CommandContext {
  readonly io: CliIo;
  readonly values: CliValues;
  readonly positionals: ReadonlyArray<string>;
  /** Aborted on Ctrl+C (SIGINT) or SIGTERM; long commands cancel their tasks on it. */
  readonly signal: AbortSignal;
}

/**
 * One `bulkhead <name>` subcommand.
 *
 * Each lives in its own file under `commands/` and is listed once in
 * `commands/index.ts`; the dispatcher in `run-cli.ts` does the parsing, the help and
 * the usage errors, so a command only declares its flags and does its work.
 */
export interface CliCommand {
  readonly name: string;
  /** One line for `bulkhead --help`. */
  readonly summary: string;
  /** The argument synopsis after the name, e.g. `[--json]`. */
  readonly synopsis: string;
  /** Lines describing each flag for `bulkhead <name> --help`. */
  readonly details: ReadonlyArray<string>;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments the command takes at most. */
  readonly maxPositionals: number;
  /** Runs the command; resolves to the process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** A mistake in how the command line was typed; exits 2 with a one-line message. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help the message points to; the global help when absent. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes shared by every command. */
export const exitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** A flag's text, trimmed; undefined when the flag is absent or blank. */
export function flagText(values: CliValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A flag's text, or a usage error of `command` naming the flag. */
export function requiredFlag(values: CliValues, name: string, command: string): string {
  const value = flagText(values, name);
  if (value === undefined) throw new UsageError(`${command} needs --${name}`, command);
  return value;
}

/** A repeatable flag's values, blank ones left out. */
export function flagList(value: CliValues[string]): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}
