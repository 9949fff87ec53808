import { createDispatcher, type Dispatcher } from '../../shared/ipc/registry';
import type { HostKind } from '../../shared/ipc/contract';
import { createHandlers } from './handlers';
import type { SafeStorageLike } from './vault/secret-box';
import packageJson from '../../package.json' with { type: 'json' };

export interface HostSetup {
  readonly host: HostKind;
  readonly profileDir: string;
  readonly electronVersion: string | null;
  /** Where internal errors go; defaults to stderr. Never receives request payloads. */
  readonly logError?: (message: string) => void;
  /**
   * Electron's `safeStorage` (the OS keychain), from `main.ts` only: the credential
   * vault is sealed with it. Other hosts seal the vault with a passphrase.
   */
  readonly safeStorage?: SafeStorageLike;
  /** Serve the embedded demo incident, generated into `<profile>/demo` on first run. */
  readonly demo?: boolean;
}

/** The dispatcher every host serves: all services, wired the same way everywhere. */
export function createHostDispatcher(setup: HostSetup): Dispatcher {
  const clock = () => Date.now();
  const logError =
    setup.logError ?? ((message: string) => process.stderr.write(`bulkhead: ${message}\n`));
  const { handlers, shutdown } = createHandlers({
    host: setup.host,
    version: packageJson.version,
    profileDir: setup.profileDir,
    electronVersion: setup.electronVersion,
    clock,
    ...(setup.safeStorage ? { safeStorage: setup.safeStorage } : {}),
    demo: setup.demo === true,
    logError,
  });
  return createDispatcher(handlers, {
    onShutdown: shutdown,
    clock,
    logError,
  });
}

export const appVersion: string = packageJson.version;
