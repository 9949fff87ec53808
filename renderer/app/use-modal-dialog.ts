import { useEffect, type RefObject } from 'react';

/**
 * Drives a native `<dialog>` as a modal from React state.
 *
 * The native modal gives focus trapping, Escape, inertness of the page behind and the
 * top layer for free, without a library that injects `<style>` tags the CSP refuses.
 * Mark the control to focus on open with `data-autofocus`.
 */
export function useModalDialog(
  ref: RefObject<HTMLDialogElement | null>,
  open: boolean,
  onClose: () => void,
): void {
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // React's autoFocus ran before the dialog was shown; focus the intended control now.
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [ref, open]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const onDialogClose = () => onClose();
    // A click on the backdrop lands on the dialog element itself.
    const onClick = (event: MouseEvent) => {
      if (event.target === dialog) dialog.close();
    };
    dialog.addEventListener('close', onDialogClose);
    dialog.addEventListener('click', onClick);
    return () => {
      dialog.removeEventListener('close', onDialogClose);
      dialog.removeEventListener('click', onClick);
    };
  }, [ref, onClose]);
}
