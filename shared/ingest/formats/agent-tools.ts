/**
 * What an agent's tool call does, from the tool's name and input: shared by the transcript
 * importers so Claude Code's `Bash` and Codex's `shell` read alike.
 */
import type { ActionClass, EventTarget } from '../event';
import { classifyCommand } from './classify-command';
import { isObject } from './common';

export interface ToolCallClass {
  readonly class: ActionClass;
  readonly destructive: boolean;
  readonly target: EventTarget | null;
  /** The command line when the tool runs one; what `classifyCommand` read. */
  readonly command: string | null;
}

const fileWriteTools = new Set([
  'write',
  'edit',
  'multiedit',
  'notebookedit',
  'apply_patch',
  'str_replace_based_edit_tool',
]);
const readTools = new Set([
  'read',
  'glob',
  'grep',
  'ls',
  'webfetch',
  'websearch',
  'notebookread',
  'todoread',
  'view_image',
]);
const shellTools = new Set([
  'bash',
  'shell',
  'exec_command',
  'local_shell',
  'container.exec',
  'run_terminal_cmd',
]);

function commandOf(input: unknown): string | null {
  if (typeof input === 'string') return input;
  if (!isObject(input)) return null;
  const c = input['command'] ?? input['cmd'];
  if (typeof c === 'string') return c;
  if (Array.isArray(c) && c.every((x) => typeof x === 'string')) {
    // Codex passes argv; `["bash", "-lc", "rm -rf x"]` -> the script is what runs.
    const argv = c as string[];
    if (
      argv.length >= 3 &&
      /^(ba|z|)sh$/.test(argv[0]?.replace(/^.*\//, '') ?? '') &&
      /^-\w*c$/.test(argv[1] ?? '')
    ) {
      return argv.slice(2).join(' ');
    }
    return argv.join(' ');
  }
  return null;
}

function fileOf(input: unknown): string | null {
  if (!isObject(input)) return null;
  for (const key of ['file_path', 'path', 'notebook_path']) {
    const v = input[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** Classifies one tool call; shell commands go through `classifyCommand`. */
export function classifyToolCall(name: string, input: unknown): ToolCallClass {
  const lower = name.toLowerCase();
  const command = commandOf(input);
  if (
    shellTools.has(lower) ||
    (command !== null && !fileWriteTools.has(lower) && !readTools.has(lower))
  ) {
    if (command !== null) {
      const c = classifyCommand(command);
      return { class: c.class, destructive: c.destructive, target: c.target, command };
    }
    return { class: 'execute', destructive: false, target: null, command: null };
  }
  const file = fileOf(input);
  const target = file !== null ? { kind: 'file', key: file } : null;
  if (fileWriteTools.has(lower)) {
    return {
      class: lower === 'write' ? 'modify' : 'modify',
      destructive: false,
      target,
      command: null,
    };
  }
  if (readTools.has(lower)) return { class: 'read', destructive: false, target, command: null };
  return { class: 'execute', destructive: false, target, command: null };
}
