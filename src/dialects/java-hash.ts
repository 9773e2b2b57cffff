/**
 * Java's String.hashCode: Flyway derives its lock keys from it, so godwit must compute it bit for bit to
 * contend for the same lock as Flyway. Signed 32-bit, over UTF-16 code units.
 */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) {
    hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  }
  return hash;
}
