import { parseArgs } from 'node:util';
import { appVersion } from '../services/host-setup';
import { UsageError, exitCodes, type CliCommand, type CliIo, type CliValues } from './command';

/**
 * Runs one `bulkhead ...` command line and resolves to its exit code.
 *
 * Owns everything the commands share: finding the command, parsing its flags strictly
 * with `util.parseArgs`, `--help` at every level, and turning mistakes into one-line
 * messages with exit code 2. Never throws: an unexpected error is one line and exit 1.
 */
export async function runCli(
  argv: ReadonlyArray<string>,
  commands: ReadonlyArray<CliCommand>,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr(globalHelp(commands));
      return exitCodes.usage;
    }
    if (first === '--help' || first === '-h') {
      io.stdout(globalHelp(commands));
      return exitCodes.ok;
    }
    if (first === 'help') {
      const topic = rest[0];
      if (topic === undefined) {
        io.stdout(globalHelp(commands));
        return exitCodes.ok;
      }
      io.stdout(commandHelp(findCommand(commands, topic)));
      return exitCodes.ok;
    }
    if (first === '--version' || first === '-V') {
      io.stdout(`bulkhead ${appVersion}\n`);
      return exitCodes.ok;
    }
    if (first.startsWith('-')) {
      throw new UsageError(`expected a command before ${first}`);
    }

    const command = findCommand(commands, first);
    const parsed = parseCommandArgs(command, rest);
    if (parsed.values.help === true) {
      io.stdout(commandHelp(command));
      return exitCodes.ok;
    }
    return await command.run({
      io,
      values: parsed.values,
      positionals: parsed.positionals,
      signal,
    });
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      const help = error.command ? `bulkhead ${error.command} --help` : 'bulkhead --help';
      io.stderr(`bulkhead: ${error.message} (see '${help}')\n`);
      return exitCodes.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`bulkhead: ${message.split('\n')[0]}\n`);
    return exitCodes.failed;
  }
}

function findCommand(commands: ReadonlyArray<CliCommand>, name: string): CliCommand {
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(`unknown command '${name}'`);
  return command;
}

function parseCommandArgs(
  command: CliCommand,
  args: ReadonlyArray<string>,
): { values: CliValues; positionals: ReadonlyArray<string> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error: unknown) {
    // parseArgs words its errors for developers ("... To specify a positional argument
    // starting with a '-' ..."); keep its first sentence, which names the flag.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${command.name}: ${firstSentence(message)}`, command.name);
  }
  if (parsed.values.help !== true && parsed.positionals.length > command.maxPositionals) {
    const extra = parsed.positionals.slice(command.maxPositionals).join(' ');
    throw new UsageError(`${command.name}: unexpected argument '${extra}'`, command.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  const end = line.search(/\.\s/);
  return (end === -1 ? line : line.slice(0, end)).replace(/\.$/, '');
}

/** The text of `bulkhead --help`. */
export function globalHelp(commands: ReadonlyArray<CliCommand>): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = [
    `bulkhead ${appVersion}: incident response and restore for damage done by autonomous agents`,
    '',
    'Usage: bulkhead <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: bulkhead help <command>, bulkhead <command> --help)',
    '  -V, --version  print the version',
    '',
    'Exit codes: 0 ok, 1 failed, 2 usage error.',
  ];
  return `${lines.join('\n')}\n`;
}

/** The text of `bulkhead <command> --help`. */
export function commandHelp(command: CliCommand): string {
  const lines = [
    `Usage: bulkhead ${command.name} ${command.synopsis}`.trimEnd(),
    '',
    command.summary,
    ...(command.details.length > 0 ? ['', ...command.details.map((line) => `  ${line}`)] : []),
  ];
  return `${lines.join('\n')}\n`;
}
