/**
 * The demo organisation's cast and script: people, repositories, pull requests, variables
 * and secrets, as plain data.
 *
 * Kept apart from the code that plays it (`seed-org.ts`, `agent-session.ts`) so the story
 * reads in one place and a test can name what it expects from the same constants. Times
 * are offsets from the day they happen on; the generator places the days (`demo-clock.ts`).
 */

export const demoOwner = 'acme';

/** The team: each pushes and reviews with a classic `repo` token of their own. */
export const people = ['dana', 'lee', 'sam', 'priya', 'omar'] as const;
export type Person = (typeof people)[number];

/** The agent's bot, its CI neighbour whose token sits in `.env`, and Bulkhead's own users. */
export const accounts = {
  agent: 'ops-agent',
  ci: 'ci-deploy',
  backup: 'bulkhead-backup',
  reader: 'bulkhead-reader',
  restore: 'bulkhead-restore',
} as const;

/** The CI token's classic scopes: far more than the reads it was used for. */
export const ciScopes: ReadonlyArray<string> = ['repo', 'delete_repo', 'admin:org', 'workflow'];

/** A feature branch: commits on top of `main` as it was `fromBack` commits before its tip. */
export interface BranchSpec {
  readonly name: string;
  readonly author: Person;
  readonly commits: number;
  readonly fromBack: number;
}

export interface RepoSpec {
  readonly name: string;
  readonly description: string;
  readonly lead: Person;
  /** The source folder and file stems commits touch. */
  readonly files: ReadonlyArray<string>;
  readonly mainCommits: number;
  /** Tags on main: name, the commit's index from the start (1-based), annotated or not. */
  readonly tags: ReadonlyArray<{
    readonly name: string;
    readonly at: number;
    readonly annotated: boolean;
  }>;
  readonly branches: ReadonlyArray<BranchSpec>;
  readonly environments: ReadonlyArray<string>;
  readonly variables: Readonly<Record<string, string>>;
  readonly environmentVariables: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly secrets: ReadonlyArray<string>;
  readonly environmentSecrets: Readonly<Record<string, ReadonlyArray<string>>>;
}

