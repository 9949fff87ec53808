import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamImporter } from '../importer';

const enc = new TextEncoder();

function run(lines: ReadonlyArray<unknown>) {
  const imp = createStreamImporter('k8s-audit', 'ndjson', 'k8s');
  const a = imp.push(enc.encode(lines.map((l) => JSON.stringify(l)).join('\n')));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

const ev = (over: Record<string, unknown>) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'a1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/persistentvolumeclaims/data',
  verb: 'delete',
  user: {
    username: 'system:serviceaccount:ci:deployer',
    groups: ['system:serviceaccounts', 'system:authenticated'],
  },
  sourceIPs: ['10.0.0.7'],
  objectRef: {
    resource: 'persistentvolumeclaims',
    namespace: 'prod',
    name: 'data',
    apiVersion: 'v1',
  },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2025-04-01T10:00:00.123456Z',
  stageTimestamp: '2025-04-01T10:00:00.200000Z',
  ...over,
});

describe('Kubernetes audit importer', () => {
  it('maps verb, user, object and status', () => {
    const { events, errors, counts } = run([
      ev({}),
      ev({ stage: 'RequestReceived' }),
      ev({ verb: 'get', user: { username: 'alice@example.com' }, responseStatus: { code: 403 } }),
      ev({ verb: 'deletecollection', objectRef: { resource: 'namespaces', name: 'prod' } }),
      ev({
        verb: 'create',
        objectRef: { resource: 'pods', namespace: 'prod', name: 'web', subresource: 'exec' },
        responseStatus: undefined,
      }),
    ]);
    expect(errors).toEqual([]);
    expect(counts.skipped).toEqual({ 'k8s:stage:RequestReceived': 1 });
    expect(
      events.map((e) => [
        e.action.provider,
        e.action.class,
        e.action.destructive,
        e.target?.kind,
        e.target?.key,
        e.outcome,
      ]),
    ).toEqual([
      [
        'delete',
        'delete',
        true,
        'k8s:persistentvolumeclaims',
        'prod/persistentvolumeclaims/data',
        'success',
      ],
      [
        'get',
        'read',
        false,
        'k8s:persistentvolumeclaims',
        'prod/persistentvolumeclaims/data',
        'denied',
      ],
      ['deletecollection', 'delete', true, 'k8s:namespaces', '_cluster/namespaces/prod', 'success'],
      ['create', 'execute', false, 'k8s:pods/exec', 'prod/pods/web', 'unknown'],
    ]);
    expect(events[0]?.time).toBe(Date.UTC(2025, 3, 1, 10, 0, 0, 123));
    expect(events[0]?.actor.kind).toBe('service');
    expect(events[1]?.actor).toEqual({
      kind: 'human',
      id: 'alice@example.com',
      name: 'alice@example.com',
    });
    expect(events[0]?.credential).toEqual({
      fingerprint: 'system:serviceaccount:ci:deployer',
      kind: 'k8s-identity',
      scopes: ['system:serviceaccounts', 'system:authenticated'],
    });
  });

  it('reports missing fields', () => {
    const { errors } = run([
      ev({ verb: undefined }),
      ev({ user: {} }),
      ev({ requestReceivedTimestamp: 'x', stageTimestamp: undefined }),
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'verb: missing or invalid',
      'user.username: missing or invalid',
      'requestReceivedTimestamp: missing or invalid',
    ]);
  });

  it('never throws and counts every record (fuzz)', () => {
    const rec = fc.record(
      {
        verb: fc.oneof(fc.constantFrom('delete', 'get', 'patch'), fc.jsonValue()),
        user: fc.oneof(
          fc.record({ username: fc.jsonValue(), groups: fc.jsonValue() }, { requiredKeys: [] }),
          fc.jsonValue(),
        ),
        objectRef: fc.jsonValue(),
        responseStatus: fc.jsonValue(),
        stage: fc.jsonValue(),
        requestReceivedTimestamp: fc.oneof(fc.constant('2025-01-01T00:00:00Z'), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 15 }), (recs) => {
        const { events, counts } = run(recs);
        const skipped = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
        expect(counts.records).toBe(recs.length);
        expect(counts.events + counts.errors + skipped).toBe(recs.length);
        expect(events).toHaveLength(counts.events);
      }),
      { numRuns: 300 },
    );
  });
});
