/**
 * The model card's figures and wording from metadata.json: a three-class model's test metrics, and a
 * two-class model's (the metadata.json shipped before "neither", kept as a fixture) still shown right.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelMetadata } from '../../edge/src/contract.ts';
import { modelFigures, outcomesText } from '../../web/src/lib/model-card.ts';

const twoClass = ModelMetadata.parse(JSON.parse(readFileSync(new URL('fixtures/two-class-metadata.json', import.meta.url), 'utf8')));
const threeClass = ModelMetadata.parse({
  ...twoClass,
  version: '2026.11.27-three',
  labels: ['cat', 'dog', 'neither'],
  unsureThreshold: 0.6,
  metrics: {
    accuracy: 0.99,
    precision: { cat: 0.98, dog: 0.99, neither: 0.97 },
    recall: { cat: 0.99, dog: 0.98, neither: 0.96 },
    f1: { cat: 0.985, dog: 0.985, neither: 0.965 },
    confusion: [[980, 5, 10], [6, 975, 16], [12, 20, 809]],
    n: 2833,
    nonPetRejected: 0.975,
    petRejected: 0.02
  }
});

describe('model card', () => {
  it('shows a three-class model\'s per-label scores, its 3x3 confusion and the rejected shares', () => {
    const f = modelFigures(threeClass);
    expect(f.labels).toEqual(['cat', 'dog', 'neither']);
    expect(f.scores).toEqual([
      { label: 'cat', precision: 0.98, recall: 0.99, f1: 0.985 },
      { label: 'dog', precision: 0.99, recall: 0.98, f1: 0.985 },
      { label: 'neither', precision: 0.97, recall: 0.96, f1: 0.965 }
    ]);
    expect(f.confusion).toEqual([[980, 5, 10], [6, 975, 16], [12, 20, 809]]);
    expect(f.nonPetRejected).toBe(0.975);
    expect(f.petRejected).toBe(0.02);
  });

  it('still shows a two-class model\'s cat and dog scores and its 2x2 confusion, with no rejected shares', () => {
    const f = modelFigures(twoClass);
    expect(f.labels).toEqual(['cat', 'dog']);
    expect(f.scores.map((s) => s.label)).toEqual(['cat', 'dog']);
    expect(f.scores[0]!.precision).toBe(twoClass.metrics.precision!.cat);
    expect(f.confusion).toEqual([[985, 10], [13, 984]]);
    expect(f.nonPetRejected).toBeNull();
    expect(f.petRejected).toBeNull();
  });

  it('leaves out a confusion matrix that does not match the labels, and scores that were not reported', () => {
    const f = modelFigures({ ...threeClass, metrics: { accuracy: 0.9, confusion: [[1, 2], [3, 4]] } });
    expect(f.confusion).toBeNull();
    expect(f.scores).toEqual([]);
  });

  it('names the three outcomes, and says when a two-class model cannot answer "no cat or dog here"', () => {
    expect(outcomesText(threeClass.labels, 0.6)).toBe(
      'It answers “a cat”, “a dog” or “no cat or dog here”, and “not sure” when its top probability is below 60.0%.'
    );
    expect(outcomesText(twoClass.labels, 0.656)).toBe(
      'It answers “a cat” or “a dog”, and “not sure” when its top probability is below 65.6%. This older two-class model cannot answer “no cat or dog here”.'
    );
  });
});
