import { describe, expect, it } from 'vitest';
import { outcomeText } from './format';
import type { SourceEntry } from './store';

const entry: SourceEntry = {
  loadId: 'load-1',
  name: 'audit.ndjson',
  sourceId: 'ab',
  format: 'github-audit',
  gzip: false,
  bytesRead: 0,
  totalBytes: 10,
  counts: { records: 0, events: 0, errors: 0, skipped: 0 },
  errors: [],
  outcome: null,
  restored: false,
  saved: null,
};

describe('outcomeText', () => {
  it('says a second load of the same file added nothing', () => {
    expect(outcomeText({ ...entry, outcome: { kind: 'duplicate', sameAs: 'audit.ndjson' } })).toBe(
      'Already loaded (same SHA-256 as audit.ndjson): added nothing.',
    );
  });

  it('counts events added and already held', () => {
    expect(outcomeText({ ...entry, outcome: { kind: 'loaded', added: 1, duplicates: 0 } })).toBe(
      'Loaded: 1 event added.',
    );
    expect(outcomeText({ ...entry, outcome: { kind: 'loaded', added: 3, duplicates: 2 } })).toBe(
      'Loaded: 3 events added, 2 already held.',
    );
  });

  it('names an unknown format and a running load', () => {
    expect(
      outcomeText({ ...entry, outcome: { kind: 'unknown-format', reason: 'the file is empty' } }),
    ).toBe('Unknown format: the file is empty.');
    expect(outcomeText({ ...entry, format: null })).toBe('Detecting the format…');
  });
});
