/** The last step before text leaves godwit (messages, logs, JSON): no secret value survives it. */
import { redactUrl } from './jdbc-url.js';

export const MASK = '********';

/**
 * Replaces every occurrence of each non-empty secret, and its percent-encoded form (as it appears inside a
 * URL), with `********`, then masks passwords of any URLs left in the text.
 */
export function redact(text: string, secrets: Array<string | undefined>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so that a secret containing another is not left half-masked.
  let result = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) result = result.split(form).join(MASK);
  return redactUrl(result);
}
