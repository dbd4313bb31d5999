import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DIR, REPO_ROOT } from './support/metadata';

/** Codes of the relay's error catalog (every problem+json code the relay can answer). */
function relayCodes(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'relay-service', 'src', 'lib', 'errors.ts'), 'utf8');
  const catalog = /export const errorCatalog = \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...catalog.matchAll(/^\s+([A-Z][A-Z_]+):\s*\{/gm)].map((match) => match[1] ?? '');
}

/** Codes RelayException maps to an exception type (the one place Apex keeps them). */
function apexCodes(): string[] {
  const source = readFileSync(join(DEFAULT_DIR, 'classes', 'relay', 'RelayException.cls'), 'utf8');
  const map = /KIND_BY_CODE = new Map<String, Kind>\{([\s\S]*?)\};/.exec(source)?.[1] ?? '';
  return [...map.matchAll(/'([A-Z][A-Z_]+)'\s*=>/g)].map((match) => match[1] ?? '');
}

describe('error codes: the relay catalog and RelayException agree', () => {
  it('when both lists are read then they are not empty', () => {
    expect(relayCodes().length).toBeGreaterThan(20);
    expect(apexCodes().length).toBeGreaterThan(20);
  });

  it('when the relay can answer a code then RelayException maps it to an exception type', () => {
    const mapped = new Set(apexCodes());
    expect(relayCodes().filter((code) => !mapped.has(code))).toEqual([]);
  });

  it('when RelayException maps a code then the relay has it, or Apex raises it itself', () => {
    const relay = new Set(relayCodes());
    const raisedInApex = ['RELAY_NOT_REGISTERED', 'RELAY_UNAVAILABLE', 'RELAY_BAD_RESPONSE'];
    expect(apexCodes().filter((code) => !relay.has(code) && !raisedInApex.includes(code))).toEqual(
      [],
    );
  });
});
