/**
 * Receives the warnings scikit-learn would raise (UndefinedMetricWarning, UserWarning),
 * so callers such as a sweep worker can record them instead of printing to stderr.
 */
export type WarningHandler = (message: string) => void;

/** The default {@link WarningHandler}: a Node process warning of type `UndefinedMetricWarning`. */
export const emitMetricWarning: WarningHandler = (message) => {
  process.emitWarning(message, 'UndefinedMetricWarning');
};
