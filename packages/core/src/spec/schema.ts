import { z } from 'zod';
import type { ParamValue } from '../estimators/base.js';
import type { PredictionMetric } from '../metrics/by-name.js';
import type { ScoringName } from '../metrics/scorers.js';
import { spaceIssues, type ParamSpace } from './param-space.js';

const paramValue: z.ZodType<ParamValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(paramValue), z.record(z.string(), paramValue)], {
    error: 'a JSON value (string, number, boolean, null, array or object)',
  }),
);
const params = z.record(z.string(), paramValue);

const target = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('multiclass') }).strict(),
  z.object({ kind: z.literal('binary'), positive: z.union([z.number().int(), z.string().min(1, { error: 'an integer label or a class name, not ""' })], { error: 'an integer label or a class name' }) }).strict(),
  z.object({ kind: z.literal('multilabel'), labels: z.array(z.enum(['large', 'odd'])).min(1) }).strict(),
  z.object({ kind: z.literal('denoise'), noise: z.number().int().min(1).max(65280).default(100), seed: z.number().int().min(0).default(42) }).strict(),
]);

const dataset = z.discriminatedUnion('source', [
  z.object({ source: z.literal('mnist'), target: target.optional() }).strict(),
  z.object({ source: z.literal('csv'), train: z.string().min(1), test: z.string().min(1).optional(), label: z.string().min(1), target: target.optional() }).strict(),
  z
    .object({
      source: z.literal('idx'),
      train_images: z.string().min(1),
      train_labels: z.string().min(1),
      test_images: z.string().min(1).optional(),
      test_labels: z.string().min(1).optional(),
      target: target.optional(),
    })
    .strict(),
]);

const step = z.object({ name: z.string().min(1), params: params.optional() }).strict();

/** An estimator by scikit-learn class name, or a Pipeline of `steps` (transformers, then one estimator). */
const estimator = z
  .object({ name: z.string().min(1), params: params.optional(), steps: z.array(step).min(1).optional() })
  .strict()
  .superRefine((e, ctx) => {
    if (e.name === 'Pipeline' && !e.steps) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a Pipeline needs "steps": [{name, params}, ...]' });
    if (e.name !== 'Pipeline' && e.steps) ctx.addIssue({ code: 'custom', path: ['steps'], message: `only a Pipeline has steps, not ${e.name}` });
  });

const gridDict = z.record(z.string(), z.array(paramValue).min(1));

const distribution = z.union(
  [
    z.array(paramValue).min(1),
    z.object({ uniform: z.tuple([z.number(), z.number().gt(0)]) }).strict(),
    z.object({ loguniform: z.tuple([z.number().gt(0), z.number().gt(0)]) }).strict(),
    z.object({ randint: z.tuple([z.number().int(), z.number().int()]) }).strict(),
  ],
  { error: 'a non-empty list, {uniform: [loc, scale]}, {loguniform: [a, b]} or {randint: [low, high]}' },
);
const distributionDict = z.record(z.string(), distribution);

/**
 * A TPE search's space (spec/param-space.ts): a dict of Optuna-style parameters, or a list of
 * them. One validator checks shapes, bounds, log and step together, so each issue names its
 * parameter (`param_space.C.float: low 10 is above high 1`) instead of a union's "Invalid input".
 */
