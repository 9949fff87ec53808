import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventStore } from '../ingest/columnar/event-store';
import { arbitraryEvent } from '../ingest/columnar/test-events';
import type { NormalizedEvent } from '../ingest/event';
import {
  checkIsolation,
  checkOverride,
  credentialUses,
  expandScope,
  isolationOverridePhrase,
  leastPrivilege,
  noTrailWarning,
  type IsolationCredential,
  type TrailCredentialUse,
} from './isolation';

const t0 = Date.parse('2026-02-03T09:00:00Z');
const agentHash = 'qV3mJvM1sJ1xS6k9m1t0yJ2wG7oQm8mO4b5d1pG3Tn0=';
const restoreHash = 'Zm9yIHRoZSByZXN0b3JlIG9ubHksIG5ldmVyIHVzZWQ=';

function event(
  seconds: number,
  options: {
    fingerprint?: string | null;
    actor?: string;
    destructive?: boolean;
    session?: string;
    kind?: 'github-token' | 'aws-access-key';
  } = {},
): NormalizedEvent {
  const fingerprint = options.fingerprint === undefined ? agentHash : options.fingerprint;
  return {
    time: t0 + seconds * 1000,
    format: options.session ? 'claude-code' : 'github-audit',
    actor: {
      kind: 'bot',
      id: options.actor ?? 'deploy-agent',
      name: options.actor ?? 'deploy-agent',
    },
    credential:
      fingerprint === null
        ? null
        : { fingerprint, kind: options.kind ?? 'github-token', scopes: ['repo'] },
    action: {
      provider: 'repo.destroy',
      class: 'delete',
      destructive: options.destructive ?? false,
    },
    target: { kind: 'repository', key: 'acme/api' },
    outcome: 'success',
    agent: options.session
      ? {
          session: options.session,
          model: null,
          toolCallId: null,
          toolName: null,
          toolInput: null,
          promptExcerpt: null,
          approval: null,
          rejected: false,
          isError: false,
        }
      : null,
    raw: { sourceId: 'f'.repeat(64), line: seconds + 1, offset: seconds * 100, length: 90 },
  };
}

function storeOf(events: ReadonlyArray<NormalizedEvent>, chunkCapacity = 4): EventStore {
  const store = new EventStore({ chunkCapacity });
  store.add(events);
  return store;
}

const restoreToken: IsolationCredential = {
  id: 'cred_000000000000000000000001',
  label: 'restore bot',
  fingerprint: restoreHash,
  fingerprintKind: 'github-hashed-token',
};
const agentToken: IsolationCredential = {
  id: 'cred_000000000000000000000002',
  label: 'deploy token',
  fingerprint: agentHash,
  fingerprintKind: 'github-hashed-token',
};
const source = { id: 'f'.repeat(64), name: 'audit.ndjson', events: 10 };

