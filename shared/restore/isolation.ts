/**
 * The isolation proof: a restore credential must not be one the incident's agent used.
 */

/** How a fingerprint is formed, so the UI can say what it is. */
export type FingerprintKind = 'github-hashed-token' | 'aws-access-key-id' | 'etcd-user';
