/**
 * AWS CloudTrail records, from `{"Records":[...]}` files or one record per line.
 *
 * `userIdentity.accessKeyId` is the credential: the key that can be matched against the keys
 * a restore holds, and the one to revoke.
 */
import type {
  ActionClass,
  ActorKind,
  EventTarget,
  NormalizedEvent,
  Outcome,
  RawRef,
} from '../event';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { fieldError, getPath, getString, isObject, parseTime, memoize } from './common';

function cloudtrailActionClassUncached(eventName: string): ActionClass {
  if (
    /^(ConsoleLogin|AssumeRole|GetSessionToken|GetFederationToken|Authenticate|CheckMfa|SwitchRole|GetRoleCredentials)/.test(
      eventName,
    )
  )
    return 'auth';
  if (
    /Policy|Permission|^(Attach|Detach|AddUser|RemoveUser|Grant|Revoke|AuthorizeSecurityGroup|RevokeSecurityGroup)/.test(
      eventName,
    )
  )
    return 'permission';
  if (
    /^(Delete|Terminate|Remove|Deregister|Purge|Destroy|ScheduleKeyDeletion|Disassociate|Release|Cancel)/.test(
      eventName,
    )
  )
    return 'delete';
  if (
    /^(Get|List|Describe|Head|Lookup|Search|Select|Scan|Query|BatchGet|Download|Filter|Check|Decrypt|Test)/.test(
      eventName,
    )
  )
    return 'read';
  if (
    /^(Create|Copy|Import|Register|Allocate|Upload|Publish|Generate|Issue|Request)/.test(eventName)
  )
    return 'create';
  if (/^(Invoke|Run|Start|Stop|Execute|Reboot|Send|Retry)/.test(eventName)) return 'execute';
  return 'modify';
}

/** Class of a CloudTrail `eventName`, from its verb prefix. */
export const cloudtrailActionClass: (text: string) => ActionClass = memoize(
  cloudtrailActionClassUncached,
);

function cloudtrailDestructiveUncached(eventName: string): boolean {
  if (/^(Delete|Terminate|Purge|Destroy|ScheduleKeyDeletion|DisableKey$)/.test(eventName)) {
    return !/Policy|Permission|Tag|Tags$|Alias$/.test(eventName);
  }
  return eventName === 'PutBucketLifecycle' || eventName === 'PutBucketLifecycleConfiguration';
}

/**
 * Does a CloudTrail event destroy data?
 *
 * Deletions and terminations (`DeleteObject`, `DeleteBucket`, `DeleteDBInstance`,
 * `DeleteDBSnapshot`, `TerminateInstances`, `DeleteBackupVault`, ...), scheduling a KMS key's
 * deletion, and lifecycle rules (which can expire every object of a bucket).
 */
export const cloudtrailDestructive: (text: string) => boolean = memoize(
  cloudtrailDestructiveUncached,
);

function actorKind(identity: JsonObject): ActorKind {
  const type = getString(identity, 'type');
  const invokedBy = getString(identity, 'invokedBy');
  if (type === 'AWSService' || (invokedBy !== null && invokedBy.endsWith('.amazonaws.com')))
    return 'service';
  const issuer = getString(identity, 'sessionContext.sessionIssuer.userName') ?? '';
  if (type === 'AssumedRole') {
    if (issuer.startsWith('AWSServiceRole')) return 'service';
    return issuer.startsWith('AWSReservedSSO_') ? 'human' : 'unknown';
  }
  if (
    type === 'Root' ||
    type === 'IAMUser' ||
    type === 'IdentityCenterUser' ||
    type === 'FederatedUser'
  )
    return 'human';
  return 'unknown';
}

function target(r: JsonObject): EventTarget | null {
  const params = r['requestParameters'];
  if (isObject(params)) {
    const bucket = getString(params, 'bucketName');
    if (bucket !== null) {
      const key = getString(params, 'key');
      return key !== null
        ? { kind: 's3-object', key: `s3://${bucket}/${key}` }
        : { kind: 's3-bucket', key: `s3://${bucket}` };
    }
    const db = getString(params, 'dBInstanceIdentifier');
    if (db !== null) return { kind: 'rds-instance', key: `rds:db/${db}` };
    const snap =
      getString(params, 'dBSnapshotIdentifier') ?? getString(params, 'dBClusterSnapshotIdentifier');
    if (snap !== null) return { kind: 'rds-snapshot', key: `rds:snapshot/${snap}` };
    const items = getPath(params, 'instancesSet.items');
    if (Array.isArray(items) && isObject(items[0])) {
      const id = getString(items[0], 'instanceId');
      if (id !== null) return { kind: 'ec2-instance', key: `ec2:instance/${id}` };
    }
  }
  const resources = r['resources'];
  if (Array.isArray(resources) && isObject(resources[0])) {
    const arn = getString(resources[0], 'ARN');
    if (arn !== null) return { kind: getString(resources[0], 'type') ?? 'aws-resource', key: arn };
  }
  return null;
}

function outcome(r: JsonObject): Outcome {
  const code = getString(r, 'errorCode');
  if (code === null || code === '') return 'success';
  return /AccessDenied|Unauthorized|Forbidden|NotAuthorized/i.test(code) ? 'denied' : 'failure';
}

/** Maps one CloudTrail record. */
export function parseCloudtrail(r: JsonObject, raw: RawRef): ParseOutcome {
  if (r['digestStartTime'] !== undefined) return { kind: 'skip', reason: 'cloudtrail:digest' };
  const eventName = getString(r, 'eventName');
  if (eventName === null) return fieldError('eventName');
  const time = parseTime(r['eventTime']);
  if (time === null) return fieldError('eventTime');
  const identity = r['userIdentity'];
  if (!isObject(identity)) return fieldError('userIdentity');
  const id =
    getString(identity, 'arn') ??
    getString(identity, 'principalId') ??
    getString(identity, 'invokedBy') ??
    'unknown';
  const name =
    getString(identity, 'userName') ??
    getString(identity, 'sessionContext.sessionIssuer.userName') ??
    getString(identity, 'invokedBy') ??
    id.split('/').pop() ??
    id;
  const key = getString(identity, 'accessKeyId');
  const type = getString(identity, 'type');
  const event: NormalizedEvent = {
    time,
    format: 'cloudtrail',
    actor: { kind: actorKind(identity), id, name },
    credential:
      key !== null && key !== ''
        ? {
            fingerprint: key,
            kind: 'aws-access-key',
            scopes: [],
            ...(type !== null ? { type } : {}),
          }
        : null,
    action: {
      provider: eventName,
      class: cloudtrailActionClass(eventName),
      destructive: cloudtrailDestructive(eventName),
    },
    target: target(r),
    outcome: outcome(r),
    agent: null,
    raw,
  };
  return { kind: 'events', events: [event] };
}

/** The CloudTrail parser (stateless). */
export function createCloudtrailParser(): FormatParser {
  return { parse: parseCloudtrail, end: () => [] };
}
