const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * An 18-character Salesforce id: the 3-character key prefix, a 12-character number in base 62,
 * and the case-insensitivity suffix Salesforce computes from the first 15.
 */
export function salesforceId(keyPrefix: string, serial: number): string {
  let digits = '';
  for (let rest = serial; digits.length < 12; rest = Math.floor(rest / 62)) {
    digits = BASE62[rest % 62] + digits;
  }
  const id15 = `${keyPrefix}${digits}`;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i] ?? '';
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += ALPHABET[bits];
  }
  return id15 + suffix;
}