describe('credentialUses', () => {
  it('counts events, destructive ones, actors by frequency, sessions, first and last time', () => {
    const store = storeOf([
      event(0, { destructive: true }),
      event(5, { actor: 'alice' }),
      event(1, { destructive: true }),
      event(9, { fingerprint: 'AKIAEXAMPLE', kind: 'aws-access-key', actor: 'arn:role' }),
      event(3, { session: 'sess-1' }),
      event(7, { fingerprint: null }),
    ]);
    const uses = credentialUses(store, {
      sessions: [{ session: 'sess-2', credentials: [agentHash] }],
    });
    expect(uses).toEqual([
      {
        fingerprint: 'AKIAEXAMPLE',
        kind: 'aws-access-key',
        events: 1,
        destructive: 0,
        actors: ['arn:role'],
        sessions: [],
        firstSeen: t0 + 9000,
        lastSeen: t0 + 9000,
        sourceIds: ['f'.repeat(64)],
      },
      {
        fingerprint: agentHash,
        kind: 'github-token',
        events: 4,
        destructive: 2,
        actors: ['deploy-agent', 'alice'],
        sessions: ['sess-1', 'sess-2'],
        firstSeen: t0,
        lastSeen: t0 + 5000,
        sourceIds: ['f'.repeat(64)],
      },
    ]);
  });

  it('agrees with a naive count over random stores', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEvent(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 9 }),
        (events, cap) => {
          const store = storeOf(events, cap);
          const held: NormalizedEvent[] = [];
          for (let row = 0; row < store.size; row++) held.push(store.get(row));
          const uses = credentialUses(store);
          const withCredential = held.filter((e) => e.credential !== null);
          expect(uses.reduce((n, u) => n + u.events, 0)).toBe(withCredential.length);
          for (const use of uses) {
            const mine = withCredential.filter(
              (e) => e.credential!.fingerprint === use.fingerprint,
            );
            expect(use.events).toBe(mine.length);
            expect(use.destructive).toBe(mine.filter((e) => e.action.destructive).length);
            expect(use.firstSeen).toBe(Math.min(...mine.map((e) => e.time)));
            expect(use.lastSeen).toBe(Math.max(...mine.map((e) => e.time)));
            expect([...use.actors].sort()).toEqual(
              [...new Set(mine.map((e) => e.actor.id))].sort(),
            );
            expect(use.kind).toBe(mine[0]!.credential!.kind);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('checkIsolation', () => {
  const uses = credentialUses(
    storeOf([
      event(0, { destructive: true }),
      event(60, { actor: 'alice', destructive: true }),
      event(125, { session: 'sess-7f3a' }),
    ]),
  );

  it('accepts a credential the trails never name', () => {
    const verdict = checkIsolation([restoreToken], uses, [source]);
    expect(verdict).toMatchObject({ ok: true, reason: 'isolated', conflicts: [], warnings: [] });
    expect(verdict.sourcesChecked).toEqual([source]);
    expect(isolationOverridePhrase(verdict)).toBeNull();
    expect(checkOverride(verdict, '')).toEqual({ accepted: true, acknowledgement: null });
  });

  it('refuses a credential the agent used, and says who, when and how destructive', () => {
    const verdict = checkIsolation([restoreToken, agentToken], uses, [source]);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe('shared');
    expect(verdict.conflicts).toHaveLength(1);
    const conflict = verdict.conflicts[0]!;
    expect(conflict).toMatchObject({ credentialId: agentToken.id, fingerprint: agentHash });
    expect(conflict.explanation).toBe(
      'Restore credential "deploy token" (hashed_token qV3mJvM1sJ1x…) appears in the loaded trails: ' +
        'used 3 times by deploy-agent and alice, in agent session sess-7f3a, ' +
        'from 2026-02-03 09:00:00 UTC to 2026-02-03 09:02:05 UTC, including 2 destructive events. ' +
        'Whoever held it during the incident may still hold it: restore with a credential created after the incident and never given to the agent.',
    );
  });

  it('needs the exact phrase to override, and hands the journal what was accepted', () => {
    const verdict = checkIsolation([{ ...agentToken, label: 'deploy \n token' }], uses, [source]);
    const phrase = isolationOverridePhrase(verdict);
    expect(phrase).toBe('I accept the risk of using deploy token');
    expect(checkOverride(verdict, 'i accept the risk of using deploy token')).toEqual({
      accepted: false,
      expected: phrase,
    });
    expect(checkOverride(verdict, `  ${phrase}\n`)).toEqual({
      accepted: true,
      acknowledgement: {
        reason: 'shared',
        phrase,
        credentialIds: [agentToken.id],
        fingerprints: [agentHash],
      },
    });
  });

  it('is not ok without a trail, for a reason of its own', () => {
    for (const sources of [[], [{ ...source, events: 0 }]]) {
      const verdict = checkIsolation([restoreToken], [], sources);
      expect(verdict).toMatchObject({ ok: false, reason: 'no-trail', warnings: [noTrailWarning] });
      expect(isolationOverridePhrase(verdict)).toBe(
        'I accept the risk of restoring without an isolation proof',
      );
      const check = checkOverride(
        verdict,
        'I accept the risk of restoring without an isolation proof',
      );
      expect(check).toMatchObject({
        accepted: true,
        acknowledgement: { reason: 'no-trail', credentialIds: [restoreToken.id] },
      });
    }
  });

  it('warns about what it could not compare, without refusing', () => {
    const etcd: IsolationCredential = {
      id: 'cred_000000000000000000000003',
      label: 'config writer',
      fingerprint: 'restore@http://127.0.0.1:2379',
      fingerprintKind: 'etcd-user',
    };
    const s3: IsolationCredential = {
      id: 'cred_000000000000000000000004',
      label: 'catalog reader',
      fingerprint: 'AKIAREADONLY',
      fingerprintKind: 'aws-access-key-id',
    };
    const withTokenId = credentialUses(
      storeOf([
        event(0),
        event(1, { fingerprint: 'token_id:77' }),
        event(2, { fingerprint: 'token_id:77' }),
      ]),
    );
    const verdict = checkIsolation([restoreToken, etcd, s3], withTokenId, [source]);
    expect(verdict.ok).toBe(true);
    expect(verdict.warnings).toEqual([
      '"config writer": no trail format records etcd users, so its isolation rests on how it was issued',
      '"catalog reader": no loaded trail names AWS access keys, so it was not compared with any',
      '2 GitHub events (1 token) name their token by token_id only, without hashed_token; the restore token cannot be compared with them',
    ]);
  });

  it('never accepts a credential whose fingerprint the trails name (property)', () => {
    const arbUse = fc.record({
      fingerprint: fc.string({ minLength: 1, maxLength: 12 }),
      kind: fc.constantFrom('github-token' as const, 'aws-access-key' as const),
      events: fc.integer({ min: 1, max: 1000 }),
      destructive: fc.nat(5),
      actors: fc.array(fc.string({ maxLength: 8 }), { maxLength: 8 }),
      sessions: fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
      firstSeen: fc.integer({ min: 0, max: 2e12 }),
      lastSeen: fc.integer({ min: 0, max: 2e12 }),
      sourceIds: fc.constant([]),
    }) satisfies fc.Arbitrary<TrailCredentialUse>;
    fc.assert(
      fc.property(
        fc.array(arbUse, { minLength: 1, maxLength: 6 }),
        fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 4 }),
        fc.nat(),
        fc.nat(20),
        (uses, others, pick, sourceEvents) => {
          const used = uses[pick % uses.length]!.fingerprint;
          const credentials: IsolationCredential[] = [used, ...others].map((fingerprint, i) => ({
            id: `cred_${String(i).padStart(24, '0')}`,
            label: `credential ${i}`,
            fingerprint,
            fingerprintKind: 'github-hashed-token',
          }));
          const verdict = checkIsolation(credentials, uses, [{ ...source, events: sourceEvents }]);
          expect(verdict.ok).toBe(false);
          expect(verdict.conflicts.map((c) => c.fingerprint)).toContain(used);
          const fingerprints = new Set(uses.map((u) => u.fingerprint));
          for (const c of credentials) {
            expect(verdict.conflicts.some((x) => x.credentialId === c.id)).toBe(
              fingerprints.has(c.fingerprint),
            );
          }
          // Only the exact phrase overrides.
          const phrase = isolationOverridePhrase(verdict)!;
          expect(checkOverride(verdict, phrase).accepted).toBe(true);
          expect(checkOverride(verdict, phrase.slice(0, -1)).accepted).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('leastPrivilege', () => {
  it('counts scopes a broader one includes as held', () => {
    expect(leastPrivilege(['repo'], ['public_repo', 'repo:status'])).toEqual({
      ok: true,
      missing: [],
      excess: [],
      broader: ['repo'],
      unknown: false,
    });
    expect(leastPrivilege(['admin:org'], ['read:org']).ok).toBe(true);
    expect(expandScope('admin:org')).toEqual(
      new Set(['admin:org', 'write:org', 'read:org', 'manage_runners:org']),
    );
  });

  it('names what is missing and what is more than the plan needs', () => {
    expect(
      leastPrivilege(['repo', 'delete_repo', 'admin:org', 'public_repo'], ['repo', 'workflow']),
    ).toEqual({
      ok: false,
      missing: ['workflow'],
      excess: ['admin:org', 'delete_repo'],
      broader: [],
      unknown: false,
    });
    // workflow and delete_repo stand alone: repo includes neither.
    expect(leastPrivilege(['repo'], ['workflow', 'delete_repo']).missing).toEqual([
      'delete_repo',
      'workflow',
    ]);
    expect(leastPrivilege(['public_repo'], ['repo']).missing).toEqual(['repo']);
  });

  it('says unknown for a fine-grained token instead of guessing', () => {
    expect(leastPrivilege(null, ['repo'])).toEqual({
      ok: false,
      missing: [],
      excess: [],
      broader: [],
      unknown: true,
    });
  });

  it('holds a need exactly when some held scope includes it (property)', () => {
    const scopes = [
      'repo',
      'public_repo',
      'repo:status',
      'admin:org',
      'write:org',
      'read:org',
      'workflow',
      'delete_repo',
      'user',
      'read:user',
    ];
    fc.assert(
      fc.property(fc.subarray(scopes), fc.subarray(scopes), (held, needed) => {
        const report = leastPrivilege(held, needed);
        for (const need of needed) {
          const coveredBy = held.some((h) => expandScope(h).has(need));
          expect(report.missing.includes(need)).toBe(!coveredBy);
        }
        expect(report.ok).toBe(report.missing.length === 0);
        for (const scope of report.excess) expect(held).toContain(scope);
      }),
    );
  });
});