export const repos: ReadonlyArray<RepoSpec> = [
  {
    name: 'api',
    description: 'Public REST API and background workers',
    lead: 'dana',
    files: ['src/server.ts', 'src/db.ts', 'src/auth.ts', 'src/billing.ts', 'src/queue.ts'],
    mainCommits: 30,
    tags: [
      { name: 'v1.0.0', at: 8, annotated: true },
      { name: 'v1.1.0', at: 14, annotated: true },
      { name: 'v1.2.0', at: 19, annotated: true },
      { name: 'v1.2.1', at: 21, annotated: false },
      { name: 'v1.3.0', at: 24, annotated: true },
    ],
    branches: [
      { name: 'feature/rate-limits', author: 'lee', commits: 3, fromBack: 2 },
      { name: 'feature/audit-export', author: 'sam', commits: 4, fromBack: 1 },
      { name: 'chore/node-22', author: 'omar', commits: 1, fromBack: 0 },
      { name: 'fix/pool-leak', author: 'priya', commits: 2, fromBack: 0 },
      { name: 'spike/graphql', author: 'lee', commits: 3, fromBack: 6 },
      { name: 'feature/retries', author: 'dana', commits: 2, fromBack: 0 },
      { name: 'release/1.3', author: 'dana', commits: 1, fromBack: 6 },
    ],
    environments: ['production', 'staging'],
    variables: {
      DB_HOST: 'db.internal.acme.example',
      DB_PORT: '5432',
      LOG_LEVEL: 'info',
      FEATURE_FLAGS: 'search,exports',
      LEGACY_CDN: 'cdn-old.acme.example',
    },
    environmentVariables: {
      production: { REPLICAS: '6', DB_POOL: '40' },
      staging: { REPLICAS: '2', DB_POOL: '10' },
    },
    secrets: ['DEPLOY_KEY', 'SENTRY_DSN'],
    environmentSecrets: { production: ['DB_PASSWORD'], staging: ['DB_PASSWORD'] },
  },
  {
    name: 'web',
    description: 'The customer web app',
    lead: 'lee',
    files: ['src/app.tsx', 'src/checkout.tsx', 'src/theme.css', 'src/i18n.ts'],
    mainCommits: 26,
    tags: [
      { name: 'v2.0.0', at: 12, annotated: true },
      { name: 'v2.1.0', at: 22, annotated: true },
    ],
    branches: [
      { name: 'feature/checkout-v2', author: 'priya', commits: 4, fromBack: 2 },
      { name: 'feature/dark-mode', author: 'omar', commits: 2, fromBack: 1 },
      { name: 'chore/react-19', author: 'sam', commits: 2, fromBack: 0 },
      { name: 'fix/focus-trap', author: 'lee', commits: 1, fromBack: 3 },
      { name: 'feature/i18n-footer', author: 'priya', commits: 2, fromBack: 0 },
    ],
    environments: ['production', 'staging'],
    variables: { API_URL: 'https://api.acme.example', CDN_HOST: 'cdn.acme.example' },
    environmentVariables: { production: { SENTRY_ENV: 'production' } },
    secrets: ['NPM_TOKEN'],
    environmentSecrets: { production: ['VERCEL_TOKEN'] },
  },
  {
    name: 'payments',
    description: 'Charges, refunds and the payment provider webhooks',
    lead: 'sam',
    files: ['src/charges.go', 'src/refunds.go', 'src/webhooks.go'],
    mainCommits: 22,
    tags: [{ name: 'v0.9.0', at: 18, annotated: true }],
    branches: [
      { name: 'feature/refunds', author: 'sam', commits: 3, fromBack: 1 },
      { name: 'feature/idempotency', author: 'dana', commits: 2, fromBack: 0 },
      { name: 'chore/remove-paypal', author: 'omar', commits: 2, fromBack: 2 },
    ],
    environments: ['production'],
    variables: { STRIPE_MODE: 'live', SETTLEMENT_CURRENCY: 'EUR' },
    environmentVariables: { production: { WORKERS: '4' } },
    secrets: ['STRIPE_API_KEY'],
    environmentSecrets: { production: ['WEBHOOK_SECRET'] },
  },
  {
    name: 'infra',
    description: 'Terraform and Kubernetes manifests',
    lead: 'omar',
    files: ['terraform/main.tf', 'terraform/rds.tf', 'k8s/api.yaml', 'k8s/web.yaml'],
    mainCommits: 24,
    tags: [{ name: 'infra-2026.10', at: 16, annotated: true }],
    branches: [
      { name: 'feature/k8s-1.31', author: 'omar', commits: 2, fromBack: 0 },
      { name: 'feature/tf-locking', author: 'dana', commits: 2, fromBack: 1 },
      { name: 'feature/backup-region', author: 'priya', commits: 3, fromBack: 0 },
    ],
    environments: ['production'],
    variables: { TF_WORKSPACE: 'prod', AWS_REGION: 'eu-west-1' },
    environmentVariables: { production: { CLUSTER: 'prod-eu-1' } },
    secrets: ['TF_API_TOKEN'],
    environmentSecrets: { production: ['AWS_ROLE_ARN'] },
  },
  {
    name: 'mobile',
    description: 'iOS and Android apps',
    lead: 'priya',
    files: ['app/App.tsx', 'app/push.ts', 'app/offline.ts'],
    mainCommits: 18,
    tags: [{ name: 'v3.2.0', at: 15, annotated: true }],
    branches: [
      { name: 'feature/push', author: 'priya', commits: 3, fromBack: 0 },
      { name: 'feature/offline', author: 'lee', commits: 2, fromBack: 1 },
    ],
    environments: [],
    variables: { APP_ID: 'com.acme.app' },
    environmentVariables: {},
    secrets: ['APPLE_API_KEY'],
    environmentSecrets: {},
  },
  {
    name: 'docs',
    description: 'Runbooks and the developer handbook',
    lead: 'lee',
    files: ['runbooks/deploy.md', 'runbooks/oncall.md', 'handbook/index.md'],
    mainCommits: 12,
    tags: [],
    branches: [{ name: 'docs/failover-runbook', author: 'dana', commits: 2, fromBack: 0 }],
    environments: [],
    variables: { SITE_URL: 'https://docs.acme.example' },
    environmentVariables: {},
    secrets: [],
    environmentSecrets: {},
  },
];

/** A pull request of the seed, numbered per repository in this order. */
export interface PullSpec {
  readonly repo: string;
  readonly head: string;
  readonly author: Person;
  readonly title: string;
  readonly body: string;
  readonly labels: ReadonlyArray<string>;
  readonly reviewers: ReadonlyArray<Person>;
  readonly reviews: ReadonlyArray<{
    readonly by: Person;
    readonly event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';
    readonly body: string;
  }>;
  /** A review comment on the first file the branch touched, line 1. */
  readonly reviewComment?: { readonly by: Person; readonly body: string };
  readonly comments: ReadonlyArray<{ readonly by: Person; readonly body: string }>;
  /** When it is opened: during the seed, or on a later working day. */
  readonly day: 0 | 1 | 2;
  /** Closed during the seed (abandoned); later closings are in the work days' scripts. */
  readonly closedAtSeed?: boolean;
}

