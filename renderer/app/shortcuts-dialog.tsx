import { useRef } from 'react';
import { commandRegistry, type CommandGroup } from './shortcuts';
import { Keys } from './ui/keys';
import { closeOverlay, useUiStore } from './ui-store';
import { useModalDialog } from './use-modal-dialog';

const groups: ReadonlyArray<CommandGroup> = ['General', 'Go to', 'Timeline', 'Workspace', 'Help'];

/**
 * The keyboard shortcut sheet (`?`): every binding in the registry, grouped.
 *
 * Lists all commands, including ones only live on some views, so users can learn them
 * before they need them.
 */
export function ShortcutsDialog() {
  const open = useUiStore((s) => s.overlay === 'shortcuts');
  const ref = useRef<HTMLDialogElement>(null);
  useModalDialog(ref, open, closeOverlay);
  return (
    <dialog ref={ref} className="sheet" data-testid="shortcuts" aria-labelledby="shortcuts-title">
      <header className="sheet__header">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <button
          type="button"
          className="button button--small"
          onClick={closeOverlay}
          data-autofocus
        >
          Close
        </button>
      </header>
      {groups.map((group) => (
        <section key={group} aria-label={group}>
          <h3 className="sheet__group">{group}</h3>
          <dl className="sheet__list">
            {commandRegistry
              .filter((c) => c.group === group)
              .map((command) => (
                <div key={command.id} className="sheet__row">
                  <dt>{command.title}</dt>
                  <dd>
                    <Keys keys={command.keys} />
                  </dd>
                </div>
              ))}
          </dl>
        </section>
      ))}
    </dialog>
  );
}
