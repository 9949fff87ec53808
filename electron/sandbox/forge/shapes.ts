import type { ForgeUrls } from './api-context';
import type {
  AccountRecord,
  EnvironmentRecord,
  ForgeState,
  IssueCommentRecord,
  LabelRecord,
  PullRecord,
  RepoRecord,
  ReviewCommentRecord,
  ReviewRecord,
} from './state';

/**
 * GitHub-shaped JSON for the forge's records.
 *
 * Complete enough to satisfy the response schemas of GitHub's OpenAPI description (the
 * tests check every one), with every URL pointing back at this forge.
 */

/** GitHub's legacy global node id for a record (`MDEwOlJlcG9zaXRvcnkx`-like). */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}

/** A simple-user object for an account (also for organisations, as GitHub's owner is). */
export function userJson(urls: ForgeUrls, account: AccountRecord) {
  const api = `${urls.api}/users/${account.login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type === 'Organization' ? 'Organization' : 'User', account.id),
    avatar_url: `${urls.web}/avatars/${account.login}`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${account.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    site_admin: false,
    user_view_type: 'public',
  };
}

/** The account for a login, or a placeholder for one that no longer exists. */
export function accountOf(state: ForgeState, login: string): AccountRecord {
  return (
    state.accounts[login.toLowerCase()] ?? {
      id: 0,
      login,
      type: 'User',
      createdAt: new Date(0).toISOString(),
    }
  );
}

/** The full-repository object (a superset of the minimal and list shapes). */
export function repoJson(urls: ForgeUrls, state: ForgeState, repo: RepoRecord) {
  const full = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${full}`;
  const owner = accountOf(state, repo.owner);
  const openPulls = repo.pulls.filter((p) => p.state === 'open').length;
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: full,
    owner: userJson(urls, owner),
    private: repo.private,
    html_url: `${urls.web}/${full}`,
    description: repo.description,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `${urls.web.replace(/^http/, 'git')}/${full}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@127.0.0.1:${full}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${urls.web}/${full}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${urls.web}/${full}`,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: openPulls,
    open_issues: openPulls,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.pushedAt ?? repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
    network_count: 0,
    subscribers_count: 0,
    ...(owner.type === 'Organization' ? { organization: userJson(urls, owner) } : {}),
  };
}

/** A label object. */
export function labelJson(urls: ForgeUrls, repo: RepoRecord, label: LabelRecord) {
  return {
    id: label.id,
    node_id: nodeId('Label', label.id),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

/** Where a pull request's branch points now: live while open, as last seen once closed. */
export type LiveRefs = ReadonlyMap<string, string>;

function sideJson(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  side: PullRecord['head'],
  live: LiveRefs | undefined,
  open: boolean,
) {
  const owner = accountOf(state, repo.owner);
  const sha = (open ? live?.get(`refs/heads/${side.ref}`) : undefined) ?? side.sha;
  return {
    label: `${repo.owner}:${side.ref}`,
    ref: side.ref,
    sha,
    user: userJson(urls, owner),
    repo: repoJson(urls, state, repo),
  };
}

function pullBase(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  pull: PullRecord,
  live: LiveRefs | undefined,
) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const self = `${api}/pulls/${pull.number}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/pull/${pull.number}`;
  const open = pull.state === 'open';
  const head = sideJson(urls, state, repo, pull.head, live, open);
  return {
    url: self,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${head.sha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(urls, accountOf(state, pull.user)),
    body: pull.body,
    labels: pull.labels.flatMap((name) => {
      const label = repo.labels[name.toLowerCase()];
      return label ? [labelJson(urls, repo, label)] : [];
    }),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: pull.requestedReviewers.map((login) =>
      userJson(urls, accountOf(state, login)),
    ),
    requested_teams: [],
    head,
    base: sideJson(urls, state, repo, pull.base, live, open),
    _links: {
      self: { href: self },
      html: { href: html },
      issue: { href: `${api}/issues/${pull.number}` },
      comments: { href: `${api}/issues/${pull.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${head.sha}` },
    },
    author_association: pull.user.toLowerCase() === repo.owner.toLowerCase() ? 'OWNER' : 'MEMBER',
    auto_merge: null,
    draft: pull.draft,
  };
}

/** The pull-request-simple object of lists and reviewer answers. */
export function pullSimpleJson(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  pull: PullRecord,
  live?: LiveRefs,
) {
  const base = pullBase(urls, state, repo, pull, live);
  // The simple shape's label description is a plain string in GitHub's description.
  return { ...base, labels: base.labels.map((l) => ({ ...l, description: l.description ?? '' })) };
}

/** The full pull-request object. */
export function pullJson(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  pull: PullRecord,
  live?: LiveRefs,
) {
  const comments = repo.issueComments.filter((c) => c.issueNumber === pull.number).length;
  const reviewComments = repo.reviewComments.filter((c) => c.pullNumber === pull.number).length;
  return {
    ...pullBase(urls, state, repo, pull, live),
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments,
    review_comments: reviewComments,
    maintainer_can_modify: false,
    commits: 0,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

/** An issue-comment object. */
export function issueCommentJson(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  comment: IssueCommentRecord,
) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userJson(urls, accountOf(state, comment.user)),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${api}/issues/${comment.issueNumber}`,
    author_association: 'MEMBER',
  };
}

/** A pull-request-review object. */
export function reviewJson(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  review: ReviewRecord,
) {
  const pullUrl = `${urls.api}/repos/${repo.owner}/${repo.name}/pulls/${review.pullNumber}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
  return {
    id: review.id,
    node_id: nodeId('PullRequestReview', review.id),
    user: userJson(urls, accountOf(state, review.user)),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    ...(review.state === 'PENDING' ? {} : { submitted_at: review.submittedAt }),
    commit_id: review.commitId,
    author_association: 'MEMBER',
  };
}

/** A pull-request-review-comment object. */
export function reviewCommentJson(
  urls: ForgeUrls,
  state: ForgeState,
  repo: RepoRecord,
  comment: ReviewCommentRecord,
) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const self = `${api}/pulls/comments/${comment.id}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/pull/${comment.pullNumber}#discussion_r${comment.id}`;
  const pullUrl = `${api}/pulls/${comment.pullNumber}`;
  return {
    url: self,
    pull_request_review_id: comment.reviewId,
    id: comment.id,
    node_id: nodeId('PullRequestReviewComment', comment.id),
    diff_hunk: comment.line === null ? '' : `@@ -${comment.line},1 +${comment.line},1 @@`,
    path: comment.path,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    ...(comment.inReplyTo === null ? {} : { in_reply_to_id: comment.inReplyTo }),
    user: userJson(urls, accountOf(state, comment.user)),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: 'MEMBER',
    _links: { self: { href: self }, html: { href: html }, pull_request: { href: pullUrl } },
    ...(comment.line === null ? {} : { line: comment.line, original_line: comment.line }),
    side: comment.side,
    subject_type: comment.subjectType,
  };
}

/** An environment object. */
export function environmentJson(urls: ForgeUrls, repo: RepoRecord, env: EnvironmentRecord) {
  const name = encodeURIComponent(env.name);
  return {
    id: env.id,
    node_id: nodeId('Environment', env.id),
    name: env.name,
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/environments/${name}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/deployments/activity_log?environments_filter=${name}`,
    created_at: env.createdAt,
    updated_at: env.updatedAt,
    protection_rules:
      env.waitTimer > 0
        ? [
            {
              id: env.id,
              node_id: nodeId('Gate', env.id),
              type: 'wait_timer',
              wait_timer: env.waitTimer,
            },
          ]
        : [],
    deployment_branch_policy: null,
  };
}
