/** Script configuration (flyway-compat.md §10): `.conf` files, `-- flyway:` headers, shouldExecute expressions. */
import { describe, expect, it } from 'vitest';
import { GodwitError } from '../../src/errors.js';
import { evaluateShouldExecute, headerEncoding, mergeScriptConfig, parseConfFile, parseHeader, withoutSkipped } from '../../src/engine/script-config.js';
import { rFile, rRow, uFile, undoRow, vFile, vRow } from '../helpers/migrations.js';

const asIs = (text: string) => text;

function errorOf(fn: () => unknown): GodwitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GodwitError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseConfFile', () => {
  it('reads key=value lines, skipping # comments and blank lines, trimming around keys and values', () => {
    const text = '# per-script settings\n\nexecuteInTransaction = false\r\n  encoding=ISO-8859-1  \nplaceholderReplacement=FALSE\n';
    expect(parseConfFile(text, 'V1__a.sql.conf', asIs)).toEqual({ executeInTransaction: false, encoding: 'ISO-8859-1', placeholderReplacement: false });
  });

  it('evaluates shouldExecute and keeps the expression as written after replacement', () => {
    const replace = (text: string) => text.replaceAll('${env}', 'dev');
    expect(parseConfFile('shouldExecute=${env}==prod\n', 'V1__a.sql.conf', replace)).toEqual({ shouldExecute: { expression: 'dev==prod', value: false } });
    expect(parseConfFile('shouldExecute=${env}!=prod\n', 'V1__a.sql.conf', replace)).toEqual({ shouldExecute: { expression: 'dev!=prod', value: true } });
  });

  it('replaces placeholders in the whole file before reading it, naming the file', () => {
    const seen: string[] = [];
    parseConfFile('# ${note}\nencoding=UTF-8\n', 'sub/V1__a.sql.conf', (text, where) => {
      seen.push(`${where}: ${text}`);
      return text;
    });
    expect(seen).toEqual(['sub/V1__a.sql.conf: # ${note}\nencoding=UTF-8\n']);
  });

  it('refuses an unknown key, naming the file, the line and the key it probably meant', () => {
    const error = errorOf(() => parseConfFile('encoding=UTF-8\nexecuteInTransction=false\n', 'V3__x.sql.conf', asIs));
    expect(error.code).toBe('SCRIPT_CONFIG_ERROR');
    expect(error.message).toBe("Unknown script configuration property 'executeInTransction' in V3__x.sql.conf");
    expect(error.location).toBe('V3__x.sql.conf:2');
    expect(error.hint).toMatch(/^Did you mean executeInTransaction\? /);
  });

  it('refuses global-only settings, which a script configuration cannot change', () => {
    expect(errorOf(() => parseConfFile('mixed=true\n', 'V1__a.sql.conf', asIs)).message).toBe("Unknown script configuration property 'mixed' in V1__a.sql.conf");
  });

  it('refuses a line without =, a boolean that is not true/false, and an empty encoding', () => {
    expect(errorOf(() => parseConfFile('executeInTransaction\n', 'V1__a.sql.conf', asIs)).message).toBe("Invalid line in script configuration V1__a.sql.conf: 'executeInTransaction'");
    expect(errorOf(() => parseConfFile('executeInTransaction=no\n', 'V1__a.sql.conf', asIs)).message).toBe(
      "Invalid value for executeInTransaction in V1__a.sql.conf: 'no'. Expected true or false.",
    );
    expect(errorOf(() => parseConfFile('encoding=\n', 'V1__a.sql.conf', asIs)).location).toBe('V1__a.sql.conf:1');
  });
});

