/**
 * The destructive-command classifier for shell commands agents run.
 *
 * One function, reused by the transcript importers and by the correlator, so "this tool call
 * could have destroyed data" means the same thing everywhere (docs/event-schema.md lists the
 * rules). It reads the command as text and never runs or expands it; it errs on the side of
 * flagging, so commands nested in `bash -c '...'`, `$(...)` and backticks are classified too.
 */
import type { ActionClass, EventTarget } from '../event';

/** What a command line does, as far as its text tells. */
export interface CommandClass {
  readonly class: ActionClass;
  readonly destructive: boolean;
  /** The rule that matched (`rm -r`, `git push --force`, ...); null when none did. */
  readonly rule: string | null;
  /** What it acts on when the text names it (`gh repo delete acme/api`). */
  readonly target: EventTarget | null;
}

interface Rule {
  readonly name: string;
  readonly class: ActionClass;
  readonly destructive: boolean;
  readonly test: (tokens: ReadonlyArray<string>, segment: string) => boolean;
  readonly target?: (tokens: ReadonlyArray<string>) => EventTarget | null;
}

const hasFlag = (tokens: ReadonlyArray<string>, short: string, ...long: string[]): boolean =>
  tokens.some(
    (t) =>
      long.includes(t) ||
      (short !== '' && /^-[a-zA-Z]+$/.test(t) && [...short].some((c) => t.slice(1).includes(c))),
  );

const positional = (tokens: ReadonlyArray<string>, from: number): string | null =>
  tokens.slice(from).find((t) => !t.startsWith('-')) ?? null;

