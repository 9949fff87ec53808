import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamImporter } from '../importer';

const enc = new TextEncoder();

function run(lines: ReadonlyArray<unknown>) {
  const imp = createStreamImporter('gitlab-audit', 'ndjson', 'gl');
  const a = imp.push(enc.encode(lines.map((l) => JSON.stringify(l)).join('\n')));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

describe('GitLab audit importer', () => {
  it('maps the log file and the API shapes', () => {
    const { events, errors } = run([
      {
        severity: 'INFO',
        time: '2025-06-01T10:00:00.000Z',
        author_id: 12,
        author_name: 'Mallory',
        entity_id: 7,
        entity_type: 'Project',
        entity_path: 'acme/api',
        event_name: 'protected_branch_removed',
        target_type: 'ProtectedBranch',
        target_id: 3,
        target_details: 'main',
        meta: { remote_ip: '1.2.3.4', caller_id: 'ProjectsController#destroy' },
      },
      {
        id: 99,
        author_id: 13,
        entity_id: 7,
        entity_type: 'Project',
        created_at: '2025-06-01T12:00:00.000+02:00',
        details: {
          author_name: 'project_7_bot_abc',
          change: 'access_level',
          from: 'Developer',
          to: 'Maintainer',
          entity_path: 'acme/api',
          target_type: 'User',
          target_details: 'eve',
        },
      },
      {
        time: '2025-06-01T10:05:00Z',
        author_id: 12,
        author_name: 'Mallory',
        entity_type: 'Project',
        entity_path: 'acme/api',
        event_name: 'ci_variable_deleted',
        target_type: 'Ci::Variable',
        target_details: 'AWS_SECRET',
        token_id: 55,
        token_scopes: ['api'],
      },
    ]);
    expect(errors).toEqual([]);
    expect(
      events.map((e) => [
        e.action.provider,
        e.action.class,
        e.action.destructive,
        e.target?.kind,
        e.target?.key,
      ]),
    ).toEqual([
      ['protected_branch_removed', 'delete', true, 'ref', 'acme/api@refs/heads/main'],
      ['change:access_level', 'permission', false, 'repository', 'acme/api'],
      ['ci_variable_deleted', 'delete', true, 'variable', 'acme/api:variable:AWS_SECRET'],
    ]);
    expect(events[1]?.time).toBe(Date.UTC(2025, 5, 1, 10, 0, 0));
    expect(events[1]?.actor.kind).toBe('bot');
    expect(events[0]?.actor).toEqual({ kind: 'human', id: '12', name: 'Mallory' });
    expect(events[2]?.credential).toEqual({
      fingerprint: 'gitlab-token:55',
      kind: 'gitlab-token',
      scopes: ['api'],
    });
  });

  it('reports missing fields', () => {
    const { errors } = run([
      { author_id: 1 },
      { time: '2025-01-01T00:00:00Z' },
      { time: '2025-01-01T00:00:00Z', author_id: 1 },
    ]);
    expect(errors.map((e) => e.message.split(':')[0])).toEqual([
      'time/created_at',
      'author_id/author_name',
      'event_name/change/custom_message',
    ]);
  });

  it('never throws and counts every record (fuzz)', () => {
    const rec = fc.record(
      {
        time: fc.oneof(fc.constant('2025-01-01T00:00:00Z'), fc.jsonValue()),
        author_id: fc.jsonValue(),
        author_name: fc.jsonValue(),
        entity_type: fc.jsonValue(),
        entity_path: fc.jsonValue(),
        event_name: fc.jsonValue(),
        change: fc.jsonValue(),
        details: fc.jsonValue(),
        target_type: fc.jsonValue(),
        target_details: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 15 }), (recs) => {
        const { events, counts } = run(recs);
        expect(counts.records).toBe(recs.length);
        expect(counts.events + counts.errors).toBe(recs.length);
        expect(events).toHaveLength(counts.events);
      }),
      { numRuns: 300 },
    );
  });
});
