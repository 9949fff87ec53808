import { describe, expect, it } from 'vitest';
import {
  latestWorkspaceVersion,
  migrateThemeValueToV2,
  workspaceSchemaHistory,
} from './workspace-db';

describe('migrateThemeValueToV2', () => {
  it('keeps the meaning of the words v1 wrote', () => {
    expect(migrateThemeValueToV2('dark')).toEqual({ mode: 'dark' });
    expect(migrateThemeValueToV2(' Light ')).toEqual({ mode: 'light' });
    expect(migrateThemeValueToV2('auto')).toEqual({ mode: 'system' });
  });

  it('falls back to system for anything else, and leaves v2 values alone', () => {
    expect(migrateThemeValueToV2('solarized')).toEqual({ mode: 'system' });
    expect(migrateThemeValueToV2(42)).toEqual({ mode: 'system' });
    expect(migrateThemeValueToV2({ mode: 'dark' })).toBeUndefined();
  });
});

describe('workspaceSchemaHistory', () => {
  it('lists versions in order, ending at the latest', () => {
    const versions = workspaceSchemaHistory.map((s) => s.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.at(-1)).toBe(latestWorkspaceVersion);
  });
});
