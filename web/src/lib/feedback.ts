/** "Was it right?": the answers offered for a verdict, and the feedback item an answer becomes. Pure. */
import type { FeedbackItem, Label, Verdict } from '../../../edge/src/contract';
import { LABELS } from '../../../edge/src/contract-constants';
import type { Prediction } from './classifier/classifier';

export interface FeedbackChoice {
  /** "right", or the label the button names. */
  id: 'right' | Label;
  text: string;
  /** What the photo really shows when this button is pressed. */
  actual: Label;
}

const IT_IS: Record<Label, string> = { cat: "It's a cat", dog: "It's a dog", neither: 'Neither' };

/**
 * Each meaning once: "Right" stands for the verdict's own label, which is then not offered again
 * by name. "Not sure" claimed nothing, so it gets no "Right", only the three labels.
 */
export function feedbackChoices(verdict: Verdict): FeedbackChoice[] {
  const others = LABELS.filter((l) => l !== verdict).map((l) => ({ id: l, text: IT_IS[l], actual: l }));
  return verdict === 'unsure' ? others : [{ id: 'right', text: 'Right', actual: verdict }, ...others];
}

/**
 * The item sent to POST /api/feedback. `predicted` is the model's top label, so a "No cat or dog
 * here" verdict is sent as predicted `neither`, and a "Not sure" one as the label it leaned to.
 */
export function feedbackItem(
  prediction: Pick<Prediction, 'label' | 'confidence' | 'latencyMs' | 'backend'> & { modelVersion: string },
  actual: Label,
  id: string,
  createdAt: string
): FeedbackItem {
  return {
    id,
    modelVersion: prediction.modelVersion,
    predicted: prediction.label,
    confidence: prediction.confidence,
    actual,
    createdAt,
    latencyMs: prediction.latencyMs,
    backend: prediction.backend
  };
}
