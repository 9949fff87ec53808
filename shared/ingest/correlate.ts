/**
 * Correlation: which provider audit events each agent tool call caused.
 *
 * A transcript says what the agent meant to do, an audit log says what happened and with
 * which credential; neither alone is the truth. This joins them by the command itself,
 * then by the resource it names, then (for opaque commands only) by time, and reports both
 * gaps: provider effects no tool call explains, and tool calls whose claimed effect no
 * provider shows. Pure and index-based, so findings and the timeline can cite events.
 */
import type { NormalizedEvent } from './event';
import { assertNever } from '../util/assert-never';
import { classifyCommand } from './formats/classify-command';

/** How a provider event was tied to a tool call, strongest first. */
export type LinkConfidence = 'command' | 'resource' | 'time';

/** One tool call and the provider events it caused. */
export interface CorrelationLink {
  /** Index of the tool call event in the input array. */
  readonly toolCall: number;
  /** Indexes of provider events, in time order. */
  readonly effects: ReadonlyArray<number>;
  /** The weakest confidence among the effects. */
  readonly confidence: LinkConfidence;
  /** Human-readable explanation, one clause per effect. */
  readonly why: string;
}

/** A tool call whose command implies a provider effect that no provider event shows. */
export interface UnconfirmedClaim {
  readonly toolCall: number;
  readonly claim: string;
}

/** What correlation learnt about one agent session. */
export interface SessionSummary {
  readonly session: string;
  /** First and last tool call times (ms). */
  readonly from: number;
  readonly to: number;
  /** Credential fingerprints seen on the session's linked effects, first use first. */
  readonly credentials: ReadonlyArray<string>;
  /** Provider actor ids seen on the session's linked effects. */
  readonly actors: ReadonlyArray<string>;
  /** Indexes of the session's tool calls, in time order. */
  readonly toolCalls: ReadonlyArray<number>;
}

/** The result of {@link correlate}. */
export interface Correlation {
  readonly links: ReadonlyArray<CorrelationLink>;
  /** Provider events of a session's credential, in its active period, that no tool call explains. */
  readonly unexplained: ReadonlyArray<number>;
  readonly unconfirmed: ReadonlyArray<UnconfirmedClaim>;
  readonly sessions: ReadonlyArray<SessionSummary>;
}

/** Options of {@link correlate}. */
export interface CorrelateOptions {
  /** How long after a tool call starts its effects may appear (default 30 s). */
  readonly windowMs?: number;
  /** Clock skew allowed before the tool call's time (default 2 s). */
  readonly skewMs?: number;
}

/** A provider effect a command implies. */
export interface CommandClaim {
  /** Short human form: `repo.destroy acme/api`. */
  readonly description: string;
  /** Provider action names that satisfy the claim; empty with `anyDelete`. */
  readonly actions: ReadonlyArray<string>;
  /** Any deleting provider event satisfies it (terraform destroy). */
  readonly anyDelete: boolean;
  /** The effect must be destructive (a forced push). */
  readonly destructive: boolean;
  /** Target key prefix (`acme/api`, `s3://bucket`), or null when the command names none. */
  readonly target: string | null;
  /** Strings the target key must contain when it is more specific than `target`. */
  readonly contains: ReadonlyArray<string>;
}

/** Parsed from one tool call: its command text and the claims it makes. */
export interface ParsedCommand {
  readonly text: string;
  readonly claims: ReadonlyArray<CommandClaim>;
  /** Runs something whose effects cannot be read from the text (a script, `make`). */
  readonly opaque: boolean;
  /** Destroys data locally or remotely (`rm -rf`, any destructive claim). */
  readonly destructive: boolean;
}

const transcriptFormats = new Set(['claude-code', 'codex-cli']);

/**
 * Whether an event comes from an agent transcript rather than a provider.
 *
 * Correlation joins the two sides, so every rule needs to tell them apart the same way.
 */
export function isTranscriptEvent(event: NormalizedEvent): boolean {
  return transcriptFormats.has(event.format) || event.agent !== null;
}

/**
 * Whether an event is an agent tool call (not a prompt, a message or a bare tool result).
 *
 * Importers may emit the call and its result as two events sharing a `toolCallId`; the
 * earliest is the call (see {@link toolCallIndexes}).
 */
export function isToolCallEvent(event: NormalizedEvent): boolean {
  return event.agent !== null && event.agent.toolCallId !== null && event.agent.toolName !== null;
}

/** A tool call with its result folded in. */
export interface ToolCallView {
  readonly index: number;
  readonly session: string;
  readonly time: number;
  readonly toolName: string;
  readonly input: string;
  readonly isError: boolean;
  readonly rejected: boolean;
  readonly parsed: ParsedCommand;
}

