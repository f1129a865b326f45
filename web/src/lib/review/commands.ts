/** What a maintainer does on the review page, pure: the keyboard shortcuts, and what an action makes of a photo. */
import type { ReviewAction, ReviewPhoto } from '../../../../edge/src/contract';

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

/** A photo as `POST /api/review/:id` leaves it: approve keeps the person's label, relabel sets one (and approves), reject drops it. */
export function applyAction(photo: ReviewPhoto, action: ReviewAction, reviewedAt: string): ReviewPhoto {
  if (action.action === 'reject') return { ...photo, status: 'rejected', label: null, reviewedAt };
  return { ...photo, status: 'approved', label: action.action === 'relabel' ? action.label : photo.actual, reviewedAt };
}
