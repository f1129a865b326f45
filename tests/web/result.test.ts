/** How a verdict reads, and which probabilities a result shows, for three- and two-class models. */
import { describe, expect, it } from 'vitest';
import { probabilitiesOf } from '../../web/src/lib/classifier/verdict.ts';
import { HEADLINES, outputLabels } from '../../web/src/lib/result.ts';

describe('result', () => {
  it('names every verdict with its own headline', () => {
    expect(HEADLINES).toEqual({ cat: 'A cat', dog: 'A dog', neither: 'No cat or dog here', unsure: 'Not sure' });
  });

  it('shows a bar for every probability the model gave, in output order', () => {
    expect(outputLabels(probabilitiesOf([0.1, 0.2, 0.7], ['cat', 'dog', 'neither']))).toEqual(['cat', 'dog', 'neither']);
    expect(outputLabels(probabilitiesOf([0.3, 0.7], ['cat', 'dog']))).toEqual(['cat', 'dog']);
  });
});
