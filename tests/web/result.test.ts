/** How a verdict reads, and which probabilities a result shows, for three- and two-class models. */
import { describe, expect, it } from 'vitest';
import { probabilitiesOf } from '../../web/src/lib/classifier/verdict.ts';
import { announcement, HEADLINES, outputLabels } from '../../web/src/lib/result.ts';

describe('result', () => {
  it('names every verdict with its own headline', () => {
    expect(HEADLINES).toEqual({ cat: 'A cat', dog: 'A dog', neither: 'No cat or dog here', unsure: 'Not sure' });
  });

  it('shows a bar for every probability the model gave, in output order', () => {
    expect(outputLabels(probabilitiesOf([0.1, 0.2, 0.7], ['cat', 'dog', 'neither']))).toEqual(['cat', 'dog', 'neither']);
    expect(outputLabels(probabilitiesOf([0.3, 0.7], ['cat', 'dog']))).toEqual(['cat', 'dog']);
  });

  it('announces the verdict and how sure the model is', () => {
    expect(announcement({ verdict: 'cat', label: 'cat', confidence: 0.973 })).toBe('A cat, 97% sure.');
    expect(announcement({ verdict: 'neither', label: 'neither', confidence: 0.8 })).toBe('No cat or dog here, 80% sure.');
    expect(announcement({ verdict: 'unsure', label: 'dog', confidence: 0.55 })).toBe('Not sure; it leans to dog (55%).');
  });
});
