import type { CliCommand } from '../command';
import { catalogCommand } from './catalog';
import { demoCommand } from './demo';
import { diffCommand } from './diff';
import { doctorCommand } from './doctor';
import { ingestCommand } from './ingest';
import { keysCommand } from './keys';
import { restoreCommand } from './restore';
import { sandboxCommand } from './sandbox';
import { snapshotCommand } from './snapshot';
import { vaultCommand } from './vault';
import { versionCommand } from './version';

/**
 * Every `bulkhead` subcommand, in the order `--help` lists them.
 *
 * A new command is one file in this folder and one line here; parsing, help and
 * errors are shared by all of them.
 */
export const commands: ReadonlyArray<CliCommand> = [
  versionCommand,
  doctorCommand,
  sandboxCommand,
  keysCommand,
  snapshotCommand,
  catalogCommand,
  ingestCommand,
  diffCommand,
  restoreCommand,
  vaultCommand,
  demoCommand,
];
