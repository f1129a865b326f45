/**
 * The one API contract: request/response schemas shared by the edge worker (which validates
 * every input with them) and the web app (which types its client from them and loads them when it
 * first validates). Its plain values live in contract-constants.ts.
 * Keep this file free of runtime dependencies other than zod so both sides can bundle it.
 */
import { z } from 'zod';
import { LABELS, MAX_BATCH } from './contract-constants';

export { LABELS, MAX_BATCH, MAX_PHOTO_BYTES, PHOTO_MAX_SIDE } from './contract-constants';

// The app runs under a CSP without 'unsafe-eval' and Workers forbid eval: zod must not compile
// parsers with `new Function` (its probe for that alone is a reported CSP violation).
z.config({ jitless: true });

export const Label = z.enum(LABELS);
export type Label = z.infer<typeof Label>;

/** A model's `labels` in metadata.json: three classes, or the two of models published before "neither". */
export const ModelLabels = z.union([
  z.tuple([z.literal('cat'), z.literal('dog'), z.literal('neither')]),
  z.tuple([z.literal('cat'), z.literal('dog')])
]);
export type ModelLabels = z.infer<typeof ModelLabels>;

/** What the person says the photo really shows. */
export const Actual = Label;
export type Actual = Label;

/** The app-level verdict: a label, or "unsure" below the model's threshold. */
export const Verdict = z.enum([...LABELS, 'unsure']);
export type Verdict = z.infer<typeof Verdict>;

export const Backend = z.enum(['webgl', 'wasm', 'cpu', 'webgpu']);
export type Backend = z.infer<typeof Backend>;

export const UserAgentClass = z.enum(['mobile', 'tablet', 'desktop', 'other']);
export type UserAgentClass = z.infer<typeof UserAgentClass>;

/** Model versions are semver or date-based (e.g. 2026.11.24-1a2b3c); safe as an R2 key part. */
export const ModelVersion = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z][0-9A-Za-z._+-]*$/, 'must be letters, digits, dot, dash, plus or underscore');

const Millis = z.number().finite().min(0).max(600_000);

export const FeedbackItem = z.strictObject({
  id: z.uuid(),
  modelVersion: ModelVersion,
  predicted: Label,
  confidence: z.number().min(0).max(1),
  actual: Actual,
  createdAt: z.iso.datetime({ offset: true }),
  latencyMs: Millis.optional(),
  backend: Backend.optional()
});
export type FeedbackItem = z.infer<typeof FeedbackItem>;

export const TelemetryItem = z.strictObject({
  id: z.uuid(),
  modelVersion: ModelVersion,
  backend: Backend,
  latencyMs: Millis,
  warmupMs: Millis.optional(),
  loadMs: Millis.optional(),
  userAgentClass: UserAgentClass,
  createdAt: z.iso.datetime({ offset: true }).optional()
});
export type TelemetryItem = z.infer<typeof TelemetryItem>;

const batchOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item).min(1).max(MAX_BATCH) });

export const FeedbackBatch = batchOf(FeedbackItem);
export type FeedbackBatch = z.infer<typeof FeedbackBatch>;
export const TelemetryBatch = batchOf(TelemetryItem);
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;

/** Answer to a batch POST: which ids were stored now, which were already stored before. */
export const BatchResult = z.object({
  accepted: z.array(z.string()),
  duplicates: z.array(z.string())
});
export type BatchResult = z.infer<typeof BatchResult>;

