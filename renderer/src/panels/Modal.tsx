/**
 * The studio's dialogs share one frame (Radix Dialog: focus trapped, Escape closes, the title and
 * description named for screen readers) and one row of Cancel + submit buttons.
 */
import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import { Icon } from '../icons.js';

export interface ModalProps {
  /** Open while mounted unless said otherwise. */
  open?: boolean;
  onOpenChange: (open: boolean) => void;
  size: 'small' | 'medium' | 'wide';
  /** Extra classes on the dialog box. */
  className?: string;
  title: ReactNode;
  /** With a name, a close button (×) beside the title, named so: "Close settings". */
  closeLabel?: string;
  /** What the dialog is for; `hidden` keeps it for screen readers only. Without one, none is announced. */
  description?: { text: ReactNode; hidden?: boolean };
  /** A trigger button placed where the dialog is declared (Start Recording). */
  trigger?: ReactNode;
  children: ReactNode;
}

export function Modal({ open = true, onOpenChange, size, className, title, closeLabel, description, trigger, children }: ModalProps) {
  const heading = <Dialog.Title className="dialog-title">{title}</Dialog.Title>;
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      {trigger}
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className={`dialog dialog-${size}${className ? ` ${className}` : ''}`} {...(description ? {} : { 'aria-describedby': undefined })}>
          {closeLabel ? (
            <div className="dialog-head">
              {heading}
              <Dialog.Close className="icon-btn" aria-label={closeLabel}>
                <Icon name="close" size={16} />
              </Dialog.Close>
            </div>
          ) : (
            heading
          )}
          {description && <Dialog.Description className={description.hidden ? 'sr-only' : 'muted'}>{description.text}</Dialog.Description>}
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** Closes the dialog when it closes (for dialogs mounted only while open). */
export function closeWith(onClose: () => void): (open: boolean) => void {
  return (open) => {
    if (!open) onClose();
  };
}

/** Cancel, anything between (`children`, pushed to the left), and the form's submit button. */
export function SubmitRow({ label, disabled, children }: { label: string; disabled?: boolean; children?: ReactNode }) {
  return (
    <div className="dialog-actions">
      {children}
      {children && <span className="spacer" />}
      <Dialog.Close className="btn">Cancel</Dialog.Close>
      <button type="submit" className="btn btn-primary" disabled={disabled}>
        {label}
      </button>
    </div>
  );
}
