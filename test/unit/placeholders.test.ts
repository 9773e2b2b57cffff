import { describe, it, expect } from 'vitest';
import { builtInPlaceholders, replacePlaceholders } from '../../src/engine/placeholders.js';
import { errorOf } from '../helpers/errors.js';

const opts = { prefix: '${', suffix: '}', file: 'sub/V1__x.sql' };
const replace = (text: string, values: Record<string, string>, o = opts) => replacePlaceholders(text, values, o);

describe('replacePlaceholders', () => {
  it('replaces every occurrence, in code, comments and strings', () => {
    const text = "-- owner ${owner}\nGRANT ALL ON t TO ${owner}; /* ${owner} */ SELECT '${owner}';";
    expect(replace(text, { owner: 'app' })).toBe("-- owner app\nGRANT ALL ON t TO app; /* app */ SELECT 'app';");
  });

  it('matches names without regard to case', () => {
    expect(replace('${Owner} ${OWNER}', { owner: 'app' })).toBe('app app');
  });

  it('removes a placeholder whose value is empty', () => {
    expect(replace('a${gap}b', { gap: '' })).toBe('ab');
  });

  it('does not scan replaced values again', () => {
    expect(replace('${a}', { a: '${b}' })).toBe('${b}');
  });

  it('keeps the line count unless a value has line breaks', () => {
    const text = 'SELECT ${a};\r\nSELECT ${b};\nSELECT 3;\r';
    const out = replace(text, { a: 'one', b: 'two' });
    expect(out).toBe('SELECT one;\r\nSELECT two;\nSELECT 3;\r');
    expect(replace('${a}\nx', { a: 'l1\nl2' })).toBe('l1\nl2\nx');
  });

  it('leaves text without the prefix alone, including a lone $ or {', () => {
    const text = 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$; SELECT $1, {x}, $ {y};';
    expect(replace(text, {})).toBe(text);
  });

  it('skips a prefix right after a partial match, as Flyway does', () => {
    expect(replace('$${x}', {})).toBe('$${x}');
    expect(replace('$a${x}', { x: 'v' })).toBe('$av');
  });

  it('uses the configured prefix and suffix', () => {
    const custom = { prefix: '#[', suffix: ']#', file: 'a.sql' };
    expect(replace('x #[name]# ${name}', { name: 'v' }, custom)).toBe('x v ${name}');
    expect(replace('#x#[a]#', { a: 'v' }, custom)).toBe('#xv');
  });

  it('does not mistake inherited object keys for values', () => {
    const error = errorOf(() => replace('${constructor}', {}));
    expect(error.code).toBe('PLACEHOLDER_ERROR');
  });

  it('reports a missing value with the placeholder, the file and the line', () => {
    const error = errorOf(() => replace('SELECT 1;\r\nSELECT 2;\n  -- ${Missing_One}\n', { other: 'x' }));
    expect(error.code).toBe('PLACEHOLDER_ERROR');
    expect(error.message).toBe('No value provided for placeholder: ${Missing_One}.  Check your configuration!');
    expect(error.location).toBe('sub/V1__x.sql:3:6');
    expect(error.hint).toContain('sub/V1__x.sql at line 3');
  });

  it('uses the configured prefix and suffix in the message', () => {
    const error = errorOf(() => replace('x #[nope]#', {}, { prefix: '#[', suffix: ']#', file: 'a.sql' }));
    expect(error.message).toBe('No value provided for placeholder: #[nope]#.  Check your configuration!');
  });

  it('reports an unknown built-in as a default placeholder', () => {
    const error = errorOf(() => replace('SELECT 1;\n${flyway:nothing}', {}));
    expect(error.message).toBe('Failed to populate value for default placeholder: ${flyway:nothing}');
    expect(error.location).toBe('sub/V1__x.sql:2:1');
    expect(error.hint).toContain('flyway:defaultSchema');
  });

  it('fails on a placeholder that is never closed', () => {
    const error = errorOf(() => replace('a\nb ${oops\nmore text', { oops: 'x' }));
    expect(error.code).toBe('PLACEHOLDER_ERROR');
    expect(error.message).toContain('${oops');
    expect(error.location).toBe('sub/V1__x.sql:2:3');
  });

  it('runs in linear time on large inputs', () => {
    const text = '${a} $x {y} '.repeat(200_000);
    const out = replace(text, { a: 'v' });
    expect(out.length).toBe(text.length - 3 * 200_000);
    expect(replace('$'.repeat(500_000), {})).toHaveLength(500_000);
  });
});

describe('builtInPlaceholders', () => {
  const values = builtInPlaceholders({
    defaultSchema: 'app',
    user: 'deploy',
    database: 'shop',
    timestamp: new Date(2024, 0, 2, 3, 4, 5),
    filename: 'R__views.sql',
    workingDirectory: '/flyway',
    table: 'flyway_schema_history',
    environment: 'default',
  });

  it('builds the flyway: values with lower-cased keys', () => {
    expect(values).toEqual({
      'flyway:defaultschema': 'app',
      'flyway:user': 'deploy',
      'flyway:database': 'shop',
      'flyway:timestamp': '2024-01-02 03:04:05',
      'flyway:filename': 'R__views.sql',
      'flyway:workingdirectory': '/flyway',
      'flyway:table': 'flyway_schema_history',
      'flyway:environment': 'default',
    });
  });

  it('lets scripts use them in any case', () => {
    expect(replace('${flyway:defaultSchema}.${FLYWAY:TABLE} ${flyway:timestamp}', values)).toBe('app.flyway_schema_history 2024-01-02 03:04:05');
  });

  it('wins over a user placeholder of the same name when spread last', () => {
    const merged = { 'flyway:user': 'spoofed', other: 'o', ...values };
    expect(replace('${flyway:user} ${other}', merged)).toBe('deploy o');
  });
});
