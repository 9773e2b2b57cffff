import type { FileHandle } from 'node:fs/promises';
import { open, readFile } from 'node:fs/promises';
import { ResolverError } from '../errors.js';
import { decodeScript, pieceDecoder } from './checksum.js';

/**
 * Bytes read at a time: a 1 GB script takes sixteen thousand reads, a small cost beside splitting it,
 * and each decoded piece stays an ordinary string that a young-generation collection frees.
 */
const PIECE_BYTES = 1 << 16;

/**
 * A script's decoded text, piece by piece (a leading BOM included, as decodeScript leaves it): what
 * reading the whole file gives, without holding it. An undecodable byte fails as decodeScript reports it.
 *
 * Every piece is read into the same buffer, which the decoder copies out of: a buffer per read would be
 * memory outside the JavaScript heap that only a garbage collection gives back, and a fast run leaves
 * tens of megabytes of them waiting.
 */
export async function* scriptPieces(file: string, encoding: string): AsyncGenerator<string> {
  const decode = pieceDecoder(encoding, file);
  const decodeOrReport = async (bytes: Buffer, last: boolean): Promise<string> => {
    try {
      return decode(bytes, last);
    } catch (cause) {
      // Decoding the whole file names the line of the byte it refused.
      decodeScript(await readFile(file), encoding, file);
      throw cause;
    }
  };
  const handle = await open(file, 'r').catch((cause: unknown) => {
    throw unreadable(file, cause);
  });
  try {
    const bytes = Buffer.allocUnsafe(PIECE_BYTES);
    for (let read = await readInto(handle, bytes, file); read > 0; read = await readInto(handle, bytes, file)) {
      yield await decodeOrReport(bytes.subarray(0, read), false);
    }
  } finally {
    await handle.close();
  }
  yield await decodeOrReport(Buffer.alloc(0), true);
}

async function readInto(handle: FileHandle, bytes: Buffer, file: string): Promise<number> {
  try {
    return (await handle.read(bytes, 0, bytes.length, null)).bytesRead;
  } catch (cause) {
    throw unreadable(file, cause);
  }
}

/** A migration the file system refused to read, named with the reason. */
export function unreadable(file: string, cause: unknown): ResolverError {
  return new ResolverError('UNREADABLE_MIGRATION', `Unable to read migration ${file}: ${(cause as Error).message}`, {
    hint: 'Check that the file exists and that godwit may read it.',
    location: file,
    cause,
  });
}