const rules: ReadonlyArray<Rule> = [
  {
    name: 'rm',
    class: 'delete',
    destructive: true,
    test: (t) => t[0] === 'rm' || t[0] === 'rmdir' || t[0] === 'shred' || t[0] === 'unlink',
  },
  {
    name: 'git push --force',
    class: 'modify',
    destructive: true,
    test: (t) =>
      t[0] === 'git' &&
      t.includes('push') &&
      (hasFlag(t.slice(t.indexOf('push') + 1), 'f', '--force', '--mirror') ||
        t.some((x) => x.startsWith('--force-with-lease') || x.startsWith('--force-if-includes')) ||
        t.slice(t.indexOf('push') + 2).some((x) => x.startsWith('+'))),
  },
  {
    name: 'git push --delete',
    class: 'delete',
    destructive: true,
    test: (t) =>
      t[0] === 'git' &&
      t.includes('push') &&
      (hasFlag(t.slice(t.indexOf('push') + 1), 'd', '--delete', '--prune') ||
        t.slice(t.indexOf('push') + 2).some((x) => x.startsWith(':'))),
  },
  {
    name: 'git history rewrite',
    class: 'modify',
    destructive: true,
    test: (t) =>
      t[0] === 'git' &&
      ((t.includes('reset') && t.includes('--hard')) ||
        (t.includes('clean') && hasFlag(t, 'f', '--force')) ||
        (t.includes('branch') && hasFlag(t, 'D', '--delete')) ||
        (t.includes('tag') && hasFlag(t, 'd', '--delete')) ||
        t.includes('filter-branch') ||
        t.includes('filter-repo') ||
        (t.includes('stash') && (t.includes('drop') || t.includes('clear'))) ||
        (t.includes('reflog') && t.includes('expire')) ||
        (t.includes('gc') && t.some((x) => x.startsWith('--prune=now')))),
  },
  {
    name: 'gh delete',
    class: 'delete',
    destructive: true,
    test: (t) => t[0] === 'gh' && t.includes('delete'),
    target: (t) => {
      if (t[1] !== 'repo') return null;
      const name = positional(t, 3);
      return name !== null && /^[\w.-]+\/[\w.-]+$/.test(name)
        ? { kind: 'repository', key: name }
        : null;
    },
  },
  {
    name: 'HTTP DELETE',
    class: 'delete',
    destructive: true,
    test: (t) =>
      (t[0] === 'curl' || t[0] === 'gh' || t[0] === 'http' || t[0] === 'wget') &&
      t.some(
        (x, i) =>
          /^(-X|--request|--method)(=|$)/.test(x) &&
          /^DELETE$/i.test(x.includes('=') ? (x.split('=')[1] ?? '') : (t[i + 1] ?? '')),
      ),
  },
  {
    name: 'HTTP DELETE',
    class: 'delete',
    destructive: true,
    test: (t) => (t[0] === 'curl' || t[0] === 'gh') && t.some((x) => /^-XDELETE$/i.test(x)),
  },
  {
    name: 'terraform destroy',
    class: 'delete',
    destructive: true,
    test: (t) =>
      (t[0] === 'terraform' || t[0] === 'tofu' || t[0] === 'pulumi') &&
      (t.includes('destroy') || t.includes('-destroy') || t.includes('--destroy')),
  },
  {
    name: 'kubectl delete',
    class: 'delete',
    destructive: true,
    test: (t) =>
      (t[0] === 'kubectl' && t.includes('delete')) ||
      (t[0] === 'helm' && (t.includes('uninstall') || t.includes('delete'))),
  },
  {
    name: 'aws delete',
    class: 'delete',
    destructive: true,
    test: (t) =>
      t[0] === 'aws' &&
      (t.some((x) => /^(delete|terminate|remove|deregister)-/.test(x)) ||
        (t[1] === 's3' && (t[2] === 'rm' || t[2] === 'rb')) ||
        (t[1] === 's3' && t[2] === 'sync' && t.includes('--delete'))),
  },
  {
    name: 'disk wipe',
    class: 'delete',
    destructive: true,
    test: (t) =>
      /^mkfs(\.|$)/.test(t[0] ?? '') ||
      t[0] === 'wipefs' ||
      (t[0] === 'dd' && t.some((x) => x.startsWith('of=/dev/'))) ||
      (t[0] === 'find' && t.includes('-delete')),
  },
  {
    name: 'SQL drop',
    class: 'delete',
    destructive: true,
    test: (_t, s) =>
      /\b(drop\s+(table|database|schema|index|view|collection)|truncate\s+(table\s+)?\w)/i.test(
        s,
      ) ||
      /\bdelete\s+from\s+[\w."`]+\s*(;|$|["'])/i.test(s) ||
      /\.drop(Database|Collection)\(|\bflushall\b|\bflushdb\b/i.test(s),
  },
  {
    name: 'git push',
    class: 'modify',
    destructive: false,
    test: (t) => t[0] === 'git' && t.includes('push'),
  },
  {
    name: 'read',
    class: 'read',
    destructive: false,
    test: (t) =>
      [
        'ls',
        'cat',
        'head',
        'tail',
        'less',
        'grep',
        'rg',
        'find',
        'pwd',
        'echo',
        'wc',
        'which',
        'stat',
        'tree',
        'du',
        'df',
        'env',
        'printenv',
      ].includes(t[0] ?? '') ||
      (t[0] === 'git' &&
        ['status', 'log', 'diff', 'show', 'fetch', 'clone', 'blame'].includes(t[1] ?? '')),
  },
];

/** Wrappers that run the command after them. */
const prefixes = new Set([
  'sudo',
  'doas',
  'env',
  'time',
  'nohup',
  'exec',
  'command',
  'xargs',
  'nice',
]);

function tokenize(segment: string): string[] {
  const tokens: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(segment); m !== null; m = re.exec(segment)) {
    tokens.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  // Drop wrappers, env assignments and a leading path (`/usr/bin/rm` -> `rm`).
  while (tokens.length > 0) {
    const first = tokens[0] ?? '';
    if (
      prefixes.has(first) ||
      /^\w+=/.test(first) ||
      (first.startsWith('-') && tokens.length > 1)
    ) {
      tokens.shift();
      continue;
    }
    break;
  }
  if (tokens[0] !== undefined) tokens[0] = tokens[0].replace(/^.*\//, '');
  return tokens;
}

const classRank: Record<ActionClass, number> = {
  delete: 8,
  modify: 7,
  permission: 6,
  create: 5,
  auth: 4,
  execute: 3,
  message: 2,
  read: 1,
  other: 0,
};

/**
 * Classifies a command line: its action class and whether it can destroy data.
 *
 * Splits on `;`, `&&`, `||`, `|` and newlines, and on `bash -c '...'`-style nesting by
 * classifying the whole text's segments; the most severe segment wins.
 */
export function classifyCommand(text: string): CommandClass {
  let best: CommandClass = { class: 'execute', destructive: false, rule: null, target: null };
  let anyRead = true;
  let sawSegment = false;
  const segments = text.split(/\|\||&&|[;|\n]|\$\(|`|(?:^|\s)(?:-\w*c|eval)\s+['"]/);
  for (const segment of segments) {
    const tokens = tokenize(segment.replace(/^[\s(){}'"]+|[\s(){}'"]+$/g, ''));
    if (tokens.length === 0) continue;
    sawSegment = true;
    const rule = rules.find((r) => r.test(tokens, segment));
    if (rule === undefined) {
      anyRead = false;
      continue;
    }
    if (rule.class !== 'read') anyRead = false;
    const candidate: CommandClass = {
      class: rule.class,
      destructive: rule.destructive,
      rule: rule.name,
      target: rule.target?.(tokens) ?? null,
    };
    if (
      (candidate.destructive && !best.destructive) ||
      (candidate.destructive === best.destructive &&
        classRank[candidate.class] > classRank[best.class])
    ) {
      best = candidate;
    }
  }
  if (!best.destructive && sawSegment && anyRead) return { ...best, class: 'read' };
  if (!best.destructive && best.class === 'read') return { ...best, class: 'execute' };
  return best;
}
