import { AppInfo } from '../../../shared/ipc/contract';
import { createHostDispatcher } from '../../services/host-setup';
import { defaultProfileDir } from '../../services/profile';
import { exitCodes, type CliCommand } from '../command';

/**
 * `bulkhead version`: the version, for humans or (`--json`) for scripts.
 *
 * Answered through the contract's `app:info` call, so the command line reports exactly
 * what the app's About view does.
 */
export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the version of Bulkhead',
  synopsis: '[--json]',
  details: ['--json   print name, version, platform and Node version as JSON'],
  options: { json: { type: 'boolean' } },
  maxPositionals: 0,
  async run({ io, values }) {
    const dispatcher = createHostDispatcher({
      host: 'cli',
      profileDir: defaultProfileDir(io.env),
      electronVersion: null,
      logError: (message) => io.stderr(`bulkhead: ${message}\n`),
    });
    const envelope = await dispatcher.invoke('app:info', {});
    if (!envelope.ok) {
      io.stderr(`bulkhead: ${envelope.error.message}\n`);
      return exitCodes.failed;
    }
    const info = AppInfo.parse(envelope.value);
    if (values.json === true) {
      const { name, version, platform, nodeVersion } = info;
      io.stdout(`${JSON.stringify({ name, version, platform, nodeVersion }, null, 2)}\n`);
    } else {
      io.stdout(`bulkhead ${info.version}\n`);
    }
    return exitCodes.ok;
  },
};