const paramSpace = z.custom<ParamSpace>(() => true).superRefine((space, ctx) => {
  if (typeof space !== 'object' || space === null) {
    ctx.addIssue({ code: 'custom', message: 'an object of parameters, or a list of such objects (conditional subspaces)' });
    return;
  }
  for (const issue of spaceIssues(space)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

/** How candidates are chosen: every cell of param_grid, or n_iter draws from param_distributions. */
const search = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grid') }).strict(),
  z
    .object({
      kind: z.literal('random'),
      n_iter: z.number().int().min(1).max(100_000).default(10),
      /** Seed of the draws (scikit-learn's ParameterSampler with numpy's legacy generator); every worker redraws the same candidates. */
      random_state: z.number().int().min(0).max(0xffffffff).default(0),
    })
    .strict(),
  z
    .object({
      /** HalvingGridSearchCV: training samples are the resource; each round keeps the best 1/factor. */
      kind: z.literal('halving'),
      factor: z.number().int().min(2).default(3),
      min_resources: z.union([z.literal('exhaust'), z.literal('smallest'), z.number().int().min(1)]).default('exhaust'),
      aggressive_elimination: z.boolean().default(false),
      /** Seed of each round's subsample of the folds (scikit-learn's resample with this random_state). */
      random_state: z.number().int().min(0).max(0xffffffff).default(0),
    })
    .strict(),
  z
    .object({
      /**
       * Tree-structured Parzen Estimator over param_space (Optuna 3.1's TPESampler): n_trials
       * proposals, the first n_startup_trials at random, each later one from the trials so far.
       */
      kind: z.literal('tpe'),
      n_trials: z.number().int().min(1).max(100_000),
      n_startup_trials: z.number().int().min(0).max(100_000).default(10),
      n_ei_candidates: z.number().int().min(1).max(10_000).default(24),
      /** Seed of the proposals: with one worker, a seeded run proposes the same trials again. */
      seed: z.number().int().min(0).max(0xffffffff).default(0),
      /** Count trials in flight as the worst score when proposing, so concurrent proposals differ (Optuna's constant_liar; on here, off in Optuna). */
      constant_liar: z.boolean().default(true),
      /**
       * Trials run at once through the queue, at most: each proposed when a worker takes it.
       * Keep it at least the workers' slots, so that none idles.
       */
      parallel: z.number().int().min(1).max(256).default(8),
    })
    .strict(),
]);

const cv = z.union(
  [
  z.number().int().min(2),
  z
    .object({
      kind: z.enum(['stratified', 'kfold']).optional(),
      n_splits: z.number().int().min(2).default(5),
      shuffle: z.boolean().default(false),
      random_state: z.number().int().nullable().default(null),
      /** Run cross-validation on the first N training rows (the seeds' `X_train[:10_000]`). */
      subset: z.number().int().min(2).nullable().default(null),
    })
    .strict()
    .refine((c) => !c.shuffle || c.random_state !== null, {
      path: ['random_state'],
      error: 'must be an integer when shuffle is true: every worker rebuilds the same folds from it',
    }),
  ],
  { error: 'an integer >= 2, or an object {kind, n_splits, shuffle, random_state, subset}' },
);

const count = (min: number) => z.number().int().min(min).max(1_000_000);
/** Optuna's PercentilePruner settings (MedianPruner is its 50th percentile). */
const percentileSettings = {
  n_startup_trials: count(0).default(5),
  n_warmup_steps: count(0).default(0),
  interval_steps: count(1).default(1),
  n_min_trials: count(1).default(1),
};
const pruner = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('median'), ...percentileSettings }).strict(),
  z.object({ kind: z.literal('percentile'), percentile: z.number().min(0).max(100), ...percentileSettings }).strict(),
  z
    .object({
      /** Asynchronous successive halving (Optuna's SuccessiveHalvingPruner): steps are the resource. */
      kind: z.literal('asha'),
      min_resource: z.union([z.literal('auto'), count(1)]).default('auto'),
      reduction_factor: z.number().int().min(2).max(100).default(4),
      min_early_stopping_rate: count(0).default(0),
      bootstrap_count: count(0).default(0),
    })
    .strict(),
  z
    .object({
      kind: z.literal('hyperband'),
      min_resource: count(1).default(1),
      max_resource: z.union([z.literal('auto'), count(1)]).default('auto'),
      reduction_factor: z.number().int().min(2).max(100).default(3),
      bootstrap_count: count(0).default(0),
    })
    .strict()
    .refine((p) => p.bootstrap_count === 0 || p.max_resource !== 'auto', { path: ['bootstrap_count'], error: 'needs a number max_resource (Optuna refuses bootstrap_count with max_resource "auto")' }),
]);

/** What a spec's `batch_size` may be, said with the value given. */
const BATCH_ALLOWED = { error: (iss: { input?: unknown }) => `${JSON.stringify(iss.input)} is not allowed: "auto", or a whole number of fits from 1 to 1000` };

