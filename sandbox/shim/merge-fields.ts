import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../paths';

/**
 * MergeFieldScanner of the package, with the pattern and built-ins read from the contract
 * fixture both Apex and the relay are tested against.
 */
const fixture = JSON.parse(
  readFileSync(
    path.join(REPO_ROOT, 'force-app/main/default/staticresources/JiraContractMergeFields.json'),
    'utf8',
  ),
) as { pattern: string; builtIns: string[] };

export const BUILT_INS = new Set(fixture.builtIns);

export function scan(text: string | null | undefined): string[] {
  const found: string[] = [];
  for (const match of (text ?? '').matchAll(new RegExp(fixture.pattern, 'g'))) {
    const mergePath = match[1] ?? '';
    if (!found.includes(mergePath)) found.push(mergePath);
  }
  return found;
}

export const isBuiltIn = (mergePath: string) => mergePath.startsWith('$');

export function recordPaths(texts: (string | null | undefined)[]): string[] {
  const found: string[] = [];
  for (const text of texts) {
    for (const mergePath of scan(text)) {
      if (!isBuiltIn(mergePath) && !found.includes(mergePath)) found.push(mergePath);
    }
  }
  return found;
}