/**
 * The tool calls of a trail, one per call id, in time order, with errors folded in.
 *
 * Findings (retry loops, freezes) and correlation must count a call once even when the
 * importer emitted its use and its result separately.
 */
export function toolCallViews(events: ReadonlyArray<NormalizedEvent>): ReadonlyArray<ToolCallView> {
  const byId = new Map<
    string,
    { index: number; isError: boolean; rejected: boolean; input: string }
  >();
  const order = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => isToolCallEvent(e))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i);
  for (const { e, i } of order) {
    const agent = e.agent;
    if (agent === null) continue;
    const key = `${agent.session}\u0000${agent.toolCallId ?? ''}`;
    const seen = byId.get(key);
    if (seen === undefined) {
      byId.set(key, {
        index: i,
        isError: agent.isError,
        rejected: agent.rejected,
        input: agent.toolInput ?? '',
      });
    } else {
      byId.set(key, {
        index: seen.index,
        isError: seen.isError || agent.isError,
        rejected: seen.rejected || agent.rejected,
        input: seen.input === '' ? (agent.toolInput ?? '') : seen.input,
      });
    }
  }
  const views: ToolCallView[] = [];
  for (const v of byId.values()) {
    const e = events[v.index];
    if (e?.agent == null) continue;
    views.push({
      index: v.index,
      session: e.agent.session,
      time: e.time,
      toolName: e.agent.toolName ?? '',
      input: v.input,
      isError: v.isError,
      rejected: v.rejected,
      parsed: parseToolInput(e.agent.toolName ?? '', v.input),
    });
  }
  return views.sort((a, b) => a.time - b.time || a.index - b.index);
}

// ---------------------------------------------------------------------------------------
// Command parsing

/**
 * The command line in a tool input: Claude Code Bash `{"command": "..."}`, Codex `shell`
 * `{"command": ["bash", "-lc", "..."]}`, or the raw text.
 *
 * Exported so findings read commands exactly as correlation does.
 */
export function commandTextOf(toolInput: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(toolInput);
  } catch {
    return toolInput.trim() === '' ? null : toolInput;
  }
  if (typeof parsed === 'string') return parsed;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  const command = record['command'] ?? record['cmd'];
  if (typeof command === 'string') return command;
  if (Array.isArray(command) && command.every((c): c is string => typeof c === 'string')) {
    const [first, second] = command;
    const shells = ['bash', 'sh', 'zsh', '/bin/bash', '/bin/sh', '/bin/zsh'];
    if (first !== undefined && shells.includes(first) && (second === '-lc' || second === '-c')) {
      return command.slice(2).join(' ');
    }
    return command.join(' ');
  }
  return null;
}

/** Splits a shell line into simple commands (on `&&`, `||`, `;`, `|`, newlines) and words. */
function splitShell(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i] ?? '';
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      const next = text[++i] ?? '';
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
    } else if (c === ';' || c === '|' || c === '&' || c === '\n') {
      endCommand();
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

/** Drops `sudo`, `env`, `VAR=value` and `time` prefixes. */
function stripPrefixes(words: ReadonlyArray<string>): string[] {
  let i = 0;
  while (i < words.length) {
    const w = words[i] ?? '';
    if (w === 'sudo' || w === 'env' || w === 'time' || w === 'exec' || w === 'command') i++;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
    else if (w === 'export' || w === 'cd' || w === 'set') return [];
    else break;
  }
  return words.slice(i);
}

function claim(
  description: string,
  actions: ReadonlyArray<string>,
  target: string | null,
  extra: Partial<Pick<CommandClaim, 'anyDelete' | 'destructive' | 'contains'>> = {},
): CommandClaim {
  return {
    description,
    actions,
    target,
    anyDelete: extra.anyDelete ?? false,
    destructive: extra.destructive ?? false,
    contains: extra.contains ?? [],
  };
}

/** Value of `-X POST`, `--method=POST`, `--request POST`. */
function flagValue(words: ReadonlyArray<string>, names: ReadonlyArray<string>): string | null {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    for (const name of names) {
      if (w === name) return words[i + 1] ?? null;
      if (name.startsWith('--') && w.startsWith(`${name}=`)) return w.slice(name.length + 1);
      if (!name.startsWith('--') && w.startsWith(name) && w.length > name.length) {
        return w.slice(name.length);
      }
    }
  }
  return null;
}

const refDeleteActions = ['git.push', 'git.delete', 'ref.delete', 'ref.destroy', 'branch.delete'];

