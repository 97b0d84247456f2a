import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { RegistryError } from './errors.js';

type Destroyable = { destroy(err?: Error): unknown; on(event: 'error', fn: () => void): unknown };

/** Drops a body we will not read; undici reports the drop as an error nobody needs to see. */
export function discard(body: Destroyable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * Reads a response body up to `cap` bytes. Over the cap it stops reading and either throws
 * TOO_LARGE or, for error bodies that are only inspected, returns the first `cap` bytes.
 */
/**
 * Reads and drops a body that should be empty or small (HEAD, redirects), so the connection
 * goes back to the pool; one larger than 64 KiB is cut off with its socket instead.
 */
export async function drain(
  body: Destroyable & { dump?: (o: { limit: number }) => Promise<void> },
): Promise<void> {
  if (!body.dump) return discard(body);
  await body.dump({ limit: 64 * 1024 }).catch(() => discard(body));
}

export async function readCapped(
  body: AsyncIterable<Uint8Array> & Destroyable,
  cap: number,
  options: { truncate: boolean; what: string },
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > cap) {
      discard(body);
      if (!options.truncate) throw tooLarge(options.what, cap);
      chunks.push(chunk.subarray(0, chunk.length - (total - cap)));
      return Buffer.concat(chunks);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function tooLarge(what: string, cap: number): RegistryError {
  return new RegistryError('TOO_LARGE', `${what} is larger than the ${cap}-byte limit`);
}

const DECODERS: Record<string, typeof gunzipSync> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * Undoes a single Content-Encoding with the output capped, so a small compressed body cannot
 * inflate past the limit (undici's `request` does not decode; `fetch` would, without a cap).
 */
export function decodeBody(
  encoding: string | undefined,
  bytes: Uint8Array,
  options: { cap: number; what: string },
): Uint8Array {
  const name = (encoding ?? '').trim().toLowerCase();
  if (name === '' || name === 'identity') return bytes;
  const decoder = DECODERS[name];
  if (!decoder) {
    throw new RegistryError(
      'PROTOCOL',
      `${options.what}: unsupported Content-Encoding "${name.slice(0, 40)}"`,
    );
  }
  try {
    return decoder(bytes, { maxOutputLength: options.cap });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw tooLarge(`${options.what} (decoded)`, options.cap);
    throw new RegistryError('PROTOCOL', `${options.what}: the ${name} body does not decode`, {
      cause: err,
    });
  }
}
