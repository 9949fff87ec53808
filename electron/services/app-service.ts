import type { AppInfo, HostKind } from '../../shared/ipc/contract';

export interface AppServiceDeps {
  readonly host: HostKind;
  readonly version: string;
  readonly profileDir: string;
  readonly electronVersion: string | null;
  readonly clock: () => number;
}

/** Answers what this launch is: which host, which version, where its profile lives. */
export function createAppService(deps: AppServiceDeps) {
  const startedAt = deps.clock();
  return {
    info(): AppInfo {
      return {
        name: 'Bulkhead',
        version: deps.version,
        host: deps.host,
        platform: `${process.platform}-${process.arch}`,
        nodeVersion: process.versions.node,
        electronVersion: deps.electronVersion,
        profileDir: deps.profileDir,
        startedAt,
      };
    },
    ping(nonce: string): { nonce: string; receivedAt: number } {
      return { nonce, receivedAt: deps.clock() };
    },
  };
}
export type AppService = ReturnType<typeof createAppService>;
