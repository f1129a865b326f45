import { describe, expect, it } from 'vitest';
import { BUCKETS, installBucket } from '../../edge/src/install-bucket';

describe('installBucket', () => {
  it('is the first 4 bytes of sha256(id), big-endian, mod 100 (values computed outside the worker)', async () => {
    // Python: int.from_bytes(hashlib.sha256(id.encode()).digest()[:4], 'big') % 100
    expect(await installBucket('00000000-0000-4000-8000-000000000000')).toBe(96);
    expect(await installBucket('6f1c2f0e-8f5e-4a53-9d2a-2f2f0d4b8a11')).toBe(79);
  });

  it('is stable for an id, in either case', async () => {
    const id = crypto.randomUUID();
    const bucket = await installBucket(id);
    for (let i = 0; i < 5; i++) expect(await installBucket(id)).toBe(bucket);
    expect(await installBucket(id.toUpperCase())).toBe(bucket);
  });

  it('spreads 2000 random ids over every bucket, each tenth of the range getting about a tenth', async () => {
    const buckets = await Promise.all(Array.from({ length: 2000 }, () => installBucket(crypto.randomUUID())));
    for (const b of buckets) {
      expect(Number.isInteger(b)).toBe(true);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(BUCKETS);
    }
    // Each bucket is empty with probability 0.99^2000 ≈ 2e-9.
    expect(new Set(buckets).size).toBe(BUCKETS);
    // 200 expected per tenth, standard deviation about 13: 120-280 is six deviations either side.
    const tenths = Array.from({ length: 10 }, (_, t) => buckets.filter((b) => Math.floor(b / 10) === t).length);
    for (const n of tenths) {
      expect(n).toBeGreaterThan(120);
      expect(n).toBeLessThan(280);
    }
  });
});
