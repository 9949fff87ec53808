import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Container } from '../record-reader';
import { createStreamImporter } from '../importer';

const enc = new TextEncoder();

function run(text: string, container: Container) {
  const imp = createStreamImporter('cloudtrail', container, 'ct');
  const a = imp.push(enc.encode(text));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

const user = {
  type: 'IAMUser',
  principalId: 'AIDA1',
  arn: 'arn:aws:iam::111122223333:user/mallory',
  accountId: '111122223333',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  userName: 'mallory',
};

const records = [
  {
    eventVersion: '1.09',
    userIdentity: user,
    eventTime: '2025-02-03T04:05:06Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'DeleteObject',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.9',
    userAgent: 'aws-cli/2',
    requestParameters: { bucketName: 'backups', key: 'db/2025-02-01.dump' },
  },
  {
    userIdentity: user,
    eventTime: '2025-02-03T04:06:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'DeleteBucket',
    requestParameters: { bucketName: 'backups' },
    errorCode: 'AccessDenied',
  },
  {
    userIdentity: { type: 'AWSService', invokedBy: 'backup.amazonaws.com' },
    eventTime: '2025-02-03T04:07:00Z',
    eventSource: 'rds.amazonaws.com',
    eventName: 'DeleteDBSnapshot',
    requestParameters: { dBSnapshotIdentifier: 'nightly' },
  },
  {
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin/bob',
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: { sessionIssuer: { userName: 'AWSReservedSSO_Admin' } },
    },
    eventTime: '2025-02-03T06:08:00+02:00',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'TerminateInstances',
    requestParameters: { instancesSet: { items: [{ instanceId: 'i-0abc' }] } },
  },
  {
    userIdentity: user,
    eventTime: '2025-02-03T04:09:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
  },
  {
    userIdentity: user,
    eventTime: '2025-02-03T04:09:00Z',
    eventSource: 'rds.amazonaws.com',
    eventName: 'DeleteDBInstance',
    requestParameters: { dBInstanceIdentifier: 'prod' },
  },
];

describe('CloudTrail importer', () => {
  it('maps a Records file: credential, service principals, S3 keys, time zones, outcomes', () => {
    const { events, errors } = run(JSON.stringify({ Records: records }), 'json-records');
    expect(errors).toEqual([]);
    expect(
      events.map((e) => [
        e.action.provider,
        e.action.class,
        e.action.destructive,
        e.target?.key,
        e.outcome,
      ]),
    ).toEqual([
      ['DeleteObject', 'delete', true, 's3://backups/db/2025-02-01.dump', 'success'],
      ['DeleteBucket', 'delete', true, 's3://backups', 'denied'],
      ['DeleteDBSnapshot', 'delete', true, 'rds:snapshot/nightly', 'success'],
      ['TerminateInstances', 'delete', true, 'ec2:instance/i-0abc', 'success'],
      ['ListBuckets', 'read', false, undefined, 'success'],
      ['DeleteDBInstance', 'delete', true, 'rds:db/prod', 'success'],
    ]);
    expect(events[0]?.credential).toEqual({
      fingerprint: 'AKIAIOSFODNN7EXAMPLE',
      kind: 'aws-access-key',
      scopes: [],
      type: 'IAMUser',
    });
    expect(events[0]?.actor).toEqual({ kind: 'human', id: user.arn, name: 'mallory' });
    expect(events[2]?.actor.kind).toBe('service');
    expect(events[2]?.credential).toBeNull();
    expect(events[3]?.time).toBe(Date.UTC(2025, 1, 3, 4, 8, 0));
    expect(events[3]?.actor.kind).toBe('human');
    expect(events.map((e) => e.raw.line)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads single records per line and reports missing fields', () => {
    const lines = [
      JSON.stringify(records[0]),
      JSON.stringify({ eventName: 'X', eventTime: '2025-01-01T00:00:00Z' }),
      '{"eventName":"X"}',
    ];
    const { events, errors } = run(lines.join('\n'), 'ndjson');
    expect(events).toHaveLength(1);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'userIdentity: missing or invalid'],
      [3, 'eventTime: missing or invalid'],
    ]);
  });

  it('never throws and counts every record (fuzz)', () => {
    const rec = fc.record(
      {
        eventTime: fc.oneof(fc.constant('2025-01-01T00:00:00Z'), fc.string(), fc.integer()),
        eventName: fc.oneof(
          fc.constantFrom('DeleteBucket', 'GetObject'),
          fc.string(),
          fc.integer(),
        ),
        userIdentity: fc.oneof(
          fc.record(
            { type: fc.string(), arn: fc.string(), accessKeyId: fc.string() },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
        requestParameters: fc.jsonValue(),
        resources: fc.jsonValue(),
        errorCode: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 15 }), (recs) => {
        const { events, counts } = run(JSON.stringify({ Records: recs }), 'json-records');
        expect(counts.records).toBe(recs.length);
        expect(counts.events + counts.errors).toBe(recs.length);
        expect(events).toHaveLength(counts.events);
      }),
      { numRuns: 300 },
    );
  });
});