/** Claims of a REST call against the GitHub API (`repos/o/r/...`). */
function githubApiClaims(method: string, rawPath: string): CommandClaim[] {
  const path = rawPath.replace(/^https?:\/\/api\.github\.com/, '').replace(/^\/+/, '');
  const parts =
    path
      .split(/[?#]/)[0]
      ?.split('/')
      .filter((p) => p !== '') ?? [];
  const m = method.toUpperCase();
  if (parts[0] !== 'repos' || parts.length < 3 || m === 'GET' || m === 'HEAD') return [];
  const repo = `${parts[1]}/${parts[2]}`;
  const rest = parts.slice(3);
  const [a, b, c] = rest;
  if (rest.length === 0) {
    if (m === 'DELETE') return [claim(`repo.destroy ${repo}`, ['repo.destroy'], repo)];
    if (m === 'PATCH') {
      return [
        claim(
          `repo.update ${repo}`,
          ['repo.update', 'repo.archived', 'repo.access', 'repo.rename'],
          repo,
        ),
      ];
    }
    return [];
  }
  if (a === 'git' && b === 'refs' && rest.length >= 4) {
    const ref = `refs/${rest.slice(2).join('/')}`;
    if (m === 'DELETE') {
      return [
        claim(`ref delete ${repo}@${ref}`, refDeleteActions, `${repo}@${ref}`, {
          destructive: true,
        }),
      ];
    }
    if (m === 'PATCH') return [claim(`ref update ${repo}@${ref}`, ['git.push'], `${repo}@${ref}`)];
    return [];
  }
  if (a === 'actions' && (b === 'variables' || b === 'secrets')) {
    const noun = b === 'variables' ? 'variable' : 'secret';
    const name = c ?? null;
    const contains = name === null ? [] : [name];
    if (m === 'DELETE') {
      return [
        claim(
          `repo.remove_actions_${noun} ${repo} ${name ?? ''}`.trim(),
          [`repo.remove_actions_${noun}`],
          repo,
          { contains },
        ),
      ];
    }
    if (m === 'POST' || m === 'PUT') {
      return [
        claim(
          `repo.create_actions_${noun} ${repo} ${name ?? ''}`.trim(),
          [`repo.create_actions_${noun}`, `repo.update_actions_${noun}`],
          repo,
          { contains },
        ),
      ];
    }
    if (m === 'PATCH') {
      return [
        claim(
          `repo.update_actions_${noun} ${repo} ${name ?? ''}`.trim(),
          [`repo.update_actions_${noun}`],
          repo,
          { contains },
        ),
      ];
    }
    return [];
  }
  if (a === 'pulls' && b !== undefined) {
    if (m === 'PATCH') {
      return [
        claim(
          `pull_request edit ${repo}#${b}`,
          ['pull_request.close', 'pull_request.edit', 'pull_request.reopen'],
          repo,
          { contains: [b] },
        ),
      ];
    }
    if (m === 'PUT' && c === 'merge') {
      return [
        claim(`pull_request.merge ${repo}#${b}`, ['pull_request.merge'], repo, { contains: [b] }),
      ];
    }
    return [];
  }
  if (a === 'pulls' && m === 'POST')
    return [claim(`pull_request.create ${repo}`, ['pull_request.create'], repo)];
  if (a === 'branches' && c === 'protection' && m === 'DELETE') {
    return [
      claim(
        `protected_branch.destroy ${repo}@refs/heads/${b}`,
        ['protected_branch.destroy'],
        repo,
        { contains: [b ?? ''] },
      ),
    ];
  }
  return [];
}

/** `https://github.com/o/r(.git)`, `git@github.com:o/r.git` -> `o/r`. */
function repoFromRemote(remote: string): string | null {
  const m = /github\.com[/:]([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(remote);
  return m === null ? null : `${m[1]}/${m[2]}`;
}

function gitPushClaims(args: ReadonlyArray<string>): CommandClaim[] {
  let force = false;
  let del = false;
  const positional: string[] = [];
  for (const w of args) {
    if (w === '--force' || w === '-f' || w.startsWith('--force-with-lease') || w === '--mirror')
      force = true;
    else if (w === '--delete' || w === '-d') del = true;
    else if (/^-[a-zA-Z]+$/.test(w) && w.includes('f')) force = true;
    else if (!w.startsWith('-')) positional.push(w);
  }
  const [remote, ...refspecs] = positional;
  const repo = remote === undefined ? null : repoFromRemote(remote);
  const where = repo ?? remote ?? 'origin';
  const claims: CommandClaim[] = [];
  const specs = refspecs.length === 0 ? [null] : refspecs;
  for (const spec of specs) {
    if (spec === null) {
      claims.push(
        claim(`git.push${force ? ' --force' : ''} ${where}`, ['git.push'], repo, {
          destructive: force,
        }),
      );
      continue;
    }
    const plus = spec.startsWith('+');
    const body = plus ? spec.slice(1) : spec;
    const colon = body.indexOf(':');
    const deletes = del || colon === 0;
    const dst = colon >= 0 ? body.slice(colon + 1) : body;
    const branch = dst.replace(/^refs\/heads\//, '');
    const ref = `refs/heads/${branch}`;
    const target = repo === null ? null : `${repo}@${ref}`;
    if (deletes) {
      claims.push(
        claim(`branch delete ${where}@${ref}`, refDeleteActions, target, {
          destructive: true,
          contains: [ref],
        }),
      );
    } else {
      const forced = force || plus;
      claims.push(
        claim(`git.push${forced ? ' --force' : ''} ${where}@${ref}`, ['git.push'], target, {
          destructive: forced,
          contains: [ref],
        }),
      );
    }
  }
  return claims;
}

function awsClaims(args: ReadonlyArray<string>): CommandClaim[] {
  const [service, op, ...rest] = args;
  const s3Url = rest.find((w) => w.startsWith('s3://'));
  const bucketOf = (url: string): string => `s3://${url.slice(5).split('/')[0] ?? ''}`;
  if (service === 's3' && op === 'rm' && s3Url !== undefined) {
    return [
      claim(`DeleteObject ${s3Url}`, ['DeleteObject', 'DeleteObjects'], bucketOf(s3Url), {
        destructive: true,
      }),
    ];
  }
  if (service === 's3' && op === 'rb' && s3Url !== undefined) {
    return [
      claim(`DeleteBucket ${bucketOf(s3Url)}`, ['DeleteBucket'], bucketOf(s3Url), {
        destructive: true,
      }),
    ];
  }
  if (service === 's3api') {
    const bucket = flagValue(rest, ['--bucket']);
    const target = bucket === null ? null : `s3://${bucket}`;
    if (op === 'delete-bucket')
      return [
        claim(`DeleteBucket ${target ?? ''}`.trim(), ['DeleteBucket'], target, {
          destructive: true,
        }),
      ];
    if (op === 'delete-object' || op === 'delete-objects') {
      return [
        claim(`DeleteObject ${target ?? ''}`.trim(), ['DeleteObject', 'DeleteObjects'], target, {
          destructive: true,
        }),
      ];
    }
  }
  if (service === 'rds' && op !== undefined) {
    const ops: Record<string, [string, string]> = {
      'delete-db-instance': ['DeleteDBInstance', '--db-instance-identifier'],
      'delete-db-cluster': ['DeleteDBCluster', '--db-cluster-identifier'],
      'delete-db-snapshot': ['DeleteDBSnapshot', '--db-snapshot-identifier'],
      'delete-db-cluster-snapshot': ['DeleteDBClusterSnapshot', '--db-cluster-snapshot-identifier'],
    };
    const spec = ops[op];
    if (spec !== undefined) {
      const id = flagValue(rest, [spec[1]]);
      return [
        claim(`${spec[0]} ${id ?? ''}`.trim(), [spec[0]], null, {
          destructive: true,
          contains: id === null ? [] : [id],
        }),
      ];
    }
  }
  if (service === 'ec2' && op === 'delete-snapshot') {
    const id = flagValue(rest, ['--snapshot-id']);
    return [
      claim(`DeleteSnapshot ${id ?? ''}`.trim(), ['DeleteSnapshot'], null, {
        destructive: true,
        contains: id === null ? [] : [id],
      }),
    ];
  }
  if (service === 'ec2' && op === 'terminate-instances') {
    return [claim('TerminateInstances', ['TerminateInstances'], null, { destructive: true })];
  }
  return [];
}

function kubectlClaims(args: ReadonlyArray<string>): CommandClaim[] {
  if (args[0] !== 'delete') return [];
  const positional: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const w = args[i] ?? '';
    if (w === '-n' || w === '--namespace' || w === '-l' || w === '--selector' || w === '-f') i++;
    else if (!w.startsWith('-')) positional.push(w);
  }
  const all = args.includes('--all') || args.includes('-l') || args.includes('--selector');
  const [first, ...names] = positional;
  if (first === undefined)
    return [
      claim('delete (kubernetes)', ['delete', 'deletecollection'], null, { destructive: true }),
    ];
  const slash = first.indexOf('/');
  const kind = slash >= 0 ? first.slice(0, slash) : first;
  const objects = slash >= 0 ? [first.slice(slash + 1)] : names;
  if (objects.length === 0 || all) {
    return [claim(`delete ${kind}`, ['delete', 'deletecollection'], null, { destructive: true })];
  }
  return objects.map((name) =>
    claim(`delete ${kind}/${name}`, ['delete'], null, { destructive: true, contains: [name] }),
  );
}

const localCommands = new Set([
  'ls',
  'cat',
  'head',
  'tail',
  'grep',
  'rg',
  'find',
  'echo',
  'printf',
  'pwd',
  'cd',
  'which',
  'env',
  'export',
  'true',
  'false',
  'test',
  'wc',
  'sort',
  'uniq',
  'jq',
  'sed',
  'awk',
  'less',
  'diff',
  'mkdir',
  'touch',
  'cp',
  'mv',
  'rm',
  'chmod',
  'sleep',
  'date',
  'whoami',
  'source',
  'read',
]);

/** Claims and traits of one simple command. */
function parseSimple(rawWords: ReadonlyArray<string>): {
  claims: CommandClaim[];
  opaque: boolean;
  destructive: boolean;
} {
  const words = stripPrefixes(rawWords);
  const [cmd, ...args] = words;
  if (cmd === undefined) return { claims: [], opaque: false, destructive: false };
  const base = cmd.split('/').pop() ?? cmd;
  if (base === 'gh') {
    if (args[0] === 'repo' && args[1] === 'delete') {
      const repo = args.slice(2).find((w) => !w.startsWith('-')) ?? null;
      return {
        claims: [claim(`repo.destroy ${repo ?? '(current repository)'}`, ['repo.destroy'], repo)],
        opaque: false,
        destructive: true,
      };
    }
    if (args[0] === 'api') {
      const fields = args.some(
        (w) => w === '-f' || w === '-F' || w === '--field' || w === '--raw-field',
      );
      const method = flagValue(args, ['-X', '--method']) ?? (fields ? 'POST' : 'GET');
      const endpoint = args
        .slice(1)
        .find(
          (w, i, all) =>
            !w.startsWith('-') &&
            ![
              '-X',
              '--method',
              '-f',
              '-F',
              '-H',
              '--field',
              '--raw-field',
              '--header',
              '--input',
            ].includes(all[i - 1] ?? ''),
        );
      const claims = endpoint === undefined ? [] : githubApiClaims(method, endpoint);
      return {
        claims,
        opaque: false,
        destructive: claims.some((c) => c.destructive) || method.toUpperCase() === 'DELETE',
      };
    }
    if (
      (args[0] === 'variable' || args[0] === 'secret') &&
      (args[1] === 'delete' || args[1] === 'remove')
    ) {
      // The name is the first word that is neither a flag nor a flag's value
      // (`gh secret delete --env production DB_PASSWORD` names DB_PASSWORD).
      const valued = ['-R', '--repo', '-e', '--env', '-o', '--org', '-a', '--app'];
      const rest = args.slice(2);
      const name =
        rest.find((w, i) => !w.startsWith('-') && !valued.includes(rest[i - 1] ?? '')) ?? null;
      const repo = flagValue(args, ['-R', '--repo']);
      const environment = flagValue(args, ['-e', '--env']);
      const noun = args[0];
      const scope = environment === null ? 'repo' : 'environment';
      return {
        claims: [
          claim(
            `${scope}.remove_actions_${noun} ${repo ?? ''} ${environment === null ? '' : `${environment} `}${name ?? ''}`
              .replace(/ +/g, ' ')
              .trim(),
            [`${scope}.remove_actions_${noun}`],
            repo,
            { contains: name === null ? [] : [name] },
          ),
        ],
        opaque: false,
        destructive: true,
      };
    }
    return { claims: [], opaque: false, destructive: false };
  }
  if (base === 'curl') {
    const url = args.find((w) => /^https?:\/\//.test(w));
    const data = args.some((w) => w === '-d' || w === '--data' || w.startsWith('--data'));
    const method = flagValue(args, ['-X', '--request']) ?? (data ? 'POST' : 'GET');
    const claims =
      url !== undefined && url.includes('api.github.com') ? githubApiClaims(method, url) : [];
    return {
      claims,
      opaque: false,
      destructive: claims.some((c) => c.destructive) || method.toUpperCase() === 'DELETE',
    };
  }
  if (base === 'git') {
    // `git -C dir push`, `git -c k=v push`: skip global options and their values.
    let sub = 0;
    while (sub < args.length && (args[sub] ?? '').startsWith('-')) {
      sub += args[sub] === '-C' || args[sub] === '-c' ? 2 : 1;
    }
    if (args[sub] === 'push') {
      const claims = gitPushClaims(args.slice(sub + 1));
      return { claims, opaque: false, destructive: claims.some((c) => c.destructive) };
    }
    return {
      claims: [],
      opaque: false,
      destructive: args[sub] === 'reset' && args.includes('--hard'),
    };
  }
  if (base === 'terraform' || base === 'tofu') {
    const destroy =
      args.includes('destroy') || (args.includes('apply') && args.includes('-destroy'));
    if (destroy) {
      return {
        claims: [
          claim('terraform destroy (any deletion)', [], null, {
            anyDelete: true,
            destructive: true,
          }),
        ],
        opaque: false,
        destructive: true,
      };
    }
    return { claims: [], opaque: args.includes('apply'), destructive: false };
  }
  if (base === 'aws') {
    const claims = awsClaims(
      args.filter(
        (w, i, all) =>
          !(
            w.startsWith('--profile') ||
            w.startsWith('--region') ||
            all[i - 1] === '--profile' ||
            all[i - 1] === '--region'
          ),
      ),
    );
    return { claims, opaque: false, destructive: claims.some((c) => c.destructive) };
  }
  if (base === 'kubectl') {
    const claims = kubectlClaims(args);
    return { claims, opaque: false, destructive: claims.length > 0 };
  }
  if (base === 'rm') {
    const recursive = args.some((w) => /^-[a-zA-Z]*[rR]/.test(w) || w === '--recursive');
    return { claims: [], opaque: false, destructive: recursive };
  }
  return { claims: [], opaque: !localCommands.has(base), destructive: false };
}

/**
 * Parses a command line into the provider effects it claims.
 *
 * The importers' `classifyCommand` decides whether a command is destructive (one meaning
 * everywhere); it does not say which provider actions a command causes, so this reader adds
 * that: the commands in docs/findings.md, mapped to provider action names and event.ts
 * target keys.
 */
export function parseCommand(text: string): ParsedCommand {
  const claims: CommandClaim[] = [];
  let opaque = false;
  let destructive = false;
  for (const words of splitShell(text)) {
    const r = parseSimple(words);
    claims.push(...r.claims);
    opaque ||= r.opaque;
    destructive ||= r.destructive || r.claims.some((c) => c.destructive);
  }
  destructive ||= classifyCommand(text).destructive;
  return { text, claims, opaque, destructive };
}

const shellTools = new Set([
  'bash',
  'shell',
  'exec_command',
  'local_shell',
  'container.exec',
  'run_command',
]);

/** Parses a tool call's input; only shell-like tools carry commands. */
function parseToolInput(toolName: string, input: string): ParsedCommand {
  const text = shellTools.has(toolName.toLowerCase()) ? commandTextOf(input) : null;
  if (text === null) return { text: input, claims: [], opaque: false, destructive: false };
  return parseCommand(text);
}

// ---------------------------------------------------------------------------------------
// Matching

type MatchKind = 'command' | 'resource';

function targetMatches(c: CommandClaim, event: NormalizedEvent): boolean {
  const key = event.target?.key ?? '';
  if (c.target !== null) {
    const prefixOk =
      key === c.target || [`/`, `@`, `:`, `#`].some((sep) => key.startsWith(c.target + sep));
    if (!prefixOk) return false;
    // The provider may record only the repository for a variable or PR.
    if (key === c.target) return true;
  } else if (c.contains.length > 0 && key === '') {
    return false;
  }
  const lower = key.toLowerCase();
  return c.contains.every((s) => lower.includes(s.toLowerCase()));
}

function claimMatches(c: CommandClaim, event: NormalizedEvent): boolean {
  if (c.destructive && !event.action.destructive) return false;
  if (c.anyDelete) return event.action.class === 'delete' || event.action.destructive;
  if (!c.actions.includes(event.action.provider)) return false;
  return targetMatches(c, event);
}

/** The repository or bucket part of a target key: `acme/api@refs/heads/x` -> `acme/api`. */
export function scopeOfKey(key: string): string {
  if (key.startsWith('s3://')) return `s3://${key.slice(5).split('/')[0] ?? ''}`;
  if (/^(arn|rds|ec2|k8s):/.test(key)) return key;
  const head = key.split(/[@:#]/)[0] ?? key;
  return head.split('/').slice(0, 2).join('/');
}

function mentionsResource(input: string, event: NormalizedEvent): boolean {
  const key = event.target?.key;
  if (key === undefined || key.length < 3) return false;
  if (input.includes(key)) return true;
  const scope = scopeOfKey(key);
  return scope.length >= 3 && scope.includes('/') && input.includes(scope);
}

function clock(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : String(ms);
}

function describeEvent(event: NormalizedEvent): string {
  return `${event.action.provider}${event.target === null ? '' : ` ${event.target.key}`}`;
}

function delay(ms: number): string {
  const s = ms / 1000;
  return s >= 0 ? `${Number(s.toFixed(1))} s later` : `${Number((-s).toFixed(1))} s earlier`;
}

const confidenceRank: Record<LinkConfidence, number> = { command: 0, resource: 1, time: 2 };

function weakest(a: LinkConfidence, b: LinkConfidence): LinkConfidence {
  return confidenceRank[a] >= confidenceRank[b] ? a : b;
}

function confidenceLabel(c: LinkConfidence): string {
  switch (c) {
    case 'command':
      return 'the command';
    case 'resource':
      return 'the resource named in the input';
    case 'time':
      return 'time and credential only';
    default:
      return assertNever(c, 'confidence');
  }
}

/**
 * Links tool calls to the provider events they caused.
 *
 * Each provider event goes to at most one tool call: the strongest match, then the closest
 * call before it. Time-only links are made for opaque commands (scripts, `make`) and only
 * to events of a credential the session is already known to use, so a human's concurrent
 * work is not pinned on the agent.
 */
export function correlate(
  events: ReadonlyArray<NormalizedEvent>,
  options: CorrelateOptions = {},
): Correlation {
  const windowMs = options.windowMs ?? 30_000;
  const skewMs = options.skewMs ?? 2_000;
  const calls = toolCallViews(events);
  const providers = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => !isTranscriptEvent(e))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i);

  interface Candidate {
    readonly call: ToolCallView;
    readonly kind: MatchKind;
    readonly claim: CommandClaim | null;
  }
  const assigned = new Map<number, Candidate>();
  const inWindow = (call: ToolCallView, t: number): boolean =>
    t >= call.time - skewMs && t <= call.time + windowMs;
  const effective = calls.filter((c) => !c.rejected);
  // Calls that may have caused an event at t, found by binary search: `effective` is in time order.
  const callsNear = (t: number): ReadonlyArray<ToolCallView> => {
    let lo = 0;
    let hi = effective.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((effective[mid]?.time ?? 0) < t - windowMs) lo = mid + 1;
      else hi = mid;
    }
    const near: ToolCallView[] = [];
    for (let k = lo; k < effective.length; k++) {
      const call = effective[k];
      if (call === undefined || call.time > t + skewMs) break;
      near.push(call);
    }
    return near;
  };

  for (const { e, i } of providers) {
    let best: Candidate | null = null;
    for (const call of callsNear(e.time)) {
      if (!inWindow(call, e.time)) continue;
      const byClaim = call.parsed.claims.find((c) => claimMatches(c, e)) ?? null;
      const kind: MatchKind | null =
        byClaim !== null
          ? 'command'
          : !call.isError && mentionsResource(call.input, e)
            ? 'resource'
            : null;
      if (kind === null) continue;
      const better =
        best === null ||
        (kind === 'command' && best.kind === 'resource') ||
        (kind === best.kind && Math.abs(e.time - call.time) < Math.abs(e.time - best.call.time));
      if (better) best = { call, kind, claim: byClaim };
    }
    if (best !== null) assigned.set(i, best);
  }

  // Learn each session's credentials and actors from command and resource links.
  const credentialsBySession = new Map<string, string[]>();
  const actorsBySession = new Map<string, string[]>();
  const pushUnique = (map: Map<string, string[]>, key: string, value: string): void => {
    const list = map.get(key) ?? [];
    if (!list.includes(value)) list.push(value);
    map.set(key, list);
  };
  for (const [i, cand] of [...assigned.entries()].sort(
    (a, b) => (events[a[0]]?.time ?? 0) - (events[b[0]]?.time ?? 0),
  )) {
    const e = events[i];
    if (e === undefined) continue;
    if (e.credential !== null)
      pushUnique(credentialsBySession, cand.call.session, e.credential.fingerprint);
    pushUnique(actorsBySession, cand.call.session, e.actor.id);
  }
  const usesSessionIdentity = (session: string, e: NormalizedEvent): boolean =>
    e.credential !== null
      ? (credentialsBySession.get(session) ?? []).includes(e.credential.fingerprint)
      : (actorsBySession.get(session) ?? []).includes(e.actor.id);

  // Time-only links: opaque commands, events of the session's own credential.
  const timeLinks = new Map<number, ToolCallView>();
  for (const { e, i } of providers) {
    if (assigned.has(i)) continue;
    let best: ToolCallView | null = null;
    for (const call of callsNear(e.time)) {
      if (!call.parsed.opaque || !inWindow(call, e.time) || !usesSessionIdentity(call.session, e))
        continue;
      if (best === null || Math.abs(e.time - call.time) < Math.abs(e.time - best.time)) best = call;
    }
    if (best !== null) timeLinks.set(i, best);
  }

  // Build links.
  const byCall = new Map<
    number,
    {
      call: ToolCallView;
      effects: { i: number; conf: LinkConfidence; claim: CommandClaim | null }[];
    }
  >();
  const add = (
    call: ToolCallView,
    i: number,
    conf: LinkConfidence,
    c: CommandClaim | null,
  ): void => {
    const entry = byCall.get(call.index) ?? { call, effects: [] };
    entry.effects.push({ i, conf, claim: c });
    byCall.set(call.index, entry);
  };
  for (const [i, cand] of assigned) add(cand.call, i, cand.kind, cand.claim);
  for (const [i, call] of timeLinks) add(call, i, 'time', null);

  const links: CorrelationLink[] = [];
  for (const { call, effects } of [...byCall.values()].sort(
    (a, b) => a.call.time - b.call.time || a.call.index - b.call.index,
  )) {
    effects.sort((a, b) => (events[a.i]?.time ?? 0) - (events[b.i]?.time ?? 0) || a.i - b.i);
    let confidence: LinkConfidence = 'command';
    const clauses: string[] = [];
    for (const eff of effects) {
      const e = events[eff.i];
      if (e === undefined) continue;
      confidence = weakest(confidence, eff.conf);
      const by =
        eff.claim !== null && eff.claim.target === null && !eff.claim.anyDelete
          ? eff.claim.contains.length === 0
            ? 'the command (target not named; matched by time)'
            : `the command (repository not named; matched by ${eff.claim.contains.join(', ')} and time)`
          : confidenceLabel(eff.conf);
      const cred = e.credential === null ? e.actor.id : `credential ${e.credential.fingerprint}`;
      clauses.push(`${describeEvent(e)} ${delay(e.time - call.time)} (by ${by}; ${cred})`);
    }
    const what = call.parsed.text.replace(/\s+/g, ' ').trim();
    const short = what.length > 80 ? `${what.slice(0, 77)}...` : what;
    links.push({
      toolCall: call.index,
      effects: effects.map((x) => x.i),
      confidence,
      why: `${call.toolName} \`${short}\` at ${clock(call.time)} -> ${clauses.join('; ')}`,
    });
  }

  // Sessions.
  const sessionCalls = new Map<string, ToolCallView[]>();
  for (const call of calls) {
    const list = sessionCalls.get(call.session);
    if (list === undefined) sessionCalls.set(call.session, [call]);
    else list.push(call);
  }
  const sessions: SessionSummary[] = [...sessionCalls.entries()].map(([session, list]) => ({
    session,
    from: list.reduce((m, c) => Math.min(m, c.time), Infinity),
    to: list.reduce((m, c) => Math.max(m, c.time), -Infinity),
    credentials: credentialsBySession.get(session) ?? [],
    actors: actorsBySession.get(session) ?? [],
    toolCalls: list.map((c) => c.index),
  }));

  // Unexplained: a session's credential, in its active period, no link.
  const unexplained: number[] = [];
  for (const { e, i } of providers) {
    if (assigned.has(i) || timeLinks.has(i)) continue;
    const inSession = sessions.some(
      (s) =>
        e.time >= s.from - skewMs && e.time <= s.to + windowMs && usesSessionIdentity(s.session, e),
    );
    if (inSession) unexplained.push(i);
  }

  // Unconfirmed: a claim of a call that ran and succeeded, with no matching linked effect.
  const unconfirmed: UnconfirmedClaim[] = [];
  for (const call of calls) {
    if (call.rejected || call.isError) continue;
    const effects = byCall.get(call.index)?.effects ?? [];
    for (const c of call.parsed.claims) {
      const seen = effects.some((eff) => {
        const e = events[eff.i];
        return e !== undefined && claimMatches(c, e);
      });
      if (!seen) unconfirmed.push({ toolCall: call.index, claim: c.description });
    }
  }

  return { links, unexplained, unconfirmed, sessions };
}

/**
 * The credential fingerprints a session was seen to use, first use first.
 *
 * Transcripts never name the credential behind a command; only links to provider events
 * reveal it, so this reads the correlation rather than the transcript.
 */
export function credentialsOfSession(
  correlation: Correlation,
  session: string,
): ReadonlyArray<string> {
  return correlation.sessions.find((s) => s.session === session)?.credentials ?? [];
}
