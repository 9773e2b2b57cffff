import { TextDecoder } from 'node:util';
import { ResolverError } from '../errors.js';

const BOM = '\uFEFF';

// Our own table rather than zlib.crc32, which Node only gained in 20.15 while we support all of 20.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

const LF = 10;
const CR = 13;

/** The CRC over bytes `start` to `end`, leaving out CR and LF: in UTF-8 those bytes are never part of another character. */
function crc32WithoutLineBreaks(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let c = crc;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte !== LF && byte !== CR) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  }
  return c;
}

/** UTF-8 is encoded this many bytes at a time, into one buffer reused by every checksum. */
const ENCODE_BYTES = 1 << 16;
const encoder = new TextEncoder();
const encoded = new Uint8Array(ENCODE_BYTES);

/**
 * Flyway's checksum: the signed CRC-32 of the UTF-8 text read line by line, which drops every CR and LF,
 * with one BOM removed from the start. Line endings and blank lines therefore never change it.
 */
export function checksum(text: string): number {
  const sum = new Checksum();
  sum.add(text);
  return sum.value();
}

/** Flyway's checksum of a text given in consecutive pieces, for scripts too large to hold whole. */
export class Checksum {
  private crc = 0xffffffff;
  private first = true;

  /**
   * Encodes into a buffer it reuses rather than into a new copy of the text without its line breaks:
   * gigabytes of script pass through here, and each copy would be garbage to collect.
   */
  add(piece: string): void {
    let text = this.first ? stripBom(piece) : piece;
    if (piece !== '') this.first = false;
    while (text !== '') {
      const { read, written } = encoder.encodeInto(text, encoded);
      this.crc = crc32WithoutLineBreaks(this.crc, encoded, 0, written);
      text = text.slice(read);
    }
  }

  value(): number {
    return (this.crc ^ 0xffffffff) | 0;
  }
}

/**
 * A script's text as decodeScript gives it, with Flyway's checksum of that text. For UTF-8 the checksum
 * is taken over the file's bytes, which are exactly what encoding the decoded text would give back,
 * once decoding has proved them valid: a thousand small scripts need not be encoded a second time.
 */
export function decodeWithChecksum(bytes: Buffer, encoding: string, file: string): { text: string; checksum: number } {
  const text = decodeScript(bytes, encoding, file);
  if (!isUtf8(encoding)) return { text, checksum: checksum(text) };
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return { text, checksum: (crc32WithoutLineBreaks(0xffffffff, bytes, start, bytes.length) ^ 0xffffffff) | 0 };
}

/** Removes one leading U+FEFF, which is part of the file but must not reach the database. */
export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

// Node's TextDecoder treats every windows-1252 label (which in WHATWG includes `latin1` and `ascii`) as
// ISO-8859-1, and never fails. Java tells the three apart, and they decode bytes 0x80-0x9F differently,
// so these charsets are decoded here.
type SingleByteCharset = 'latin1' | 'ascii' | 'cp1252';
const SINGLE_BYTE = new Map<string, SingleByteCharset>([
  ...['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'iso_8859_1', 'iso8859_1', '8859_1', 'latin1', 'l1', 'cp819', 'ibm819'].map((n) => [n, 'latin1'] as const),
  ...['us-ascii', 'ascii', 'iso646-us'].map((n) => [n, 'ascii'] as const),
  ...['windows-1252', 'cp1252', 'x-cp1252'].map((n) => [n, 'cp1252'] as const),
]);
// windows-1252 bytes 0x80-0x9F; the five that have no character ('\uFFFD' here) fail, as in Java.
const CP1252_HIGH = '\u20AC\uFFFD\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\uFFFD\u017D\uFFFD' +
  '\uFFFD\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\uFFFD\u017E\u0178';

/**
 * Decodes a script strictly, as Flyway does before computing a checksum: a byte that is invalid in the
 * configured encoding fails instead of becoming U+FFFD, which would silently change the checksum. A BOM
 * is kept; `checksum` and `stripBom` deal with it.
 */
export function decodeScript(bytes: Buffer, encoding: string, file: string): string {
  const charset = encoding.trim().toLowerCase();
  const singleByte = SINGLE_BYTE.get(charset);
  if (singleByte !== undefined) return decodeSingleByte(bytes, singleByte, encoding, file);
  const label = charset === 'utf-16' ? utf16Label(bytes) : charset;
  const decoder = wholeDecoder(label, encoding);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw checksumError(file, encoding, badLine(bytes, textDecoder(label, encoding)), cause);
  }
}

