import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checksum, decodeScript, decodeWithChecksum } from '../../src/engine/checksum.js';
import { errorOf } from '../helpers/errors.js';

interface Vectors {
  checksums: { case: string; content_base64: string; checksum: number }[];
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/flyway-vectors.json', import.meta.url), 'utf8')) as Vectors;

/**
 * decodeWithChecksum takes a UTF-8 script's checksum from its bytes rather than from its decoded text:
 * every case must give what Flyway gives and what checksum() gives for the text.
 */
describe('decodeWithChecksum: UTF-8 checksums from the bytes', () => {
  it.each(vectors.checksums.map((v) => [v.case, v] as const))('%s', (_name, vector) => {
    const bytes = Buffer.from(vector.content_base64, 'base64');
    const { text, checksum: sum } = decodeWithChecksum(bytes, 'UTF-8', 'vector.sql');
    expect(sum).toBe(vector.checksum);
    expect(text).toBe(decodeScript(bytes, 'UTF-8', 'vector.sql'));
  });

  it.each(['UTF-8', 'utf8', ' utf-8 ', 'unicode-1-1-utf-8'])('reads %j as UTF-8', (encoding) => {
    const text = '\uFEFF-- café 漢字 😀\r\nSELECT 1;\n\uFEFF\r';
    expect(decodeWithChecksum(Buffer.from(text, 'utf8'), encoding, 'a.sql')).toEqual({ text, checksum: checksum(text) });
  });

  it('removes one BOM only, as checksum() does', () => {
    const text = '\uFEFF\uFEFFSELECT 1;';
    expect(decodeWithChecksum(Buffer.from(text, 'utf8'), 'UTF-8', 'a.sql').checksum).toBe(checksum(text));
  });

  it('checksums the decoded text of other encodings, whose bytes differ from UTF-8', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a, 0x80]);
    expect(decodeWithChecksum(latin1, 'windows-1252', 'a.sql')).toEqual({ text: 'café\r\n€', checksum: checksum('café\r\n€') });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('SELECT 1;\n', 'utf16le')]);
    expect(decodeWithChecksum(utf16, 'UTF-16', 'a.sql').checksum).toBe(checksum('SELECT 1;'));
  });

  it('still refuses invalid UTF-8, naming the line', () => {
    const bytes = Buffer.concat([Buffer.from('SELECT 1;\n-- caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const error = errorOf(() => decodeWithChecksum(bytes, 'UTF-8', '/db/V1__x.sql'));
    expect(error.code).toBe('CHECKSUM_ERROR');
    expect(error.location).toBe('/db/V1__x.sql:2');
    // The decoder shared between scripts is left usable by a refused one.
    expect(decodeWithChecksum(Buffer.from('SELECT 1;'), 'UTF-8', 'b.sql').checksum).toBe(checksum('SELECT 1;'));
  });
});
