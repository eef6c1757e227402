/**
 * Why the artifact store refused something:
 * - `bad-sha256`: a name that is not 64 lowercase hex digits;
 * - `too-large`: one artifact over the per-artifact cap;
 * - `store-full`: the upload would take the store past its total bound;
 * - `hash-mismatch`: the bytes' sha256 is not the one the uploader stated;
 * - `upload-expired`: the upload was silent past its deadline and its bytes are gone;
 * - `not-found`: no such artifact (or it was deleted while being read);
 * - `in-use`: a delete of an artifact that experiments still use.
 */
export type ArtifactErrorCode = 'bad-sha256' | 'too-large' | 'store-full' | 'hash-mismatch' | 'upload-expired' | 'not-found' | 'in-use';

/** A refusal of the artifact store; `code` says which, the message names the values. */
export class ArtifactError extends Error {
  override name = 'ArtifactError';

  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
    /** For `in-use`: the experiments that hold the artifact. */
    readonly experiments: string[] = [],
  ) {
    super(message);
  }
}
