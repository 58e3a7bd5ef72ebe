/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix, pod, sequence) plus a
 * 3-character case-safe suffix that encodes which of the first 15 characters are upper case.
 */

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function caseSafeSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let flags = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(flags);
  }
  return suffix;
}

/** Builds an 18-character id from a key prefix and a sequence number, e.g. `003Ux00000000001AAA`-like. */
export function makeId(keyPrefix: string, sequence: number): string {
  let n = sequence;
  let body = '';
  for (let i = 0; i < 8; i += 1) {
    body = BASE62.charAt(n % 62) + body;
    n = Math.floor(n / 62);
  }
  const id15 = `${keyPrefix}Ux00${body}`.slice(0, 15);
  return id15 + caseSafeSuffix(id15);
}

const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** Normalises a 15- or 18-character id to 18 characters; `undefined` when malformed. */
export function to18(id: string): string | undefined {
  if (!ID_PATTERN.test(id)) return undefined;
  const id15 = id.slice(0, 15);
  const full = id15 + caseSafeSuffix(id15);
  if (id.length === 18 && id.slice(15).toUpperCase() !== full.slice(15)) return undefined;
  return full;
}
