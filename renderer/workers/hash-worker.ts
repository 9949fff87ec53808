/**
 * The hash worker: the SHA-256 of one dropped file, beside the ingest worker's parse.
 *
 * A source's id is the SHA-256 of its bytes. `crypto.subtle` has no streaming digest (it
 * wants the whole file in memory), and `@noble/hashes` runs at about 150 MB/s, half the
 * cost of parsing, so hashing in the ingest worker's thread would make every load half
 * again as slow. Here it runs on another core while the ingest worker parses under a
 * provisional id; the file is read a second time, in constant memory.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../shared/ingest/pipeline';
import type { HashReply, HashRequest } from './ingest-protocol';

interface HashScope {
  postMessage(message: HashReply): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HashRequest>) => void): void;
}

const scope = self as unknown as HashScope;

/** Bytes read per step: large slices cost fewer trips to the browser process for the file. */
const sliceBytes = 16 << 20;

/** The file's SHA-256, hex, read a slice at a time (constant memory). */
async function hashBlob(file: Blob): Promise<string> {
  const hash = sha256.create();
  for (let at = 0; at < file.size; at += sliceBytes) {
    hash.update(new Uint8Array(await file.slice(at, at + sliceBytes).arrayBuffer()));
  }
  return toHex(hash.digest());
}

scope.addEventListener('message', (event) => {
  hashBlob(event.data.file).then(
    (digest) => scope.postMessage({ digest }),
    (error: unknown) =>
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
