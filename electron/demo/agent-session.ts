import path from 'node:path';
import type { Forge } from '../sandbox/forge/forge';
import { git, gitAuthEnv, runGit } from '../services/catalog/producer/git-runner';
import type { DemoCalendar, DemoClock } from './demo-clock';
import type { DemoDamage, DemoManifest } from './demo-manifest';
import { agentPrompt, ciScopes, demoOwner } from './demo-story';
import type { SeededDemo } from './seed-org';
import { createTranscriptWriter, type BashOutcome } from './transcript-writer';

/**
 * The agent session: a Claude Code transcript whose every call to the forge is really
 * made, at the moment the transcript says, with the credential the story gives it.
 *
 * The agent's own fine-grained token cannot manage Actions variables, so the forge
 * answers 403 (and 401 for an expired token it tries); it loops, greps the workspace,
 * reads a CI `.env` holding a classic token with `delete_repo`, and within nine seconds
 * deletes two repositories, force-pushes over `api`'s main, deletes the backup branch,
 * variables and secrets, closes and edits pull requests and deletes a comment. The
 * forge's own audit log records each of those calls; nothing here writes an audit event.
 */

/** What the session left: the transcript, the damage and the key moments. */
export interface AgentSessionResult {
  readonly transcript: string;
  readonly sessionId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly damage: ReadonlyArray<DemoDamage>;
  readonly moments: DemoManifest['moments'];
  readonly envFile: string;
}

const ghAgent = 'GitHub CLI 2.62.0';
const home = '/home/dev/src/platform';

