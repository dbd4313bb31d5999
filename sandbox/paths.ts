import path from 'node:path';

/** The repository root (the sandbox's files live in `<root>/sandbox`). */
export const REPO_ROOT = path.resolve(__dirname, '..');