describe('parseHeader', () => {
  it('reads the -- flyway: lines that open the script, after a BOM', () => {
    const text = '\uFEFF-- flyway:executeInTransaction=false\n--flyway:placeholderReplacement = false\nCREATE TABLE t (id INT);\n';
    expect(parseHeader(text, 'V1__a.sql', asIs)).toEqual({ executeInTransaction: false, placeholderReplacement: false });
  });

  it('stops at the first other line: a later -- flyway: line is an ordinary comment', () => {
    const text = '-- flyway:encoding=ISO-8859-1\n-- Adds t\n-- flyway:executeInTransaction=false\nCREATE TABLE t (id INT);\n';
    expect(parseHeader(text, 'V1__a.sql', asIs)).toEqual({ encoding: 'ISO-8859-1' });
    expect(parseHeader('\n-- flyway:executeInTransaction=false\n', 'V1__a.sql', asIs)).toEqual({});
  });

  it('takes CRLF and CR line breaks as line ends, and a header that is the whole text without a final one', () => {
    const text = '-- flyway:executeInTransaction=false\r\n-- flyway:placeholderReplacement=false\rSELECT 1;\r\n';
    expect(parseHeader(text, 'V1__a.sql', asIs)).toEqual({ executeInTransaction: false, placeholderReplacement: false });
    expect(parseHeader('-- flyway:executeInTransaction=false', 'V1__a.sql', asIs)).toEqual({ executeInTransaction: false });
    expect(parseHeader('-- flyway:encoding=UTF-8\r\n\r\n-- flyway:executeInTransaction=false\r\n', 'V1__a.sql', asIs)).toEqual({ encoding: 'UTF-8' });
    expect(errorOf(() => parseHeader('-- flyway:encoding=UTF-8\r\n-- flyway:nope=1\r\n', 'V2__b.sql', asIs)).location).toBe('V2__b.sql:2');
  });

  it('refuses an unknown key with the script line', () => {
    const error = errorOf(() => parseHeader('-- flyway:encoding=UTF-8\n-- flyway:shouldExecut=true\nSELECT 1;\n', 'V2__b.sql', asIs));
    expect(error.message).toBe("Unknown script configuration property 'shouldExecut' in V2__b.sql");
    expect(error.location).toBe('V2__b.sql:2');
    expect(error.hint).toMatch(/^Did you mean shouldExecute\? /);
  });

  it('replaces placeholders in header values', () => {
    const replace = (text: string) => text.replaceAll('${env}', 'prod');
    expect(parseHeader('-- flyway:shouldExecute=${env}==prod\n', 'V1__a.sql', replace)).toEqual({ shouldExecute: { expression: 'prod==prod', value: true } });
  });
});

describe('headerEncoding', () => {
  it('finds the encoding in the header of the undecoded text (a UTF-8 BOM read as Latin-1 included)', () => {
    expect(headerEncoding('-- flyway:executeInTransaction=false\n-- flyway:encoding=ISO-8859-1\nINSERT 1;\n')).toBe('ISO-8859-1');
    expect(headerEncoding('\xEF\xBB\xBF-- flyway:encoding=windows-1252\n')).toBe('windows-1252');
    expect(headerEncoding('SELECT 1;\n-- flyway:encoding=ISO-8859-1\n')).toBeUndefined();
  });
});

describe('mergeScriptConfig', () => {
  it('lets the .conf file win over the header, key by key', () => {
    expect(mergeScriptConfig({ executeInTransaction: false, encoding: 'UTF-8' }, { executeInTransaction: true })).toEqual({ executeInTransaction: true, encoding: 'UTF-8' });
  });
});

describe('evaluateShouldExecute', () => {
  it.each([
    ['true', true],
    ['FALSE', false],
    ['a==a', true],
    ['a == b', false],
    ['a!=b', true],
    ['dev==prod || dev==dev', true],
    ['a==a && a==b', false],
    ['a==b && a==a || c==c', true],
    ['a==b && (a==a || c==c)', false],
    ['(true)', true],
    ['==prod', false],
    ['!=prod', true],
  ])('%s is %s', (expression, expected) => {
    expect(evaluateShouldExecute(expression, 'V1__a.sql.conf')).toBe(expected);
  });

  it.each([
    ['', 'it is empty'],
    ['maybe', "'maybe' is neither true, false nor a comparison"],
    ['(a==a', 'a parenthesis is not closed'],
    ['a==a)', "unexpected ')'"],
    ['a==a &&', 'it ends too early'],
  ])('refuses %j: %s', (expression, why) => {
    const error = errorOf(() => evaluateShouldExecute(expression, 'V1__a.sql.conf'));
    expect(error.message).toBe(`Unable to evaluate shouldExecute expression '${expression}' in V1__a.sql.conf: ${why}`);
  });
});

describe('withoutSkipped', () => {
  const skip = { scriptConfig: { shouldExecute: { expression: 'false', value: false } } };

  it('leaves out files whose shouldExecute is false and that never ran', () => {
    const files = [vFile('1'), vFile('2', skip), { ...rFile('views'), ...skip }, uFile('1', skip)];
    expect(withoutSkipped(files, [vRow(1, '1')]).map((m) => m.script)).toEqual(['V1__v1.sql']);
  });

  it('keeps a skipped file that has a row of its own, so validation still compares them', () => {
    const files = [vFile('1', skip), { ...rFile('views'), ...skip }, uFile('1', skip)];
    const kept = withoutSkipped(files, [vRow(1, '1'), rRow(2, 'views', 300), undoRow(3, '1')]);
    expect(kept.map((m) => m.script)).toEqual(['V1__v1.sql', 'R__views.sql', 'U1__v1.sql']);
  });

  it('does not count the versioned row as a run of the undo file, nor the reverse', () => {
    expect(withoutSkipped([uFile('1', skip)], [vRow(1, '1')])).toEqual([]);
    expect(withoutSkipped([vFile('1', skip)], [undoRow(1, '1')])).toEqual([]);
  });
});
