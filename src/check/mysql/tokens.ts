/**
 * A MySQL statement as tokens: words and identifiers with their offsets, strings and comments set aside, so
 * that the rules never mistake text inside a string or a comment for a keyword.
 */
export interface Token {
  /** Identifiers without their backticks; strings keep their quotes. */
  text: string;
  /** Upper-case text, for keyword comparisons (empty for quoted identifiers, which are never keywords). */
  keyword: string;
  kind: 'word' | 'ident' | 'string' | 'number' | 'punct';
  /** 0-based character offset in the statement. */
  offset: number;
  /** Parenthesis depth the token sits at (0: the statement's own level). */
  depth: number;
}

function endOfQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\' && quote !== '`') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '-' && next === '-' && /[\s]|^$/.test(sql[i + 2] ?? ''))) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === "'" || c === '"') {
      const end = endOfQuoted(sql, i, c);
      tokens.push({ text: sql.slice(i, end), keyword: '', kind: 'string', offset: i, depth });
      i = end;
    } else if (c === '`') {
      const end = endOfQuoted(sql, i, '`');
      tokens.push({ text: sql.slice(i + 1, end - 1).replace(/``/g, '`'), keyword: '', kind: 'ident', offset: i, depth });
      i = end;
    } else if (/[A-Za-z_$@\u0080-\uffff]/.test(c)) {
      const match = /^[\w$@.\u0080-\uffff]+/.exec(sql.slice(i))?.[0] ?? c;
      // `db.table` arrives as one word when unquoted; the dots are split here, kept as punctuation.
      let offset = i;
      for (const [index, part] of match.split('.').entries()) {
        if (index > 0) tokens.push({ text: '.', keyword: '.', kind: 'punct', offset: offset - 1, depth });
        if (part !== '') tokens.push({ text: part, keyword: part.toUpperCase(), kind: 'word', offset, depth });
        offset += part.length + 1;
      }
      i += match.length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9.eE]+/.exec(sql.slice(i))?.[0] ?? c;
      tokens.push({ text: match, keyword: match, kind: 'number', offset: i, depth });
      i += match.length;
    } else {
      if (c === ')') depth = Math.max(0, depth - 1);
      tokens.push({ text: c, keyword: c, kind: 'punct', offset: i, depth });
      if (c === '(') depth++;
      i++;
    }
  }
  return tokens;
}

/** A table name at `index` (`t`, `` `t` ``, `db.t`): its parts and the index after it, or undefined. */
export function tableName(tokens: Token[], index: number): { schema?: string; name: string; next: number; offset: number } | undefined {
  const first = tokens[index];
  if (!first || (first.kind !== 'word' && first.kind !== 'ident')) return undefined;
  const dot = tokens[index + 1];
  const second = tokens[index + 2];
  if (dot?.text === '.' && second && (second.kind === 'word' || second.kind === 'ident')) {
    return { schema: first.text, name: second.text, next: index + 3, offset: first.offset };
  }
  return { name: first.text, next: index + 1, offset: first.offset };
}

/** Splits the tokens at depth-0 commas: the clauses of an ALTER TABLE. */
export function clauses(tokens: Token[]): Token[][] {
  const result: Token[][] = [[]];
  for (const token of tokens) {
    if (token.text === ',' && token.depth === 0) result.push([]);
    else result.at(-1)?.push(token);
  }
  return result.filter((clause) => clause.length > 0);
}
