import { z } from 'zod';
import type { FingerprintKind } from '../../../shared/restore/isolation';
import { assertNever } from '../../../shared/util/assert-never';

/**
 * The kinds of restore credential the vault holds, one per kind of target a restore writes.
 *
 * A restore never borrows the credential the incident's agent held: each kind here is
 * what the restore engine needs for one target (the GitHub API, git smart HTTP, a
 * catalog's S3 bucket read-only, etcd), so each can be isolated and scoped on its own.
 */
export const credentialKinds = ['github-token', 'git-token', 's3-keys', 'etcd-user'] as const;
export type CredentialKind = (typeof credentialKinds)[number];

/** Where a GitHub API token is used: the API's base URL and the owner it restores into. */
export const GitHubTarget = z.object({
  apiBaseUrl: z.url({ protocol: /^https?$/ }),
  owner: z.string().min(1).max(100),
});
/** Where a git token is used: the git server's base URL. */
export const GitTarget = z.object({ baseUrl: z.url({ protocol: /^https?$/ }) });
/** Where S3 keys are used: the endpoint and the bucket (a catalog's, read-only). */
export const S3Target = z.object({
  endpoint: z.url({ protocol: /^https?$/ }),
  bucket: z.string().min(1).max(255),
});
/** Where an etcd user is used: the cluster's client endpoints. */
export const EtcdTarget = z.object({
  endpoints: z.array(z.url({ protocol: /^https?$/ })).min(1),
});

// SECURITY: the shapes of secret values. They are parsed here and never printed: zod's
// issues name the path and the rule, not the value (messages below are fixed text).
const secretText = z.string().min(1).max(4096);
export const GitHubSecret = z.object({ token: secretText });
export const GitSecret = z.object({ username: z.string().min(1).max(256), token: secretText });
export const S3Secret = z.object({
  accessKeyId: z.string().min(1).max(128),
  secretAccessKey: secretText,
});
export const EtcdSecret = z.object({ username: z.string().min(1).max(256), password: secretText });
// SECURITY: end

/** The target of each kind of credential. */
export type CredentialTarget =
  | { readonly kind: 'github-token'; readonly target: z.infer<typeof GitHubTarget> }
  | { readonly kind: 'git-token'; readonly target: z.infer<typeof GitTarget> }
  | { readonly kind: 's3-keys'; readonly target: z.infer<typeof S3Target> }
  | { readonly kind: 'etcd-user'; readonly target: z.infer<typeof EtcdTarget> };

/**
 * A secret as the restore engine receives it from a lease, tagged with its kind.
 *
 * Tagged so the caller narrows with a `switch` instead of trusting an id to be what it
 * expects: asking a lease for the GitHub token and getting S3 keys is a compile error.
 */
export type UnlockedSecret =
  | { readonly kind: 'github-token'; readonly token: string }
  | { readonly kind: 'git-token'; readonly username: string; readonly token: string }
  | { readonly kind: 's3-keys'; readonly accessKeyId: string; readonly secretAccessKey: string }
  | { readonly kind: 'etcd-user'; readonly username: string; readonly password: string };

/** What `add` takes: a kind, a label for people, the target and the secret. */
export type NewCredential = {
  readonly label: string;
} & (
  | {
      readonly kind: 'github-token';
      readonly target: z.infer<typeof GitHubTarget>;
      readonly secret: z.infer<typeof GitHubSecret>;
    }
  | {
      readonly kind: 'git-token';
      readonly target: z.infer<typeof GitTarget>;
      readonly secret: z.infer<typeof GitSecret>;
    }
  | {
      readonly kind: 's3-keys';
      readonly target: z.infer<typeof S3Target>;
      readonly secret: z.infer<typeof S3Secret>;
    }
  | {
      readonly kind: 'etcd-user';
      readonly target: z.infer<typeof EtcdTarget>;
      readonly secret: z.infer<typeof EtcdSecret>;
    }
);

/**
 * Everything known about a credential except its secret: the only vault data that may
 * leave the main process (IPC, logs, the journal, the renderer).
 *
 * The fingerprint is in the form the provider's audit trail uses, so the isolation check
 * (shared/restore/isolation.ts) compares it with loaded trails without the secret.
 */
export const CredentialMeta = z.object({
  id: z.string().regex(/^cred_[0-9a-f]{24}$/),
  kind: z.enum(credentialKinds),
  label: z.string().min(1).max(200),
  target: z.union([GitHubTarget, GitTarget, S3Target, EtcdTarget]),
  fingerprint: z.string().min(1),
  fingerprintKind: z.enum(['github-hashed-token', 'aws-access-key-id', 'etcd-user']),
  createdAt: z.iso.datetime(),
});
export type CredentialMeta = Readonly<z.infer<typeof CredentialMeta>> & {
  readonly fingerprintKind: FingerprintKind;
};

/** The target schema of a kind. */
export function targetSchemaOf(kind: CredentialKind) {
  switch (kind) {
    case 'github-token':
      return GitHubTarget;
    case 'git-token':
      return GitTarget;
    case 's3-keys':
      return S3Target;
    case 'etcd-user':
      return EtcdTarget;
    default:
      return assertNever(kind, 'credential kind');
  }
}

/** The secret schema of a kind. */
export function secretSchemaOf(kind: CredentialKind) {
  switch (kind) {
    case 'github-token':
      return GitHubSecret;
    case 'git-token':
      return GitSecret;
    case 's3-keys':
      return S3Secret;
    case 'etcd-user':
      return EtcdSecret;
    default:
      return assertNever(kind, 'credential kind');
  }
}

/** The fingerprint form of a kind: how its provider's audit trail names the credential. */
export function fingerprintKindOf(kind: CredentialKind): FingerprintKind {
  switch (kind) {
    case 'github-token':
    case 'git-token':
      return 'github-hashed-token';
    case 's3-keys':
      return 'aws-access-key-id';
    case 'etcd-user':
      return 'etcd-user';
    default:
      return assertNever(kind, 'credential kind');
  }
}