export const ErrorCode = z.enum([
  'bad_request',
  'invalid_json',
  'validation_failed',
  'unauthorized',
  'not_found',
  'method_not_allowed',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal'
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Every error, everywhere: `{ error: { code, message, field? } }`. */
export const ErrorBody = z.object({
  error: z.object({ code: ErrorCode, message: z.string(), field: z.string().optional() })
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  modelVersion: z.string().nullable(),
  db: z.enum(['ok', 'error']),
  uptimeS: z.number(),
  feedbackCount: z.number().int().nullable(),
  lastPublishedAt: z.string().nullable()
});
export type Health = z.infer<typeof Health>;

export const ClassScores = z.object({
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable(),
  support: z.number().int()
});
export type ClassScores = z.infer<typeof ClassScores>;

const ConfusionRow = z.object({ cat: z.number().int(), dog: z.number().int(), neither: z.number().int() });

/** Rows are what it really was (`actual`), columns what the model said (`predicted`). */
export const ConfusionMatrix = z.object({ cat: ConfusionRow, dog: ConfusionRow, neither: ConfusionRow });
export type ConfusionMatrix = z.infer<typeof ConfusionMatrix>;

export const LatencyStats = z.object({
  backend: Backend,
  count: z.number().int(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable()
});
export type LatencyStats = z.infer<typeof LatencyStats>;

/** A 95 % confidence interval of a share (Wilson score), for deciding with few answers. */
export const Interval = z.object({ low: z.number(), high: z.number() });
export type Interval = z.infer<typeof Interval>;

export const VersionPerformance = z.object({
  modelVersion: z.string(),
  feedbackCount: z.number().int(),
  /** Share of all feedback where the model said what the photo really shows ("neither" included). */
  accuracy: z.number().nullable(),
  accuracyInterval: Interval.nullable(),
  /** The same over photos that really show a cat or a dog. */
  petAccuracy: z.number().nullable(),
  petAccuracyInterval: Interval.nullable(),
  /** Share of installs this version is served to now (100 active, P staged, 0 otherwise); null if never published. */
  servedPercent: z.number().int().min(0).max(100).nullable(),
  perClass: z.object({ cat: ClassScores, dog: ClassScores, neither: ClassScores }),
  confusion: ConfusionMatrix,
  latency: z.array(LatencyStats)
});
export type VersionPerformance = z.infer<typeof VersionPerformance>;

export const Performance = z.object({
  generatedAt: z.string(),
  versions: z.array(VersionPerformance)
});
export type Performance = z.infer<typeof Performance>;

export const PerformanceQuery = z.strictObject({ modelVersion: ModelVersion.optional() });

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');

/** A model file's path inside its version: model.json, metadata.json, group1-shard1of1.bin ... */
export const ModelFilePath = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a plain file name');

export const ModelFile = z.object({ path: ModelFilePath, sha256: Sha256Hex, bytes: z.number().int().min(0) });
export type ModelFile = z.infer<typeof ModelFile>;

const PerLabel = z.object({ cat: z.number(), dog: z.number(), neither: z.number() }).partial();

/**
 * Test-split metrics written by training and shown on the model card. Three-class models also
 * carry the `neither` figures; two-class ones (published before "neither") only cat and dog.
 */
export const ModelMetrics = z
  .object({
    /** Share of cat and dog photos given their own label (top class). */
    accuracy: z.number(),
    precision: PerLabel.optional(),
    recall: PerLabel.optional(),
    f1: PerLabel.optional(),
    logLoss: z.number().optional(),
    rocAuc: z.number().optional(),
    ece: z.number().optional(),
    /** rows actual, columns predicted, both in `labels` order */
    confusion: z.array(z.array(z.number())).optional(),
    n: z.number().int().optional(),
    /** Share of photos with no cat or dog answered "neither" or "unsure" (at the model's threshold). */
    nonPetRejected: z.number().optional(),
    /** Share of cat and dog photos answered "neither" or "unsure". */
    petRejected: z.number().optional()
  })
  .passthrough();
export type ModelMetrics = z.infer<typeof ModelMetrics>;

/**
 * `model/metadata.json`. The model takes a float32 tensor [batch, h, w, 3] of RGB pixels: the centre
 * `crop` of the photo resized to `inputSize`, then mapped with `x * normalization.scale + normalization.offset`.
 */
export const ModelMetadata = z
  .object({
    version: ModelVersion,
    created: z.string(),
    labels: ModelLabels,
    inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    /** The centre share of each side of a photo the model sees (1, the default, is the whole photo). */
    crop: z.number().gt(0).max(1).default(1),
    normalization: z.object({ scale: z.number(), offset: z.number() }),
    /** Below this top-class probability the app answers "unsure". */
    unsureThreshold: z.number().min(0.5).max(1),
    metrics: ModelMetrics,
    datasetFingerprint: z.string(),
    backend: z.string(),
    runId: z.string(),
    files: z.array(ModelFile)
  })
  .passthrough();
export type ModelMetadata = z.infer<typeof ModelMetadata>;

export const LatestModel = z.object({
  version: ModelVersion,
  files: z.array(ModelFile).min(1),
  metrics: ModelMetrics.nullable(),
  publishedAt: z.string()
});
export type LatestModel = z.infer<typeof LatestModel>;

/**
 * POST /api/models: model.json, its weight shards and metadata.json; contents travel base64-encoded.
 * The version becomes the one clients get only with `activate: true` (or a later activate call).
 */
export const PublishRequest = z.strictObject({
  version: ModelVersion,
  files: z
    .array(z.strictObject({ path: ModelFilePath, sha256: Sha256Hex, contentBase64: z.base64() }))
    .min(1)
    .max(64),
  activate: z.boolean().optional()
});
export type PublishRequest = z.infer<typeof PublishRequest>;

/**
 * A published version's lifecycle: `active` is the one `GET /api/models/latest` offers (at most one);
 * `staged` (at most one) is offered instead to the installs whose bucket is below its `percent`;
 * `withdrawn` is never offered again unless activated anew; `inactive` is published and waiting.
 */
export const ModelState = z.enum(['active', 'staged', 'inactive', 'withdrawn']);
export type ModelState = z.infer<typeof ModelState>;

export const PublishResult = z.object({ version: ModelVersion, files: z.array(ModelFile), state: ModelState });
export type PublishResult = z.infer<typeof PublishResult>;

export const ModelSummary = z.object({
  version: ModelVersion,
  state: ModelState,
  /** Share of installs served this version: 100 when active (minus a staged share), P when staged, 0 otherwise. */
  percent: z.number().int().min(0).max(100),
  publishedAt: z.string(),
  bytes: z.number().int()
});
export type ModelSummary = z.infer<typeof ModelSummary>;

/** GET /api/models (admin): every published version, newest first. */
export const ModelList = z.object({ models: z.array(ModelSummary) });
export type ModelList = z.infer<typeof ModelList>;

// ---- Staged rollout ----

/** A random id each install keeps on the device; its hash picks a stable bucket 0-99 (never sent with feedback). */
export const InstallId = z.uuid();
export type InstallId = z.infer<typeof InstallId>;

/** `GET /api/models/latest?install=ID`: installs in a bucket below the staged version's percent get it, the rest the active one. */
export const LatestQuery = z.strictObject({ install: InstallId.optional() });

/**
 * `POST /api/models/:version/activate` (admin) takes an optional body: without `percent` (or 100) the
 * version becomes active for everyone; below 100 it is staged for that share, everyone else keeps the
 * active one. `POST /api/models/promote` makes the staged version active for all; `POST /api/models/rollback`
 * withdraws the staged version so every install returns to the active one at its next check.
 */
export const ActivateRequest = z.strictObject({ percent: z.number().int().min(1).max(100).optional() });
export type ActivateRequest = z.infer<typeof ActivateRequest>;

export const LifecycleResult = z.object({ version: ModelVersion, state: ModelState, percent: z.number().int().min(0).max(100) });
export type LifecycleResult = z.infer<typeof LifecycleResult>;

// ---- Feedback photos (opt-in) and their review ----

/** Answer to the photo upload; `stored: false` when this id already had its photo (the same bytes or not, it is kept once). */
export const PhotoUploadResult = z.object({ id: z.uuid(), sha256: Sha256Hex, bytes: z.number().int(), stored: z.boolean() });
export type PhotoUploadResult = z.infer<typeof PhotoUploadResult>;

export const ReviewStatus = z.enum(['pending', 'approved', 'rejected']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

/** One shared photo with its feedback, as `GET /api/review` (admin) lists them, newest upload first. */
export const ReviewPhoto = z.object({
  id: z.uuid(),
  sha256: Sha256Hex,
  bytes: z.number().int(),
  uploadedAt: z.string(),
  /** When the person answered (the feedback item's createdAt). */
  createdAt: z.string(),
  modelVersion: ModelVersion,
  predicted: Label,
  confidence: z.number().min(0).max(1),
  /** What the person said the photo shows. */
  actual: Label,
  status: ReviewStatus,
  /** The label to train on: the person's when approved, the maintainer's when relabelled; null until approved. */
  label: Label.nullable(),
  reviewedAt: z.string().nullable()
});
export type ReviewPhoto = z.infer<typeof ReviewPhoto>;

export const ReviewList = z.object({ photos: z.array(ReviewPhoto) });
export type ReviewList = z.infer<typeof ReviewList>;

/** `GET /api/review?status=approved&since=ISO`: `all` (the default) lists every status; `since` compares reviewedAt for approved, else uploadedAt. */
export const ReviewQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected', 'all']).optional(),
  since: z.iso.datetime({ offset: true }).optional()
});
export type ReviewQuery = z.infer<typeof ReviewQuery>;

/** `POST /api/review/:id` (admin): approve keeps the person's label, relabel sets another one (and approves), reject drops it. */
export const ReviewAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('approve') }),
  z.strictObject({ action: z.literal('reject') }),
  z.strictObject({ action: z.literal('relabel'), label: Label })
]);
export type ReviewAction = z.infer<typeof ReviewAction>;

/** Written into a published model's metadata.json by `npm run publish`: the gate's comparison with the active model. */
export const PublishGate = z.object({
  against: z.string().nullable(),
  passed: z.boolean(),
  forced: z.boolean(),
  figures: z.array(z.object({ name: z.string(), candidate: z.number().nullable(), active: z.number().nullable(), n: z.number().int() }))
});
export type PublishGate = z.infer<typeof PublishGate>;
