/**
 * Claude Code session transcripts (`~/.claude/projects/<project>/<session>.jsonl`).
 *
 * One event per tool call, held back until its `tool_result` arrives so the event can say
 * whether the call failed or the user refused it; user prompts become `message` events and
 * give later tool calls their prompt excerpt.
 */
import type { AgentContext, NormalizedEvent, RawRef } from '../event';
import { classifyToolCall } from './agent-tools';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { excerpt, fieldError, getString, isObject, parseTime } from './common';

/** Texts Claude Code writes into a tool result when the user refused the call. */
const rejectionPatterns: ReadonlyArray<RegExp> = [
  /The user doesn't want to proceed with this tool use/i,
  /tool use was rejected/i,
  /\[Request interrupted by user for tool use\]/i,
  /user (rejected|denied|declined)/i,
];

/** Does a tool result's text say the user refused the call? */
export function isRejectionText(text: string): boolean {
  return rejectionPatterns.some((p) => p.test(text));
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((c) => (isObject(c) && typeof c['text'] === 'string' ? c['text'] : ''))
      .join('\n');
  }
  return '';
}

function promptText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content
    .filter(
      (c): c is JsonObject => isObject(c) && c['type'] === 'text' && typeof c['text'] === 'string',
    )
    .map((c) => c['text'] as string);
  return texts.length > 0 ? texts.join('\n') : null;
}

/** Most tool calls held back waiting for their result before the oldest is let go. */
const maxPending = 10_000;

/** The Claude Code parser; keeps the session's model, prompt and unanswered tool calls. */
export function createClaudeCodeParser(): FormatParser {
  const pending = new Map<string, NormalizedEvent>();
  let lastPrompt: string | null = null;
  let lastModel: string | null = null;

  function parse(r: JsonObject, raw: RawRef): ParseOutcome {
    const type = getString(r, 'type');
    if (type === null) return fieldError('type');
    if (type !== 'user' && type !== 'assistant') return { kind: 'skip', reason: `claude:${type}` };
    const session = getString(r, 'sessionId');
    if (session === null) return fieldError('sessionId');
    const time = parseTime(r['timestamp']);
    if (time === null) return fieldError('timestamp');
    const message = r['message'];
    if (!isObject(message)) return fieldError('message');
    const content = message['content'];
    const events: NormalizedEvent[] = [];
    const flushed: NormalizedEvent[] = [];

    if (type === 'assistant') {
      const model = getString(message, 'model');
      if (model !== null) lastModel = model;
      if (!Array.isArray(content)) return { kind: 'skip', reason: 'claude:assistant-text' };
      for (const part of content) {
        if (!isObject(part) || part['type'] !== 'tool_use') continue;
        const id = getString(part, 'id');
        const name = getString(part, 'name');
        if (id === null || name === null) return fieldError('message.content[].tool_use.id/name');
        const input = part['input'];
        const c = classifyToolCall(name, input);
        const agent: AgentContext = {
          session,
          model: model ?? lastModel,
          toolCallId: id,
          toolName: name,
          toolInput: c.command ?? (input === undefined ? null : JSON.stringify(input)),
          promptExcerpt: lastPrompt,
          approval: null,
          rejected: false,
          isError: false,
        };
        const event: NormalizedEvent = {
          time,
          format: 'claude-code',
          actor: {
            kind: 'agent',
            id: `claude-code:${session}`,
            name: model ?? lastModel ?? 'claude-code',
          },
          credential: null,
          action: { provider: `tool_use:${name}`, class: c.class, destructive: c.destructive },
          target: c.target,
          outcome: 'unknown',
          agent,
          raw,
        };
        // A repeated id (a resumed session replays its history): keep both calls.
        const earlier = pending.get(id);
        if (earlier !== undefined) flushed.push(earlier);
        pending.set(id, event);
        if (pending.size > maxPending) {
          const oldest = pending.keys().next().value;
          if (oldest !== undefined) {
            const e = pending.get(oldest);
            pending.delete(oldest);
            if (e !== undefined) flushed.push(e);
          }
        }
      }
      if (flushed.length > 0) return { kind: 'events', events: flushed };
      if (!content.some((c) => isObject(c) && c['type'] === 'tool_use')) {
        return { kind: 'skip', reason: 'claude:assistant-text' };
      }
      // The tool calls come out with their results (or at the end).
      return { kind: 'events', events: [] };
    }

    // type === 'user': tool results, or a prompt.
    if (Array.isArray(content) && content.some((c) => isObject(c) && c['type'] === 'tool_result')) {
      let orphans = 0;
      for (const part of content) {
        if (!isObject(part) || part['type'] !== 'tool_result') continue;
        const id = getString(part, 'tool_use_id');
        if (id === null) return fieldError('message.content[].tool_result.tool_use_id');
        const call = pending.get(id);
        if (call === undefined || call.agent === null) {
          orphans++;
          continue;
        }
        pending.delete(id);
        const text = resultText(part['content']);
        const rejected = isRejectionText(text);
        const isError = part['is_error'] === true;
        events.push({
          ...call,
          outcome: rejected ? 'denied' : isError ? 'failure' : 'success',
          agent: { ...call.agent, rejected, isError },
        });
      }
      if (events.length === 0 && orphans > 0)
        return { kind: 'skip', reason: 'claude:orphan-tool-result' };
      return { kind: 'events', events };
    }
    if (r['isMeta'] === true) return { kind: 'skip', reason: 'claude:meta' };
    const prompt = promptText(content);
    if (prompt === null) {
      // An image or other non-text part only: a real message with nothing to excerpt.
      if (Array.isArray(content)) return { kind: 'skip', reason: 'claude:user-non-text' };
      return fieldError('message.content');
    }
    lastPrompt = excerpt(prompt);
    events.push({
      time,
      format: 'claude-code',
      actor: { kind: 'human', id: `claude-code:${session}:user`, name: 'user' },
      credential: null,
      action: { provider: 'prompt', class: 'message', destructive: false },
      target: null,
      outcome: 'success',
      agent: {
        session,
        model: lastModel,
        toolCallId: null,
        toolName: null,
        toolInput: null,
        promptExcerpt: lastPrompt,
        approval: null,
        rejected: false,
        isError: false,
      },
      raw,
    });
    return { kind: 'events', events };
  }

  return {
    parse,
    end: () => {
      const rest = [...pending.values()];
      pending.clear();
      return rest;
    },
  };
}
