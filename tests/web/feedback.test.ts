/** The answers offered under a verdict and the feedback item an answer becomes. */
import { describe, expect, it } from 'vitest';
import { FeedbackItem, type Verdict } from '../../edge/src/contract.ts';
import { verdictFor } from '../../web/src/lib/classifier/verdict.ts';
import { feedbackChoices, feedbackItem } from '../../web/src/lib/feedback.ts';

const texts = (v: Verdict) => feedbackChoices(v).map((c) => c.text);
const meanings = (v: Verdict) => feedbackChoices(v).map((c) => c.actual);

describe('feedback choices', () => {
  it('offer each meaning once: "Right" stands for the verdict\'s own label', () => {
    expect(texts('cat')).toEqual(['Right', "It's a dog", 'Neither']);
    expect(texts('dog')).toEqual(['Right', "It's a cat", 'Neither']);
    expect(texts('neither')).toEqual(['Right', "It's a cat", "It's a dog"]);
    for (const v of ['cat', 'dog', 'neither'] as const) {
      expect(meanings(v)[0]).toBe(v);
      expect(new Set(meanings(v)).size).toBe(3);
    }
  });

  it('offer no "Right" for "Not sure", only the three labels', () => {
    expect(texts('unsure')).toEqual(["It's a cat", "It's a dog", 'Neither']);
    expect(meanings('unsure')).toEqual(['cat', 'dog', 'neither']);
  });

  it('have stable ids for the buttons ("right" or the label)', () => {
    expect(feedbackChoices('neither').map((c) => c.id)).toEqual(['right', 'cat', 'dog']);
  });
});

describe('feedback item', () => {
  const base = { latencyMs: 23.4, backend: 'wasm' as const, modelVersion: '2026.11.27-abc' };
  const id = '6f1c2f0e-8f5e-4a53-9d2a-2f2f0d4b8a11';
  const at = '2026-11-27T10:00:00.000Z';

  it('sends a "No cat or dog here" verdict as predicted neither, valid under the contract', () => {
    const verdict = verdictFor({ cat: 0.04, dog: 0.05, neither: 0.91 }, 0.6);
    expect(verdict.verdict).toBe('neither');
    const item = feedbackItem({ ...base, ...verdict }, 'cat', id, at);
    expect(item).toEqual({ id, modelVersion: base.modelVersion, predicted: 'neither', confidence: 0.91, actual: 'cat', createdAt: at, latencyMs: 23.4, backend: 'wasm' });
    expect(FeedbackItem.parse(item)).toEqual(item);
  });

  it('sends a "Not sure" verdict as the label the model leaned to, and a two-class model\'s as cat or dog', () => {
    expect(feedbackItem({ ...base, ...verdictFor({ cat: 0.3, dog: 0.45, neither: 0.25 }, 0.6) }, 'dog', id, at).predicted).toBe('dog');
    expect(feedbackItem({ ...base, ...verdictFor({ cat: 0.8, dog: 0.2 }, 0.6) }, 'neither', id, at)).toMatchObject({ predicted: 'cat', actual: 'neither' });
  });
});