export const pulls: ReadonlyArray<PullSpec> = [
  {
    repo: 'api',
    head: 'feature/rate-limits',
    author: 'lee',
    title: 'Add per-tenant rate limits',
    body: 'Token bucket per tenant, 600 requests a minute by default. Benchmarks below.',
    labels: ['backend', 'performance'],
    reviewers: ['dana', 'sam'],
    reviews: [
      { by: 'dana', event: 'APPROVE', body: 'LGTM, nice benchmarks.' },
      { by: 'sam', event: 'COMMENT', body: 'One question inline.' },
    ],
    reviewComment: { by: 'sam', body: 'Should the burst size be configurable per plan?' },
    comments: [
      { by: 'lee', body: 'p99 went from 41 ms to 43 ms under the limiter.' },
      { by: 'priya', body: 'Can we ship this before Friday?' },
    ],
    day: 0,
  },
  {
    repo: 'api',
    head: 'feature/audit-export',
    author: 'sam',
    title: 'Export audit events as NDJSON',
    body: 'Adds `GET /v1/audit/export`, streamed, one event per line.',
    labels: ['backend', 'feature'],
    reviewers: ['lee'],
    reviews: [{ by: 'lee', event: 'REQUEST_CHANGES', body: 'Stream it; do not buffer in memory.' }],
    reviewComment: { by: 'lee', body: 'This array grows with the export: use a cursor.' },
    comments: [{ by: 'sam', body: 'Reworked to stream, please have another look.' }],
    day: 0,
  },
  {
    repo: 'api',
    head: 'chore/node-22',
    author: 'omar',
    title: 'Bump Node.js to 22 LTS',
    body: 'CI images and `engines` updated.',
    labels: ['dependencies'],
    reviewers: ['dana'],
    reviews: [{ by: 'dana', event: 'APPROVE', body: 'Green on staging.' }],
    comments: [],
    day: 0,
  },
  {
    repo: 'api',
    head: 'fix/pool-leak',
    author: 'priya',
    title: 'Fix connection pool leak on shutdown',
    body: 'Drain the pool before exiting; fixes the "too many clients" alerts after deploys.',
    labels: ['bug', 'backend'],
    reviewers: ['lee', 'omar'],
    reviews: [{ by: 'lee', event: 'APPROVE', body: 'Good catch.' }],
    comments: [{ by: 'omar', body: 'The alert fired twice last week, thanks for this.' }],
    day: 0,
  },
  {
    repo: 'api',
    head: 'spike/graphql',
    author: 'lee',
    title: 'Draft: GraphQL gateway',
    body: 'Spike, not for merging.',
    labels: ['experiment'],
    reviewers: [],
    reviews: [],
    comments: [{ by: 'dana', body: 'Parking this until Q1.' }],
    day: 0,
    closedAtSeed: true,
  },
  {
    repo: 'api',
    head: 'feature/retries',
    author: 'dana',
    title: 'Retry idempotent requests to the billing provider',
    body: 'Three attempts with jittered backoff for GET and PUT.',
    labels: ['backend', 'reliability'],
    reviewers: ['sam'],
    reviews: [{ by: 'sam', event: 'APPROVE', body: 'Matches what payments does.' }],
    comments: [],
    day: 2,
  },
  {
    repo: 'web',
    head: 'feature/checkout-v2',
    author: 'priya',
    title: 'Checkout v2',
    body: 'One-page checkout behind the `checkout_v2` flag.',
    labels: ['frontend', 'feature'],
    reviewers: ['lee', 'omar'],
    reviews: [{ by: 'lee', event: 'COMMENT', body: 'Looks good, a few nits inline.' }],
    reviewComment: { by: 'lee', body: 'Extract the address form into its own component?' },
    comments: [
      { by: 'omar', body: 'Design sign-off from the product team is in the ticket.' },
      { by: 'priya', body: 'Addressed the nits.' },
    ],
    day: 0,
  },
  {
    repo: 'web',
    head: 'feature/dark-mode',
    author: 'omar',
    title: 'Dark mode',
    body: 'Follows the system setting; a toggle in the profile menu.',
    labels: ['frontend', 'design'],
    reviewers: ['priya'],
    reviews: [{ by: 'priya', event: 'APPROVE', body: 'Contrast checks pass.' }],
    comments: [],
    day: 0,
  },
  {
    repo: 'web',
    head: 'chore/react-19',
    author: 'sam',
    title: 'Upgrade React to 19',
    body: 'Codemods applied; no behaviour change expected.',
    labels: ['dependencies'],
    reviewers: ['lee'],
    reviews: [{ by: 'lee', event: 'COMMENT', body: 'Let us run the e2e suite twice first.' }],
    comments: [],
    day: 1,
  },
  {
    repo: 'web',
    head: 'fix/focus-trap',
    author: 'lee',
    title: 'Fix focus trap in the modal',
    body: 'Tab no longer escapes the dialog.',
    labels: ['bug', 'accessibility'],
    reviewers: ['omar'],
    reviews: [],
    comments: [{ by: 'omar', body: 'Superseded by the dialog rewrite?' }],
    day: 0,
  },
  {
    repo: 'web',
    head: 'feature/i18n-footer',
    author: 'priya',
    title: 'Localise the footer',
    body: 'German and French strings.',
    labels: ['frontend'],
    reviewers: ['sam'],
    reviews: [],
    comments: [],
    day: 0,
  },
  {
    repo: 'payments',
    head: 'feature/refunds',
    author: 'sam',
    title: 'Refunds API',
    body: 'Partial and full refunds; webhooks update the ledger.',
    labels: ['payments', 'feature'],
    reviewers: ['dana'],
    reviews: [{ by: 'dana', event: 'APPROVE', body: 'Ledger entries balance in every test.' }],
    comments: [{ by: 'priya', body: 'Mobile needs the refund status in the order payload.' }],
    day: 0,
  },
  {
    repo: 'payments',
    head: 'feature/idempotency',
    author: 'dana',
    title: 'Idempotency keys for charges',
    body: 'Clients send `Idempotency-Key`; repeats return the first answer.',
    labels: ['payments', 'reliability'],
    reviewers: ['sam'],
    reviews: [{ by: 'sam', event: 'COMMENT', body: 'How long are keys kept?' }],
    reviewComment: { by: 'sam', body: 'A TTL of 24 h, as the provider does?' },
    comments: [],
    day: 0,
  },
  {
    repo: 'payments',
    head: 'chore/remove-paypal',
    author: 'omar',
    title: 'Remove the legacy PayPal flow',
    body: 'No traffic since August.',
    labels: ['cleanup'],
    reviewers: ['sam'],
    reviews: [],
    comments: [{ by: 'sam', body: 'Finance still reconciles August, let us wait.' }],
    day: 0,
  },
  {
    repo: 'infra',
    head: 'feature/k8s-1.31',
    author: 'omar',
    title: 'Kubernetes 1.31',
    body: 'Control plane first, node pools one by one; rollback plan in the runbook.',
    labels: ['infra'],
    reviewers: ['dana'],
    reviews: [{ by: 'dana', event: 'APPROVE', body: 'Staging soaked for a week.' }],
    comments: [{ by: 'lee', body: 'Please avoid Thursday, we have a release.' }],
    day: 0,
  },
  {
    repo: 'infra',
    head: 'feature/tf-locking',
    author: 'dana',
    title: 'Terraform: state locking in DynamoDB',
    body: 'No more concurrent applies.',
    labels: ['infra', 'reliability'],
    reviewers: ['omar'],
    reviews: [{ by: 'omar', event: 'APPROVE', body: 'Yes please.' }],
    comments: [],
    day: 0,
  },
  {
    repo: 'infra',
    head: 'feature/backup-region',
    author: 'priya',
    title: 'Nightly backups to a second region',
    body: 'RDS snapshots copied to eu-central-1 every night.',
    labels: ['infra', 'backups'],
    reviewers: ['omar', 'dana'],
    reviews: [],
    comments: [{ by: 'omar', body: 'Costs about 40 EUR a month.' }],
    day: 0,
  },
  {
    repo: 'mobile',
    head: 'feature/push',
    author: 'priya',
    title: 'Push notifications',
    body: 'APNs and FCM through one service.',
    labels: ['mobile', 'feature'],
    reviewers: ['lee'],
    reviews: [{ by: 'lee', event: 'APPROVE', body: 'Tested on both platforms.' }],
    comments: [],
    day: 0,
  },
  {
    repo: 'mobile',
    head: 'feature/offline',
    author: 'lee',
    title: 'Offline mode',
    body: 'Queue writes while offline, replay on reconnect.',
    labels: ['mobile'],
    reviewers: ['priya'],
    reviews: [{ by: 'priya', event: 'COMMENT', body: 'What happens on conflicts?' }],
    comments: [],
    day: 0,
  },
  {
    repo: 'docs',
    head: 'docs/failover-runbook',
    author: 'dana',
    title: 'Runbook: database failover',
    body: 'Step by step, with the commands and who to call.',
    labels: ['docs'],
    reviewers: ['omar'],
    reviews: [{ by: 'omar', event: 'APPROVE', body: 'Walked through it on staging.' }],
    comments: [{ by: 'sam', body: 'Add the payments freeze step?' }],
    day: 0,
  },
];

/** What the user asked the agent: a narrow cleanup, with an explicit limit. */
export const agentPrompt =
  'Please tidy up the CI config in acme/api: delete the unused LEGACY_* Actions variables ' +
  'and close PRs that nobody has touched in months. Do not touch anything else.';
