import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiClient } from './api-client.js';

/** What {@link uploadArtifact} did with a file. */
export interface UploadedArtifact {
  sha256: string;
  size: number;
  /** False when the API already held the bytes, so none were sent. */
  uploaded: boolean;
}

const NAME_HINT = /^[\x20-\x7e]{1,255}$/;

/**
 * Makes a local file an artifact of the API at `apiUrl`: hashes it (streamed), asks the API
 * whether it holds that sha256 (HEAD), and streams it up only if not. The API checks the
 * bytes against the hash, so a file that changes meanwhile is refused, not stored wrong.
 * @throws Error naming the file when it cannot be read, or the route, status and the API's message.
 */
export async function uploadArtifact(apiUrl: string, token: string | undefined, path: string): Promise<UploadedArtifact> {
  const { size } = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read artifact file ${path}: ${err.code ?? err.message}`);
  });
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  const client = new ApiClient(apiUrl, token);
  if (await client.hasArtifact(sha256)) return { sha256, size, uploaded: false };
  const name = basename(path);
  const sent = await client.uploadArtifact({ sha256, size, bytes: createReadStream(path), name: NAME_HINT.test(name) ? name : undefined });
  return { sha256, size, uploaded: sent.created };
}
