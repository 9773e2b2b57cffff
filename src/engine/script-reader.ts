import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ResolverError } from '../errors.js';
import { decodeScript, pieceDecoder } from './checksum.js';

/** Bytes read at a time: large enough that a 1 GB script takes a thousand reads, small against memory. */
const PIECE_BYTES = 1 << 16;

/**
 * A script's decoded text, piece by piece (a leading BOM included, as decodeScript leaves it): what
 * reading the whole file gives, without holding it. An undecodable byte fails as decodeScript reports it.
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
  try {
    for await (const bytes of createReadStream(file, { highWaterMark: PIECE_BYTES })) yield await decodeOrReport(bytes as Buffer, false);
  } catch (cause) {
    if (cause instanceof ResolverError) throw cause;
    throw unreadable(file, cause);
  }
  yield await decodeOrReport(Buffer.alloc(0), true);
}

function unreadable(file: string, cause: unknown): ResolverError {
  return new ResolverError('UNREADABLE_MIGRATION', `Unable to read migration ${file}: ${(cause as Error).message}`, {
    hint: 'Check that the file exists and that godwit may read it.',
    location: file,
    cause,
  });
}
