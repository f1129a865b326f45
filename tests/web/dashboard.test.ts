/** The dashboard's feedback confusion matrix, laid out for the table. */
import { describe, expect, it } from 'vitest';
import { confusionCells } from '../../web/src/lib/dashboard.ts';

describe('dashboard', () => {
  it('lays the feedback confusion matrix out 3x3, rows actual and columns predicted, in label order', () => {
    const m = { cat: { cat: 5, dog: 1, neither: 2 }, dog: { cat: 0, dog: 7, neither: 1 }, neither: { cat: 3, dog: 4, neither: 9 } };
    expect(confusionCells(m)).toEqual([[5, 1, 2], [0, 7, 1], [3, 4, 9]]);
  });
});
