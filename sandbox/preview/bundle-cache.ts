import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../paths';
import { buildPreview, type PreviewBundle } from './build';

/**
 * The preview bundle, built once per state of its inputs (the components, the labels, the
 * stand-ins, the compiler and base-component versions) and kept in the git-ignored `.tmp/`,
 * so a second `npm run sandbox` (or test run) starts without the ~20 s build.
 */
const CACHE_DIR = path.join(REPO_ROOT, '.tmp/sandbox');
const INPUTS = [
  'force-app/main/default/lwc',
  'force-app/main/default/labels',
  'sandbox/preview/client',
  'sandbox/preview/build.ts',
  'node_modules/lwc/package.json',
  'node_modules/lightning-base-components/package.json',
];

function filesOf(entry: string): string[] {
  if (!existsSync(entry)) return [];
  if (statSync(entry).isFile()) return [entry];
  return readdirSync(entry)
    .sort()
    .flatMap((name) => (name === '__tests__' ? [] : filesOf(path.join(entry, name))));
}

export function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesOf(path.join(REPO_ROOT, input)))) {
    hash
      .update(path.relative(REPO_ROOT, file))
      .update('\0')
      .update(readFileSync(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export async function cachedPreviewBundle(): Promise<PreviewBundle> {
  const file = path.join(CACHE_DIR, `preview-${inputsHash()}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8'), tookMs: 0 };
  const built = await buildPreview();
  mkdirSync(CACHE_DIR, { recursive: true });
  // Keep a few builds: switching branches back and forth then costs no rebuild.
  const older = readdirSync(CACHE_DIR)
    .filter((name) => name.endsWith('.js'))
    .map((name) => path.join(CACHE_DIR, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of older.slice(3)) rmSync(old, { force: true });
  // Written aside and renamed: a second sandbox starting meanwhile never reads half a bundle.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, built.code);
  renameSync(partial, file);
  return built;
}
