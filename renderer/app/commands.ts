import { useEffect, useRef } from 'react';
import { create } from 'zustand';
import { chordOfEvent, chordsOf, commandRegistry, type CommandId } from './shortcuts';

interface CommandHandlersState {
  /** The handlers on screen now, by command id. */
  readonly handlers: Readonly<Partial<Record<CommandId, () => void>>>;
}

/**
 * Which commands can run right now.
 *
 * A handler is registered by the component that owns the behaviour while it is mounted,
 * so view-specific commands (play/pause on the timeline) are only live on their view.
 */
export const useCommandHandlers = create<CommandHandlersState>(() => ({ handlers: {} }));

/**
 * Binds a command to a handler while the calling component is mounted.
 *
 * The latest handler is always called, without re-registering on every render.
 */
export function useCommandHandler(id: CommandId, handler: () => void): void {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    const run = () => latest.current();
    useCommandHandlers.setState((s) => ({ handlers: { ...s.handlers, [id]: run } }));
    return () => {
      useCommandHandlers.setState((s) => {
        if (s.handlers[id] !== run) return s;
        const rest = { ...s.handlers };
        delete rest[id];
        return { handlers: rest };
      });
    };
  }, [id]);
}

/** Runs a command if something handles it now; returns whether it ran. */
export function runCommand(id: CommandId): boolean {
  const handler = useCommandHandlers.getState().handlers[id];
  if (!handler) return false;
  handler();
  return true;
}

const sequenceTimeoutMs = 1200;
const bindings = commandRegistry.map((c) => ({ id: c.id, chords: chordsOf(c.keys) }));

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range'].includes(type);
}

/**
 * Listens for every shortcut in the registry, including sequences such as `g t`.
 *
 * Plain-key shortcuts are ignored while the user types in a field or while a modal
 * dialog is open; chords with Ctrl/Cmd work everywhere, so the palette always opens.
 */
export function useShortcutDispatcher(): void {
  useEffect(() => {
    let pending: ReadonlyArray<string> = [];
    let timer: ReturnType<typeof setTimeout> | undefined;

    function reset(): void {
      pending = [];
      clearTimeout(timer);
    }

    function match(sequence: ReadonlyArray<string>, modalOrTyping: boolean) {
      const candidates = bindings.filter(
        (b) =>
          b.chords.length >= sequence.length &&
          sequence.every((chord, i) => b.chords[i] === chord) &&
          (!modalOrTyping || b.chords[0]?.startsWith('mod+')),
      );
      const exact = candidates.find((b) => b.chords.length === sequence.length);
      return { exact, isPrefix: candidates.some((b) => b.chords.length > sequence.length) };
    }

    function onKeyDown(event: KeyboardEvent): void {
      if (event.defaultPrevented || event.isComposing || event.repeat) return;
      const chord = chordOfEvent(event);
      if (chord === null) return;
      const modalOrTyping =
        isTypingTarget(event.target) || document.querySelector('dialog:modal') !== null;
      let sequence = [...pending, chord];
      let found = match(sequence, modalOrTyping);
      if (!found.exact && !found.isPrefix && pending.length > 0) {
        sequence = [chord];
        found = match(sequence, modalOrTyping);
      }
      reset();
      if (found.exact && runCommand(found.exact.id)) {
        event.preventDefault();
        return;
      }
      if (found.isPrefix) {
        pending = sequence;
        timer = setTimeout(reset, sequenceTimeoutMs);
        event.preventDefault();
      }
    }

    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      clearTimeout(timer);
    };
  }, []);
}