/** A job's time limit in a spec: seconds, at least 1, at most 7 days. */
const LIMIT_ALLOWED = { error: 'seconds, from 1 to 604800 (7 days)' };
const timeLimit = z.number(LIMIT_ALLOWED).min(1, LIMIT_ALLOWED).max(604_800, LIMIT_ALLOWED);

export const OOF_METHODS = ['predict', 'decision_function', 'predict_proba'] as const;
export const OOF_METRICS = [
  'confusion_matrix',
  'precision',
  'recall',
  'f1',
  'f1_macro',
  'f1_weighted',
  'roc_auc',
  'precision_recall_curve',
  'roc_curve',
] as const;

const oof = z
  .object({
    /** What cross_val_predict returns: labels, decision scores or probabilities. */
    methods: z.array(z.enum(OOF_METHODS)).min(1).default(['predict']),
    metrics: z.array(z.enum(OOF_METRICS)).default([]),
    /**
     * Normalisations of the confusion matrix to report besides the raw counts; the `errors_`
     * ones put zero weight on correct predictions first (the seeds' `sample_weight = y_pred != y`).
     */
    confusion_normalize: z.array(z.enum(['true', 'pred', 'all', 'errors_true', 'errors_pred'])).default([]),
    /** Class pairs for error analysis (the seeds' 3 vs 5): training-row indices of the four cells. */
    error_pairs: z.array(z.tuple([z.number().int(), z.number().int()])).max(10).default([]),
    /** Indices kept per error-analysis cell. */
    error_examples: z.number().int().min(1).max(1000).default(25),
    /**
     * Classify as positive when the score (decision function, else positive-class probability)
     * is >= this value, for precision / recall / f1 and the confusion matrix, instead of
     * `predict` (the seeds' `y_probas_forest[:, 1] >= 0.5`; predict gives exact ties to class 0).
     */
    threshold: z.number().optional(),
    /** The seeds' exercise: the lowest threshold whose precision reaches this value. */
    threshold_for_precision: z.number().gt(0).max(1).optional(),
    /** Points kept per stored curve; full arrays only when `full_curves` is set. */
    curve_points: z.number().int().min(2).max(100_000).default(300),
    full_curves: z.boolean().default(false),
  })
  .strict();

/** Scorer names a spec may use (metrics/scorers.ts defines each). */
export const SCORINGS = ['accuracy', 'f1', 'f1_macro', 'f1_weighted', 'precision', 'recall', 'roc_auc', 'neg_mean_squared_error'] as const satisfies readonly ScoringName[];
/** Test-split metrics of the refit: prediction metrics (metrics/by-name.ts) and the denoising baseline. */
export const TEST_METRICS = ['accuracy', 'f1', 'f1_macro', 'f1_weighted', 'precision', 'recall', 'mean_squared_error', 'noisy_mean_squared_error'] as const satisfies ReadonlyArray<PredictionMetric | 'noisy_mean_squared_error'>;

