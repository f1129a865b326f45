/**
 * The contract's plain values, without zod: contract.ts re-exports them. The web page imports them
 * from here, so that its start-up code does not evaluate zod and the schemas (about 120 KB of
 * JavaScript, a long task on a phone); it loads the schemas when it first validates something.
 */

/** What a model can say, in output order: index 0 = cat, 1 = dog, 2 = neither (no cat or dog in the photo). */
export const LABELS = ['cat', 'dog', 'neither'] as const;

export const MAX_BATCH = 100;

/** Longest side of a shared photo: the app downsizes to this and re-encodes as JPEG, which drops EXIF and all metadata. */
export const PHOTO_MAX_SIDE = 320;
/** `PUT /api/feedback/:id/photo` takes `image/jpeg` bytes (magic FF D8 FF) up to this size. */
export const MAX_PHOTO_BYTES = 256 * 1024;