/**
 * Decodes a script piece by piece, as strictly as decodeScript. A failure names no line: the caller
 * decodes the whole file with decodeScript to report it.
 */
export function pieceDecoder(encoding: string, file: string): (bytes: Buffer, last: boolean) => string {
  const charset = encoding.trim().toLowerCase();
  const singleByte = SINGLE_BYTE.get(charset);
  if (singleByte !== undefined) return (bytes) => decodeSingleByte(bytes, singleByte, encoding, file);
  let decoder: TextDecoder | undefined;
  return (bytes, last) => {
    decoder ??= textDecoder(charset === 'utf-16' ? utf16Label(bytes) : charset, encoding);
    return decoder.decode(bytes, { stream: !last });
  };
}

function decodeSingleByte(bytes: Buffer, charset: SingleByteCharset, encoding: string, file: string): string {
  const bad = bytes.findIndex((byte) => (charset === 'ascii' ? byte > 0x7f : charset === 'cp1252' && CP1252_HIGH[byte - 0x80] === '\uFFFD'));
  if (bad >= 0) throw checksumError(file, encoding, lineOf(bytes, bad));
  const text = bytes.toString('latin1');
  return charset === 'cp1252' ? text.replace(/[\u0080-\u009F]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!) : text;
}

/** Java's UTF-16 reads the byte order from the BOM and assumes big-endian without one; WHATWG's is always little-endian. */
function utf16Label(bytes: Buffer): string {
  return bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : 'utf-16be';
}

/** Whether an encoding setting names UTF-8, under any of the labels TextDecoder accepts for it. */
function isUtf8(encoding: string): boolean {
  const charset = encoding.trim().toLowerCase();
  return !SINGLE_BYTE.has(charset) && charset !== 'utf-16' && wholeDecoder(charset, encoding).encoding === 'utf-8';
}

/**
 * A decoder that decodes whole texts, never a stream, keeps no state between calls: one per label
 * serves every script instead of one per script.
 */
const wholeDecoders = new Map<string, TextDecoder>();

function wholeDecoder(label: string, encoding: string): TextDecoder {
  let decoder = wholeDecoders.get(label);
  if (decoder === undefined) {
    decoder = textDecoder(label, encoding);
    wholeDecoders.set(label, decoder);
  }
  return decoder;
}

function textDecoder(label: string, encoding: string): TextDecoder {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true });
  } catch (cause) {
    throw new ResolverError('CONFIGURATION', `Unsupported encoding '${encoding}' set by the 'encoding' setting`, {
      hint: 'Set -encoding (FLYWAY_ENCODING, or encoding in the config file) to a charset name such as UTF-8, UTF-16, ISO-8859-1 or windows-1252.',
      location: 'encoding',
      cause,
    });
  }
}

function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  return line;
}

/** The line holding the first undecodable byte: feeding the decoder one line at a time makes it fail there. */
function badLine(bytes: Buffer, decoder: TextDecoder): number {
  let line = 0;
  for (let start = 0; start < bytes.length; ) {
    line++;
    const lf = bytes.indexOf(0x0a, start);
    const end = lf === -1 ? bytes.length : lf + 1;
    try {
      decoder.decode(bytes.subarray(start, end), { stream: true });
    } catch {
      return line;
    }
    start = end;
  }
  // Every line decoded, so the final flush failed: the file ends in the middle of a character.
  return line;
}

function checksumError(file: string, encoding: string, line: number, cause?: unknown): ResolverError {
  return new ResolverError('CHECKSUM_ERROR', `Unable to calculate checksum of ${file}`, {
    hint: `Line ${line} is not valid ${encoding}. Save the file as ${encoding}, or set the 'encoding' setting (-encoding, FLYWAY_ENCODING) to the charset it was written in.`,
    location: `${file}:${line}`,
    cause,
  });
}