/** The experiment spec: dataset, estimator, grid, CV, scoring, refit. Names follow scikit-learn. */
export const experimentSpecSchema = z
  .object({
    /** Defaults to the spec file's name (CLI) or the estimator's name, lowercased. */
    name: z.string().min(1).max(200).regex(/^[\w.-]+$/, { error: 'letters, digits, "_", "-" and "." only' }).optional(),
    description: z.string().max(2000).optional(),
    dataset,
    estimator,
    /** scikit-learn's param_grid: one dict, or a list of dicts. Absent = the estimator's params alone. */
    param_grid: z.union([gridDict, z.array(gridDict).min(1)]).optional(),
    /** RandomizedSearchCV's param_distributions (with `search.kind: "random"`). */
    param_distributions: z.union([distributionDict, z.array(distributionDict).min(1)]).optional(),
    /** A TPE search's space (with `search.kind: "tpe"`): one dict, or a list of dicts (conditional subspaces). */
    param_space: paramSpace.optional(),
    search: search.default({ kind: 'grid' }),
    /** Folds: an int (StratifiedKFold for class targets, else KFold, as scikit-learn) or an object; null = no CV. */
    cv: cv.nullable().default(5),
    scoring: z.enum(SCORINGS).default('accuracy'),
    /** scikit-learn's error_score: "raise", or the score recorded for a failing cell (null = NaN). */
    error_score: z.union([z.literal('raise'), z.number(), z.null()]).default(null),
    /** Refit the best params on the training set (first `subset` rows, null = all) and score the test set. */
    refit: z
      .union([
        z.boolean(),
        z
          .object({
            subset: z.number().int().min(1).nullable().default(null),
            metrics: z.array(z.enum(TEST_METRICS)).min(1).default(['accuracy']),
            /** Keep inputs, targets and predictions of the first N test rows (e.g. noisy vs cleaned digits). */
            examples: z.number().int().min(0).max(100).default(0),
          })
          .strict(),
      ])
      .default(true),
    oof: oof.optional(),
    /** Reuse cached results of identical (data, fold, estimator, params) fits; false bypasses the cache. */
    cache: z.boolean().default(true),
    /** Let cells that share an expensive step (KNN neighbours) run as one task. */
    group_cells: z.boolean().default(true),
    /**
     * Split each fit task by its test rows into this many jobs, for estimators whose cost is in
     * their queries (KNeighborsClassifier), so few heavy folds keep every worker busy; "auto"
     * (the default when absent) splits when the live workers' slots would otherwise idle.
     */
    split_queries: z.union([z.literal('auto'), z.number().int().min(1).max(16)]).optional(),
    /**
     * (cell, fold) fits of one fold run as one queue job, as joblib's `batch_size`: the queue's
     * cost of a job (its fetch and completion, the store's checks, the task cache's round trips)
     * is paid once per batch instead of once per fit. "auto" (the default) batches a sweep of
     * more than 2,000 single fits into 2,000 jobs or fewer, and nothing smaller; 1 never batches.
     * Cells grouped to share a fit (KNeighborsClassifier's, with `group_cells`) are not batched,
     * nor a halving search's or a study's. Results are identical either way.
     */
    batch_size: z.union([z.literal('auto'), z.number(BATCH_ALLOWED).int(BATCH_ALLOWED).min(1, BATCH_ALLOWED).max(1000, BATCH_ALLOWED)], BATCH_ALLOWED).default('auto'),
    /**
     * Wall-clock limits of this experiment's fit tasks and refit, seconds, instead of the
     * workers' defaults: a job past its limit is stopped and recorded as failed with the reason.
     */
    timeouts: z.object({ fit_s: timeLimit.optional(), refit_s: timeLimit.optional() }).strict().optional(),
    /**
     * The user's modules (TypeScript or JavaScript) whose exported estimator classes,
     * transformers and objective functions `estimator.name` (or a step) may name, as written:
     * relative to the spec file. Each needs an `artifacts` entry; `gridfold run` bundles and
     * uploads them and adds it.
     */
    plugins: z.array(z.string().min(1).max(1000)).min(1).max(20).optional(),
    /**
     * What the spec's local files hold: each plugin and dataset path, as written, to the sha256
     * of an uploaded artifact (a plugin's bundle, a data file's bytes). Workers fetch artifacts
     * from Redis, so a worker host needs no copy of them; a dataset path without an entry is a
     * file in the workers' data directory.
     */
    artifacts: z.record(z.string().min(1).max(1000), z.string().regex(/^[0-9a-f]{64}$/, { error: 'a sha256: 64 lowercase hex digits' })).optional(),
    /**
     * Stops a study's trials early on their intermediate reports (Optuna 3.1's pruners; see
     * search/pruners.ts), with search.kind "tpe". A fold's report is judged against the other
     * trials' reports on the same fold at the same step; a trial is pruned when one fold is.
     */
    pruner: pruner.optional(),
    /**
     * This experiment's share of the workers against other experiments queued at the same time:
     * their fit tasks are taken in turn, this one's `priority` tasks for every one of an
     * experiment with priority 1.
     */
    priority: z.number().min(0.01).max(100).default(1),
  })
  .strict();

export type ExperimentSpecInput = z.input<typeof experimentSpecSchema>;
/** A parsed spec: defaults filled in, and always a name. */
export type ExperimentSpec = z.output<typeof experimentSpecSchema> & { name: string };
export type CvSpec = Exclude<ExperimentSpec['cv'], number | null>;
