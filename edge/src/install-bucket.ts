/**
 * The staged-rollout bucket (0-99) of an install: the first 4 bytes of sha256(id) as a big-endian
 * uint32, mod 100. Stable for an id (in either case: a UUID is one id), spread evenly across ids, and
 * computable anywhere with Web Crypto, so an install can be placed in a bucket without being stored.
 */
const encoder = new TextEncoder();

export const BUCKETS = 100;

export async function installBucket(installId: string): Promise<number> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(installId.toLowerCase()));
  return new DataView(digest).getUint32(0) % BUCKETS;
}