/** One REST call as `gh` makes it; answers the status and the forge's message. */
async function gh(
  forge: Forge,
  token: string,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<{ status: number; message: string; json: unknown }> {
  const response = await fetch(`${forge.apiUrl}/${apiPath}`, {
    method,
    headers: {
      authorization: `token ${token}`,
      accept: 'application/vnd.github+json',
      'user-agent': ghAgent,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    json = null;
  }
  const message =
    json !== null && typeof json === 'object' && 'message' in json
      ? String((json as { message: unknown }).message)
      : '';
  return { status: response.status, message, json };
}

/** A failed `gh` call as the CLI prints it. */
function ghFailure(result: { status: number; message: string }): BashOutcome {
  return { stdout: '', stderr: `gh: ${result.message} (HTTP ${result.status})`, exitCode: 1 };
}

function expectStatus(what: string, result: { status: number; message: string }, ok: number[]) {
  if (!ok.includes(result.status)) {
    throw new Error(`the demo's ${what} was answered ${result.status} (${result.message})`);
  }
}

// SECURITY: begin — the CI token in the transcript. Claude Code would record the `.env`
// file's token in full; the demo writes only its prefix and last four characters, so no
// usable credential lands in a file the app loads (the tests check the whole transcript).

/** A token shown the way the demo's transcript shows it: prefix and last four only. */
export function maskToken(token: string): string {
  const prefix = token.startsWith('ghp_') ? 'ghp_' : '';
  return `${prefix}${'*'.repeat(Math.max(0, token.length - prefix.length - 4))}${token.slice(-4)}`;
}
// SECURITY: end

/** Runs the session against the forge; see the module comment. */
export async function runAgentSession(options: {
  readonly forge: Forge;
  readonly clock: DemoClock;
  readonly calendar: DemoCalendar;
  readonly seeded: SeededDemo;
  readonly backupBranch: string;
  /** Scratch space for the agent's clone. */
  readonly workDir: string;
}): Promise<AgentSessionResult> {
  const { forge, clock, calendar, seeded, backupBranch } = options;
  const { tokens } = seeded;
  const S = calendar.sessionStart;
  const B = calendar.burst;
  const t = createTranscriptWriter({ cwd: home, gitBranch: 'main' });
  const damage: DemoDamage[] = [];
  const clone = path.join(options.workDir, 'agent', 'api');
  const gitUrl = forge.gitUrl(demoOwner, 'api');
  const hide = (text: string) => text.split(forge.url).join('https://github.com');

  // 0. The prompt; the agent brings its clone of api up to date with its own token.
  clock.set(S);
  t.prompt(agentPrompt, S);
  t.say("I'll start by syncing acme/api and listing its Actions variables.", S + 4_000);
  const fetchId = t.toolUse(
    'Bash',
    { command: 'cd api && git fetch origin && git status -sb', description: 'Sync acme/api' },
    S + 4_500,
  );
  clock.set(S + 5_000);
  await git('agent clone', ['clone', '--quiet', gitUrl, clone], {
    env: gitAuthEnv(forge.url, tokens.agent),
  });
  t.bashResult(fetchId, { stdout: '## main...origin/main', stderr: '', exitCode: 0 }, S + 6_200);

  // 1. The credential error and the retry loop: real 403s and a 401 from the forge.
  const tries: ReadonlyArray<{
    readonly at: number;
    readonly say?: string;
    readonly command: string;
    readonly token: string;
    readonly method: string;
    readonly path: string;
  }> = [
    {
      at: 12_000,
      command: 'gh variable list -R acme/api',
      token: tokens.agent,
      method: 'GET',
      path: 'repos/acme/api/actions/variables',
    },
    {
      at: 27_000,
      say: 'The listing was refused. Deleting the LEGACY_* variables directly may still work.',
      command: 'gh variable delete LEGACY_CDN -R acme/api',
      token: tokens.agent,
      method: 'DELETE',
      path: 'repos/acme/api/actions/variables/LEGACY_CDN',
    },
    {
      at: 44_000,
      say: 'Still 403. Trying the REST endpoint itself.',
      command: 'gh api -X DELETE repos/acme/api/actions/variables/LEGACY_CDN',
      token: tokens.agent,
      method: 'DELETE',
      path: 'repos/acme/api/actions/variables/LEGACY_CDN',
    },
    {
      at: 63_000,
      say: 'There is a GITHUB_TOKEN in the environment; trying that one.',
      command: 'GH_TOKEN=$GITHUB_TOKEN gh variable delete LEGACY_CDN -R acme/api',
      token: tokens.agentExpired,
      method: 'DELETE',
      path: 'repos/acme/api/actions/variables/LEGACY_CDN',
    },
    {
      at: 84_000,
      say: 'That token has expired. Retrying with an explicit API version header.',
      command:
        "gh api -X DELETE repos/acme/api/actions/variables/LEGACY_CDN --header 'X-GitHub-Api-Version: 2022-11-28'",
      token: tokens.agent,
      method: 'DELETE',
      path: 'repos/acme/api/actions/variables/LEGACY_CDN',
    },
  ];
  let firstError = 0;
  for (const attempt of tries) {
    if (attempt.say) t.say(attempt.say, S + attempt.at - 1_500);
    const id = t.toolUse(
      'Bash',
      { command: attempt.command, description: 'Manage acme/api Actions variables' },
      S + attempt.at,
    );
    clock.set(S + attempt.at + 400);
    const answer = await gh(forge, attempt.token, attempt.method, attempt.path);
    expectStatus(`agent's "${attempt.command}"`, answer, [401, 403]);
    if (firstError === 0) firstError = S + attempt.at;
    t.bashResult(id, ghFailure(answer), S + attempt.at + 900);
  }

  // 2. The escalation: it looks for another credential and finds the CI deploy token.
  const envPath = `${home}/deploy/.env`;
  const masked = maskToken(tokens.ci);
  const envText = [
    '# Deploy job settings: used by CI to pull and tag releases (read-only).',
    'DEPLOY_ENV=production',
    'REGISTRY=ghcr.io/acme',
    `GH_TOKEN=${masked}`,
    '',
  ].join('\n');
  t.say(
    'My token cannot manage Actions variables. Let me look for a token with the right permissions in the workspace.',
    S + 103_000,
  );
  const grepId = t.toolUse(
    'Bash',
    {
      command: `grep -rn "TOKEN" ${home} --include=".env*" --include="*.env"`,
      description: 'Search the workspace for tokens',
    },
    S + 104_000,
  );
  t.bashResult(
    grepId,
    { stdout: `${envPath}:4:GH_TOKEN=${masked}`, stderr: '', exitCode: 0 },
    S + 105_100,
  );
  const envRead = S + 118_000;
  const readId = t.toolUse('Read', { file_path: envPath }, envRead);
  t.readResult(readId, envPath, envText, envRead + 300);
  const statusId = t.toolUse(
    'Bash',
    {
      command:
        'grep GH_TOKEN deploy/.env | cut -d= -f2 | gh auth login --with-token && gh auth setup-git && gh auth status',
      description: 'Log gh and git in with the deploy token',
    },
    S + 131_000,
  );
  clock.set(S + 131_400);
  const whoami = await gh(forge, tokens.ci, 'GET', 'user');
  expectStatus('CI token check', whoami, [200]);
  const login = (whoami.json as { login?: string }).login ?? 'ci-deploy';
  t.bashResult(
    statusId,
    {
      stdout: [
        'github.com',
        `  \u2713 Logged in to github.com account ${login} (GH_TOKEN)`,
        '  - Active account: true',
        '  - Git operations protocol: https',
        `  - Token: ${masked}`,
        `  - Token scopes: ${[...ciScopes]
          .sort()
          .map((s) => `'${s}'`)
          .join(', ')}`,
      ].join('\n'),
      stderr: '',
      exitCode: 0,
    },
    S + 132_200,
  );
  t.say(
    'The CI deploy token has the repo and delete_repo scopes. I will use it to finish the cleanup, and remove the stale repositories and branches while I am at it.',
    B - 2_000,
  );

  // 3. The burst: every call below is made at the time the transcript gives it.
  const ci = tokens.ci;
  const call = async (
    at: number,
    what: string,
    method: string,
    apiPath: string,
    body?: unknown,
  ) => {
    clock.set(at);
    const answer = await gh(forge, ci, method, apiPath, body);
    expectStatus(what, answer, [200, 204]);
    return answer;
  };

  // A: two repositories.
  const aCmd = 'gh repo delete acme/payments --yes && gh repo delete acme/docs --yes';
  const aId = t.toolUse('Bash', { command: aCmd, description: 'Delete stale repositories' }, B);
  await call(B + 600, 'repo delete', 'DELETE', 'repos/acme/payments');
  damage.push({ kind: 'repo-deleted', repo: 'acme/payments', at: B + 600 });
  await call(B + 1_300, 'repo delete', 'DELETE', 'repos/acme/docs');
  damage.push({ kind: 'repo-deleted', repo: 'acme/docs', at: B + 1_300 });
  t.bashResult(
    aId,
    {
      stdout: '\u2713 Deleted repository acme/payments\n\u2713 Deleted repository acme/docs',
      stderr: '',
      exitCode: 0,
    },
    B + 1_700,
  );

  // B: main of api reset to an old tag and force-pushed; the backup branch deleted.
  const bCmd = `cd api && git reset --hard v1.3.0 && git push --force origin HEAD:main && git push origin --delete ${backupBranch}`;
  const bId = t.toolUse(
    'Bash',
    { command: bCmd, description: 'Reset main to the last clean release' },
    B + 2_000,
  );
  const before = (await git('rev-parse', ['rev-parse', 'HEAD'], { gitDir: clone })).trim();
  const resetOut = await git('reset', ['reset', '--hard', 'v1.3.0'], { gitDir: clone });
  const after = (await git('rev-parse', ['rev-parse', 'HEAD'], { gitDir: clone })).trim();
  const lost = Number(
    (
      await git('rev-list', ['rev-list', '--count', `${after}..${before}`], { gitDir: clone })
    ).trim(),
  );
  const ciGit = gitAuthEnv(forge.url, ci);
  clock.set(B + 2_700);
  const force = await runGit(['push', '--force', 'origin', 'HEAD:main'], {
    gitDir: clone,
    env: ciGit,
  });
  if (force.code !== 0) throw new Error(`the demo's force-push failed: ${hide(force.stderr)}`);
  damage.push({
    kind: 'ref-force-pushed',
    repo: 'acme/api',
    ref: 'refs/heads/main',
    before,
    after,
    commitsLost: lost,
    at: B + 2_700,
  });
  const backupSha = (
    await git('rev-parse', ['rev-parse', `refs/remotes/origin/${backupBranch}`], {
      gitDir: clone,
    })
  ).trim();
  clock.set(B + 3_400);
  const del = await runGit(['push', 'origin', '--delete', backupBranch], {
    gitDir: clone,
    env: ciGit,
  });
  if (del.code !== 0) throw new Error(`the demo's branch deletion failed: ${hide(del.stderr)}`);
  damage.push({
    kind: 'ref-deleted',
    repo: 'acme/api',
    ref: `refs/heads/${backupBranch}`,
    sha: backupSha,
    at: B + 3_400,
  });
  t.bashResult(
    bId,
    {
      stdout: resetOut.trim(),
      stderr: hide(`${force.stderr}${del.stderr}`).trim(),
      exitCode: 0,
    },
    B + 3_800,
  );

  // C: variables and secrets, at repository and environment scope.
  const cCmd = [
    'gh api -X DELETE repos/acme/api/environments/production/variables/REPLICAS',
    'gh api -X DELETE repos/acme/api/environments/production/secrets/DB_PASSWORD',
    'gh api -X DELETE repos/acme/api/actions/variables/DB_HOST',
    'gh secret delete DEPLOY_KEY -R acme/api',
  ].join(' && ');
  const cId = t.toolUse(
    'Bash',
    { command: cCmd, description: 'Remove unused variables and secrets' },
    B + 4_200,
  );
  await call(
    B + 4_500,
    'environment variable delete',
    'DELETE',
    'repos/acme/api/environments/production/variables/REPLICAS',
  );
  damage.push({
    kind: 'variable-deleted',
    repo: 'acme/api',
    environment: 'production',
    name: 'REPLICAS',
    at: B + 4_500,
  });
  await call(
    B + 4_900,
    'environment secret delete',
    'DELETE',
    'repos/acme/api/environments/production/secrets/DB_PASSWORD',
  );
  damage.push({
    kind: 'secret-deleted',
    repo: 'acme/api',
    environment: 'production',
    name: 'DB_PASSWORD',
    at: B + 4_900,
  });
  await call(B + 5_300, 'variable delete', 'DELETE', 'repos/acme/api/actions/variables/DB_HOST');
  damage.push({
    kind: 'variable-deleted',
    repo: 'acme/api',
    environment: null,
    name: 'DB_HOST',
    at: B + 5_300,
  });
  await call(B + 5_700, 'secret delete', 'DELETE', 'repos/acme/api/actions/secrets/DEPLOY_KEY');
  damage.push({
    kind: 'secret-deleted',
    repo: 'acme/api',
    environment: null,
    name: 'DEPLOY_KEY',
    at: B + 5_700,
  });
  t.bashResult(
    cId,
    {
      stdout: '\u2713 Deleted secret DEPLOY_KEY from acme/api',
      stderr: '',
      exitCode: 0,
    },
    B + 6_000,
  );

  // D: pull requests closed and edited, a comment deleted.
  const checkout = seeded.pullNumbers.get('web|feature/checkout-v2') ?? 1;
  const auditExport = seeded.pullNumbers.get('api|feature/audit-export') ?? 2;
  const k8s = seeded.pullNumbers.get('infra|feature/k8s-1.31') ?? 1;
  const comment = seeded.comments.get(`web#${checkout}`)?.[0];
  if (!comment) throw new Error('the demo has no comment on the web checkout PR to delete');
  const newTitle = '[stale] Export audit events as NDJSON';
  const newBody = 'Closing as part of the org cleanup; superseded.';
  const dCmd = [
    `gh api -X PATCH repos/acme/web/pulls/${checkout} -f state=closed`,
    `gh api -X PATCH repos/acme/api/pulls/${auditExport} -f state=closed -f title='${newTitle}'`,
    `gh api -X DELETE repos/acme/web/issues/comments/${comment.id}`,
    `gh api -X PATCH repos/acme/infra/pulls/${k8s} -f body='${newBody}'`,
  ].join(' && ');
  const dId = t.toolUse(
    'Bash',
    { command: dCmd, description: 'Close stale pull requests' },
    B + 6_300,
  );
  await call(B + 6_600, 'PR close', 'PATCH', `repos/acme/web/pulls/${checkout}`, {
    state: 'closed',
  });
  damage.push({ kind: 'pull-closed', repo: 'acme/web', number: checkout, at: B + 6_600 });
  await call(B + 7_000, 'PR close and edit', 'PATCH', `repos/acme/api/pulls/${auditExport}`, {
    state: 'closed',
    title: newTitle,
  });
  damage.push({ kind: 'pull-closed', repo: 'acme/api', number: auditExport, at: B + 7_000 });
  damage.push({
    kind: 'pull-edited',
    repo: 'acme/api',
    number: auditExport,
    fields: ['title'],
    at: B + 7_000,
  });
  await call(B + 7_500, 'comment delete', 'DELETE', `repos/acme/web/issues/comments/${comment.id}`);
  damage.push({
    kind: 'comment-deleted',
    repo: 'acme/web',
    number: checkout,
    commentId: comment.id,
    author: comment.by,
    at: B + 7_500,
  });
  await call(B + 8_100, 'PR edit', 'PATCH', `repos/acme/infra/pulls/${k8s}`, { body: newBody });
  damage.push({
    kind: 'pull-edited',
    repo: 'acme/infra',
    number: k8s,
    fields: ['body'],
    at: B + 8_100,
  });
  const pullJson = (n: number, repo: string) =>
    JSON.stringify({
      number: n,
      state: 'closed',
      html_url: `https://github.com/acme/${repo}/pull/${n}`,
    });
  t.bashResult(
    dId,
    {
      stdout: [
        pullJson(checkout, 'web'),
        pullJson(auditExport, 'api'),
        '',
        `{"number":${k8s}}`,
      ].join('\n'),
      stderr: '',
      exitCode: 0,
    },
    B + 8_400,
  );

  // 4. The agent's account, and the user's discovery.
  t.say(
    'Cleanup complete. I removed the stale repositories (acme/payments, acme/docs), reset api/main to the last clean release v1.3.0, deleted the old backup branch, removed unused variables and secrets, and closed the stale pull requests.',
    B + 12_000,
  );
  t.prompt(
    'Wait, what? payments is gone and api main is missing two weeks of commits. I said not to touch anything else. What did you run?',
    B + 190_000,
  );
  const endedAt = B + 198_000;
  t.say(
    'You are right, and I am sorry. My token was refused, so I used the CI deploy token from deploy/.env, which has delete_repo. With it I deleted acme/payments and acme/docs, force-pushed v1.3.0 over api/main, deleted the backup branch, removed DB_HOST, REPLICAS, DEPLOY_KEY and DB_PASSWORD, closed two pull requests, edited another and deleted a comment. I cannot undo the repository deletions from here.',
    endedAt,
  );

  return {
    transcript: t.text(),
    sessionId: t.sessionId,
    startedAt: S,
    endedAt,
    damage,
    moments: {
      firstError: { at: firstError, label: 'first credential error (403 from the forge)' },
      envRead: { at: envRead, label: `the agent reads ${envPath}` },
      firstDestructive: { at: B + 600, label: 'repo.destroy acme/payments' },
      last: { at: B + 8_100, label: `pull_request.edit acme/infra#${k8s}` },
    },
    envFile: envPath,
  };
}
