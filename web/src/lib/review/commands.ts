/** The review page's keyboard shortcuts, pure: a key to a command, and the list the page shows. */
import type { ReviewAction } from '../../../../edge/src/contract';

export type ReviewCommand = { move: 1 | -1 } | { act: ReviewAction };

export const SHORTCUTS: readonly { key: string; what: string; command: ReviewCommand }[] = [
  { key: 'j', what: 'next photo', command: { move: 1 } },
  { key: 'k', what: 'previous photo', command: { move: -1 } },
  { key: 'a', what: 'approve', command: { act: { action: 'approve' } } },
  { key: 'x', what: 'reject', command: { act: { action: 'reject' } } },
  { key: 'c', what: 'relabel as cat', command: { act: { action: 'relabel', label: 'cat' } } },
  { key: 'd', what: 'relabel as dog', command: { act: { action: 'relabel', label: 'dog' } } },
  { key: 'n', what: 'relabel as neither', command: { act: { action: 'relabel', label: 'neither' } } }
];

/**
 * The command a key press stands for, or null: none with a modifier (the browser's own shortcuts),
 * and none while typing in a field.
 */
export function commandFor(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>, typing: boolean): ReviewCommand | null {
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return null;
  return SHORTCUTS.find((s) => s.key === e.key)?.command ?? null;
}

