import { Command } from 'cmdk';
import { useRef } from 'react';
import { runCommand, useCommandHandlers } from './commands';
import { commandRegistry, type CommandGroup } from './shortcuts';
import { Keys } from './ui/keys';
import { closeOverlay, useUiStore } from './ui-store';
import { useModalDialog } from './use-modal-dialog';

const groups: ReadonlyArray<CommandGroup> = ['Go to', 'Timeline', 'Workspace', 'Help', 'General'];

/**
 * The command palette (Ctrl/Cmd+K): every command in the registry with its shortcut.
 *
 * Built from `shortcuts.ts`, so a command added there appears here with no other change.
 * Commands whose handler is not on screen are listed but disabled, with where they work.
 */
export function CommandPalette() {
  const open = useUiStore((s) => s.overlay === 'palette');
  const handlers = useCommandHandlers((s) => s.handlers);
  const ref = useRef<HTMLDialogElement>(null);
  useModalDialog(ref, open, closeOverlay);

  const select = (id: (typeof commandRegistry)[number]['id']) => {
    closeOverlay();
    // Let the dialog close and focus return before the command moves focus itself.
    queueMicrotask(() => runCommand(id));
  };

  return (
    <dialog ref={ref} className="palette" data-testid="palette" aria-label="Command palette">
      {open ? (
        <Command label="Command palette" loop>
          <Command.Input
            className="palette__input"
            placeholder="Type a command or search…"
            data-autofocus
          />
          <Command.List className="palette__list">
            <Command.Empty className="palette__empty">No command matches.</Command.Empty>
            {groups.map((group) => {
              const items = commandRegistry.filter((c) => c.group === group && c.inPalette);
              if (items.length === 0) return null;
              return (
                <Command.Group key={group} heading={group} className="palette__group">
                  {items.map((command) => {
                    const available = handlers[command.id] !== undefined;
                    return (
                      <Command.Item
                        key={command.id}
                        value={command.id}
                        keywords={[
                          command.title,
                          ...('keywords' in command ? command.keywords : []),
                        ]}
                        disabled={!available}
                        onSelect={() => select(command.id)}
                        className="palette__item"
                      >
                        <span className="palette__title">{command.title}</span>
                        {!available ? <span className="muted">not available here</span> : null}
                        <Keys keys={command.keys} />
                      </Command.Item>
                    );
                  })}
                </Command.Group>
              );
            })}
          </Command.List>
          <div className="palette__footer" aria-hidden="true">
            <span>
              <kbd>↑</kbd> <kbd>↓</kbd> to move, <kbd>Enter</kbd> to run, <kbd>Esc</kbd> to close
            </span>
          </div>
        </Command>
      ) : null}
    </dialog>
  );
}
