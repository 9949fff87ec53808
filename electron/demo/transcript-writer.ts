import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Writes a Claude Code session transcript line by line, in the shape Claude Code itself
 * writes to `~/.claude/projects/<project>/<session>.jsonl` (v2.0): one JSON object per
 * line, each with `uuid`/`parentUuid`, `sessionId`, `cwd`, `version`, `gitBranch`,
 * `timestamp`; an assistant turn's text and each tool call on lines of their own that
 * share the message id; tool results as user lines carrying `toolUseResult`.
 *
 * The demo's agent is scripted, so its words are written here; every tool result it
 * reports for a call to the forge is the forge's real answer to that call.
 */

const model = 'claude-sonnet-4-5-20250929';
const version = '2.0.75';
const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += base62[byte % 62];
  return out;
}

/** What a Bash call answered, as Claude Code records it. */
export interface BashOutcome {
  readonly stdout: string;
  readonly stderr: string;
  /** Non-zero makes the result an error (`is_error: true`). */
  readonly exitCode: number;
}

export interface TranscriptWriter {
  readonly sessionId: string;
  prompt(text: string, at: number): void;
  say(text: string, at: number): void;
  /** A tool call; answers its id for the result. */
  toolUse(name: string, input: Readonly<Record<string, unknown>>, at: number): string;
  bashResult(id: string, outcome: BashOutcome, at: number): void;
  readResult(id: string, filePath: string, content: string, at: number): void;
  /** The JSONL text. */
  text(): string;
}

export function createTranscriptWriter(options: {
  readonly cwd: string;
  readonly gitBranch: string;
}): TranscriptWriter {
  const sessionId = randomUUID();
  const lines: string[] = [];
  let parent: string | null = null;
  /** The message id of the assistant turn being written, until the next user line. */
  let turn: { id: string; requestId: string } | null = null;
  let usageIn = 11_000;

  const common = () => ({
    parentUuid: parent,
    isSidechain: false,
    userType: 'external',
    cwd: options.cwd,
    sessionId,
    version,
    gitBranch: options.gitBranch,
  });
  const push = (record: Record<string, unknown>) => {
    lines.push(JSON.stringify(record));
    parent = record['uuid'] as string;
  };
  const iso = (at: number) => new Date(at).toISOString();
  const assistant = (content: unknown, at: number, stop: string | null) => {
    turn ??= { id: `msg_01${randomId(22)}`, requestId: `req_011C${randomId(20)}` };
    usageIn += 700;
    push({
      ...common(),
      message: {
        model,
        id: turn.id,
        type: 'message',
        role: 'assistant',
        content: [content],
        stop_reason: stop,
        stop_sequence: null,
        usage: {
          input_tokens: 4,
          cache_creation_input_tokens: 600,
          cache_read_input_tokens: usageIn,
          output_tokens: 180,
          service_tier: 'standard',
        },
      },
      requestId: turn.requestId,
      type: 'assistant',
      uuid: randomUUID(),
      timestamp: iso(at),
    });
  };
  const userLine = (content: unknown, at: number, extra: Record<string, unknown> = {}) => {
    turn = null;
    push({
      ...common(),
      type: 'user',
      message: { role: 'user', content },
      uuid: randomUUID(),
      timestamp: iso(at),
      ...extra,
    });
  };

  return {
    sessionId,
    prompt: (text, at) => userLine(text, at),
    say: (text, at) => assistant({ type: 'text', text }, at, null),
    toolUse(name, input, at) {
      const id = `toolu_01${randomId(22)}`;
      assistant({ type: 'tool_use', id, name, input }, at, 'tool_use');
      return id;
    },
    bashResult(id, outcome, at) {
      const failed = outcome.exitCode !== 0;
      const joined = [outcome.stdout, outcome.stderr].filter((s) => s !== '').join('\n');
      const content = failed ? `Exit code ${outcome.exitCode}\n${joined}`.trimEnd() : joined;
      userLine([{ tool_use_id: id, type: 'tool_result', content, is_error: failed }], at, {
        toolUseResult: failed
          ? `Error: ${content}`
          : { stdout: outcome.stdout, stderr: outcome.stderr, interrupted: false, isImage: false },
      });
    },
    readResult(id, filePath, content, at) {
      const fileLines = content.replace(/\n$/, '').split('\n');
      const numbered = fileLines
        .map((line, i) => `${String(i + 1).padStart(6, ' ')}\u2192${line}`)
        .join('\n');
      userLine([{ tool_use_id: id, type: 'tool_result', content: numbered }], at, {
        toolUseResult: {
          type: 'text',
          file: {
            filePath,
            content,
            numLines: fileLines.length,
            startLine: 1,
            totalLines: fileLines.length,
          },
        },
      });
    },
    text: () => `${lines.join('\n')}\n`,
  };
}
