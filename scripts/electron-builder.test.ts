import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Reads electron-builder.yml back through electron-builder's own loader and schema, and
// checks the packaging security settings against @electron/fuses' list of fuses, the
// same module electron-builder flips them with.
const root = path.resolve(import.meta.dirname, '..');
const requireFromRoot = createRequire(path.join(root, 'package.json'));
const requireFromBuilder = createRequire(requireFromRoot.resolve('app-builder-lib'));

interface BuilderConfig {
  readonly appId?: string;
  readonly productName?: string;
  readonly asar?: boolean;
  /** Normalized by the loader to `[{ filter: [...] }]`. */
  readonly files?: ReadonlyArray<string | { readonly filter?: ReadonlyArray<string> }>;
  readonly electronFuses?: Readonly<Record<string, boolean | undefined>>;
  readonly linux?: {
    target?: ReadonlyArray<string>;
    category?: string;
    maintainer?: string;
    icon?: string;
  };
  readonly mac?: { target?: ReadonlyArray<string>; hardenedRuntime?: boolean; icon?: string };
  readonly win?: { target?: ReadonlyArray<string>; icon?: string };
}

const configModule = requireFromBuilder('app-builder-lib/out/util/config/config.js') as {
  getConfig(
    projectDir: string,
    configPath: string | null,
    fromOptions: null,
  ): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = requireFromBuilder('builder-util') as {
  DebugLogger: new (enabled: boolean) => unknown;
};
const { PlatformPackager } = requireFromBuilder('app-builder-lib') as {
  PlatformPackager: {
    prototype: { generateFuseConfig(fuses: unknown): Promise<Record<string, unknown>> };
  };
};
const { FuseV1Options } = requireFromBuilder('@electron/fuses') as {
  FuseV1Options: Record<string, string | number>;
};

/**
 * The secure value of every fuse @electron/fuses knows. A fuse added by a later
 * Electron is not in this table, and the first test then fails until it is decided.
 */
const secureFuses: Readonly<Record<string, boolean>> = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
};

const fuseNames = Object.keys(FuseV1Options).filter((key) => Number.isNaN(Number(key)));
/** electron-builder names each fuse option after the enum member, lower camel case. */
const optionName = (fuse: string) => fuse.charAt(0).toLowerCase() + fuse.slice(1);

async function loadConfig(): Promise<BuilderConfig> {
  return configModule.getConfig(root, null, null);
}

describe('electron-builder.yml', () => {
  it('has a decision for every fuse @electron/fuses lists', () => {
    expect(fuseNames.length).toBeGreaterThanOrEqual(8);
    expect([...fuseNames].sort()).toEqual(Object.keys(secureFuses).sort());
  });

  it('passes electron-builder schema validation', async () => {
    const config = await loadConfig();
    await expect(
      // Validation normalizes the object it is given; keep the loaded one as written.
      configModule.validateConfiguration(structuredClone(config), new DebugLogger(false)),
    ).resolves.toBeUndefined();
  });

  it('sets every fuse explicitly to its secure value', async () => {
    const config = await loadConfig();
    const fuses = config.electronFuses ?? {};
    for (const fuse of fuseNames) {
      expect(fuses[optionName(fuse)], fuse).toBe(secureFuses[fuse]);
    }
  });

  it('makes electron-builder flip every fuse in the wire', async () => {
    const config = await loadConfig();
    const wire = await PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses);
    for (const fuse of fuseNames) {
      expect(wire[String(FuseV1Options[fuse])], fuse).toBe(secureFuses[fuse]);
    }
  });

  it('packages the build output in an asar for every platform', async () => {
    const config = await loadConfig();
    expect(config.appId).toBe('dev.bulkhead.console');
    expect(config.productName).toBe('Bulkhead');
    expect(config.asar).toBe(true);
    const patterns = (config.files ?? []).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : (entry.filter ?? []),
    );
    expect(patterns).toEqual(expect.arrayContaining(['dist/**/*', 'package.json']));
    expect(config.linux?.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux?.category).toBe('Development');
    expect(config.linux?.maintainer).toMatch(/<.+@.+>/);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(config.win?.target).toEqual(['nsis']);
  });

  it('points every platform at a 512x512 PNG icon that exists', async () => {
    const config = await loadConfig();
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(icon).toBe('resources/icons/icon.png');
    }
    const png = readFileSync(path.join(root, 'resources', 'icons', 'icon.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(512); // IHDR width
    expect(png.readUInt32BE(20)).toBe(512); // IHDR height
    expect(readFileSync(path.join(root, 'resources', 'icons', 'icon.svg'), 'utf8')).toContain(
      '<svg',
    );
  });
});
