import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { checksum, decodeScript, stripBom } from '../../src/engine/checksum.js';
import { errorOf } from '../helpers/errors.js';

// A copy of the shared vectors file, so that the tests do not depend on where the repository is cloned.
interface Vectors {
  checksums: { case: string; content_base64: string; checksum: number }[];
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/flyway-vectors.json', import.meta.url), 'utf8')) as Vectors;

describe('checksum: Flyway vectors', () => {
  it('has vectors to check', () => {
    expect(vectors.checksums.length).toBeGreaterThanOrEqual(16);
  });

  it.each(vectors.checksums.map((v) => [v.case, v] as const))('%s', (_name, vector) => {
    const text = decodeScript(Buffer.from(vector.content_base64, 'base64'), 'UTF-8', 'vector.sql');
    expect(checksum(text)).toBe(vector.checksum);
  });
});

describe('checksum: worked examples of the contract', () => {
  it.each([
    ['CREATE TABLE t (id INT);\n', 1556295178],
    ['CREATE TABLE t (id INT);\r\n', 1556295178],
    ['\uFEFFCREATE TABLE t (id INT);\n', 1556295178],
    ['CREATE TABLE t (id INT);\n\n\n', 1556295178],
    ['SELECT 1;\nSELECT 2;\n', -1665099012],
    ['SELECT 1;SELECT 2;', -1665099012],
    [' SELECT 1;\n', 1315720276],
    ['-- café\nSELECT 1;\n', 139021238],
    ['', 0],
  ])('%j → %d', (text, expected) => {
    expect(checksum(text)).toBe(expected);
  });

  it('removes only one leading BOM', () => {
    expect(checksum('\uFEFF\uFEFFSELECT 1;')).toBe(crc32(Buffer.from('\uFEFFSELECT 1;', 'utf8')) | 0);
  });

  it('agrees with zlib on text of every kind once CR and LF are gone', () => {
    const text = 'a\tb ü 漢字 😀 \u0000 end';
    expect(checksum(`${text}\r\n\r`)).toBe(crc32(Buffer.from(text, 'utf8')) | 0);
    expect(checksum('x'.repeat(100_000))).toBe(crc32('x'.repeat(100_000)) | 0);
  });
});

describe('decodeScript', () => {
  it('keeps the BOM in the text, which stripBom removes', () => {
    const text = decodeScript(Buffer.from('\uFEFFSELECT 1;', 'utf8'), 'UTF-8', 'a.sql');
    expect(text).toBe('\uFEFFSELECT 1;');
    expect(stripBom(text)).toBe('SELECT 1;');
    expect(stripBom('SELECT 1;\uFEFF')).toBe('SELECT 1;\uFEFF');
  });

  it('fails on bytes that are not valid in the encoding, naming the file and line', () => {
    const bytes = Buffer.concat([Buffer.from('SELECT 1;\r\n-- caf'), Buffer.from([0xe9]), Buffer.from('\nSELECT 2;\n')]);
    const error = errorOf(() => decodeScript(bytes, 'UTF-8', '/db/V1__x.sql'));
    expect(error.code).toBe('CHECKSUM_ERROR');
    expect(error.message).toBe('Unable to calculate checksum of /db/V1__x.sql');
    expect(error.location).toBe('/db/V1__x.sql:2');
    expect(error.hint).toContain("'encoding'");
  });

  it('reports a character cut off at the end of the file on the last line', () => {
    const bytes = Buffer.concat([Buffer.from('a\nb\nc'), Buffer.from([0xc3])]);
    expect(errorOf(() => decodeScript(bytes, 'UTF-8', 'x.sql')).location).toBe('x.sql:3');
  });

  it('tells ISO-8859-1 and windows-1252 apart in bytes 0x80-0x9F, as Java does', () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80, 0x99, 0x9f]);
    expect(decodeScript(bytes, 'ISO-8859-1', 'a.sql')).toBe('café\u0080\u0099\u009f');
    expect(decodeScript(bytes, 'latin1', 'a.sql')).toBe('café\u0080\u0099\u009f');
    expect(decodeScript(bytes, 'windows-1252', 'a.sql')).toBe('café€™Ÿ');
    expect(decodeScript(bytes, 'Cp1252', 'a.sql')).toBe('café€™Ÿ');
  });

  it('rejects the bytes windows-1252 leaves undefined', () => {
    const error = errorOf(() => decodeScript(Buffer.from([0x61, 0x0a, 0x81]), 'windows-1252', 'a.sql'));
    expect(error.code).toBe('CHECKSUM_ERROR');
    expect(error.location).toBe('a.sql:2');
  });

  it('uses other encodings through TextDecoder', () => {
    expect(decodeScript(Buffer.from([0xa4]), 'ISO-8859-15', 'a.sql')).toBe('€');
  });

  it('rejects non-ASCII bytes under US-ASCII', () => {
    const error = errorOf(() => decodeScript(Buffer.from('a\nb\nc\u00e9', 'latin1'), 'US-ASCII', 'a.sql'));
    expect(error.code).toBe('CHECKSUM_ERROR');
    expect(error.location).toBe('a.sql:3');
    expect(decodeScript(Buffer.from('plain'), 'US-ASCII', 'a.sql')).toBe('plain');
  });

  it('reads UTF-16 with the byte order of its BOM, big-endian without one', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('SELECT 1;', 'utf16le')]);
    const be = Buffer.from('SELECT 1;', 'utf16le').swap16();
    expect(checksum(decodeScript(le, 'UTF-16', 'a.sql'))).toBe(checksum('SELECT 1;'));
    expect(decodeScript(be, 'UTF-16', 'a.sql')).toBe('SELECT 1;');
  });

  it('names the encoding setting when the encoding is unknown', () => {
    const error = errorOf(() => decodeScript(Buffer.from('x'), 'klingon-8', 'a.sql'));
    expect(error.message).toContain("'klingon-8'");
    expect(error.message).toContain("'encoding' setting");
    expect(error.code).toBe('CONFIGURATION');
  });
});
