import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../src/config/config';
import { errorCatalog } from '../../src/lib/errors';
import { bodyHash, canonicalString, sign, type SignedParts } from '../../src/tenants/signing';
import { documentedRoutes, loadRelayOpenApi } from '../support/relay-openapi';

/**
 * Keeps the repository's own documentation honest: docs/*.md describe what the code does, so
 * a new config key, error code or route that is not documented (or a documented one that no
 * longer exists) fails here, naming it.
 */

const REPO_ROOT = path.resolve(__dirname, '../../..');
const RELAY_ROOT = path.join(REPO_ROOT, 'relay-service');

const read = (relative: string) => readFileSync(path.join(REPO_ROOT, relative), 'utf8');

/** Throws one error that lists every entry, or passes when there are none. */
function expectNone(problems: string[], what: string): void {
  if (problems.length > 0) throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Markdown without fenced code blocks (links and tables there are examples, not content). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The cells of every table row (separator rows left out), cell text trimmed. */
function tableRows(markdown: string): string[][] {
  return withoutFences(markdown)
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/\\\|/g, '|')),
    )
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

/** The text inside a cell that is one code span, e.g. `` `PORT` `` → `PORT`. */
function codeSpan(cell: string | undefined): string | undefined {
  return /^`([^`]+)`$/.exec(cell ?? '')?.[1];
}

/** Rows keyed by their first cell's code span. */
function rowsByCode(markdown: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const cells of tableRows(markdown)) {
    const code = codeSpan(cells[0]);
    if (code !== undefined && !rows.has(code)) rows.set(code, cells);
  }
  return rows;
}

const contract = read('docs/relay-contract.md');
const configuration = read('docs/configuration.md');

describe('docs/configuration.md', () => {
  const documented = rowsByCode(configuration);
  const VARIABLE = /^[A-Z][A-Z0-9_]*$/;
  const schemaKeys = Object.keys(configSchema.shape);

  /** Variables read straight from process.env anywhere in the relay's source or CLI. */
  function directReads(): string[] {
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts')) {
          const source = readFileSync(full, 'utf8');
          for (const match of source.matchAll(
            /process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[\s*['"`]([A-Z_][A-Z0-9_]*)['"`]\s*\])/g,
          ))
            names.add((match[1] ?? match[2]) as string);
        }
      }
    };
    walk(path.join(RELAY_ROOT, 'src'));
    walk(path.join(RELAY_ROOT, 'cli'));
    return [...names];
  }

  it('when the relay reads an environment variable then the reference has a row for it', () => {
    const variables = [...new Set([...schemaKeys, ...directReads()])];
    expectNone(
      variables.filter((name) => !documented.has(name)),
      'docs/configuration.md has no table row (| `NAME` | type | default | meaning |) for these variables the relay reads',
    );
  });

  it('when a variable is documented then its default is the one the schema applies', () => {
    const wrong: string[] = [];
    for (const name of schemaKeys) {
      const cells = documented.get(name);
      if (!cells) continue; // reported by the test above
      const documentedDefault = cells[2] ?? '';
      const parsed =
        configSchema.shape[name as keyof typeof configSchema.shape].safeParse(undefined);
      if (!parsed.success) {
        if (!/required/i.test(documentedDefault))
          wrong.push(`${name}: has no default, the default column should say "required"`);
      } else if (parsed.data === undefined) {
        if (!/\bunset\b/i.test(documentedDefault))
          wrong.push(`${name}: unset by default, the default column should say "unset"`);
      } else if (!documentedDefault.includes(`\`${String(parsed.data)}\``)) {
        wrong.push(
          `${name}: the default is \`${String(parsed.data)}\`, documented "${documentedDefault}"`,
        );
      }
    }
    expectNone(wrong, 'docs/configuration.md states wrong defaults');
  });

  it('when a variable is documented then the relay still reads it', () => {
    const known = new Set([...schemaKeys, ...directReads()]);
    expectNone(
      [...documented.keys()].filter((name) => VARIABLE.test(name) && !known.has(name)),
      'docs/configuration.md documents variables the relay no longer reads',
    );
  });

  it('when the admin CLI offers a command then the reference has a row for it', () => {
    const cli = readFileSync(path.join(RELAY_ROOT, 'cli', 'admin.ts'), 'utf8');
    const usage = /const USAGE = `([\s\S]*?)`;/.exec(cli)?.[1];
    if (!usage) throw new Error('relay-service/cli/admin.ts has no USAGE text to compare with');
    const commands = [...usage.matchAll(/^ {2}([a-z][a-z-]*\s[a-z][a-z-]*)(?=\s|$)/gm)].map(
      (match) => match[1] as string,
    );
    expect(commands).toContain('tenants add');
    expectNone(
      [...new Set(commands)].filter((command) => !documented.has(command)),
      'docs/configuration.md ("Admin CLI") has no row for these CLI commands',
    );
  });
});

describe('docs/relay-contract.md', () => {
  const documented = rowsByCode(contract);

  it('when the error catalog has a code then the contract lists it with its status and Apex category', () => {
    const fixture = JSON.parse(
      read('force-app/main/default/staticresources/JiraContractErrors.json'),
    ) as { relayCodes: { code: string; status: number; apexCategory: string }[] };
    const categories = new Map(fixture.relayCodes.map((entry) => [entry.code, entry.apexCategory]));
    const problems: string[] = [];
    for (const [code, { status }] of Object.entries(errorCatalog)) {
      const cells = documented.get(code);
      if (!cells) {
        problems.push(
          `${code}: missing (add | \`${code}\` | ${status} | <category> | <meaning> |)`,
        );
        continue;
      }
      if (cells[1] !== String(status))
        problems.push(`${code}: status is ${status} in errors.ts, documented "${cells[1]}"`);
      const category = categories.get(code);
      if (category !== undefined && cells[2] !== category)
        problems.push(
          `${code}: category is ${category} in JiraContractErrors.json, documented "${cells[2]}"`,
        );
      if (!cells[3]?.trim()) problems.push(`${code}: no meaning given`);
    }
    expectNone(problems, 'the error catalog in docs/relay-contract.md does not match the code');
  });

  it('when the contract lists a relay error code then the catalog still has it', () => {
    const stale = [...documented.entries()]
      .filter(([code, cells]) => /^[A-Z][A-Z_]+$/.test(code) && /^\d{3}$/.test(cells[1] ?? ''))
      .map(([code]) => code)
      .filter((code) => !(code in errorCatalog));
    expectNone(stale, 'docs/relay-contract.md lists error codes that errors.ts no longer has');
  });

  it('when openapi.yaml describes a route then the contract names it', () => {
    const routes = documentedRoutes(loadRelayOpenApi());
    expect(routes.length).toBeGreaterThan(20);
    expectNone(
      routes.filter((route) => !contract.includes(`\`${route}\``)),
      'docs/relay-contract.md does not name these routes of relay-service/openapi.yaml (as `METHOD /path`)',
    );
  });

  it('when the contract lists a route then openapi.yaml describes it', () => {
    const routes = new Set(documentedRoutes(loadRelayOpenApi()));
    const listed = [...documented.keys()].filter((code) =>
      /^(GET|PUT|POST|PATCH|DELETE) \//.test(code),
    );
    expect(listed.length).toBeGreaterThan(20);
    expectNone(
      listed.filter((route) => !routes.has(route)),
      'docs/relay-contract.md lists routes that relay-service/openapi.yaml does not describe',
    );
  });

  describe('the signing test vector', () => {
    const value = (item: string): string => {
      const found = codeSpan(tableRows(contract).find((cells) => cells[0] === item)?.[1]);
      if (found === undefined)
        throw new Error(`docs/relay-contract.md: the test vector has no row "${item}"`);
      return found;
    };
    const request = (item: string) => {
      const [method, target] = value(item).split(' ') as [string, string];
      return { method, target };
    };
    const vector = () => ({
      secret: value('secret'),
      common: {
        timestamp: value('timestamp'),
        nonce: value('nonce'),
        orgId: value('org'),
        userId: value('user'),
      },
    });
    const postParts = (): SignedParts => ({
      ...vector().common,
      ...request('POST request'),
      body: Buffer.from(value('POST body'), 'utf8'),
    });

    it('when the documented POST request is signed then hash and signature are the documented ones', () => {
      const parts = postParts();
      expect(bodyHash(parts.body)).toBe(value('POST body SHA-256'));
      expect(sign(vector().secret, parts)).toBe(value('POST signature'));
    });

    it('when the documented GET request is signed then the signature is the documented one', () => {
      const parts: SignedParts = { ...vector().common, ...request('GET request'), body: '' };
      expect(sign(vector().secret, parts)).toBe(value('GET signature'));
    });

    it('when the canonical string is shown then it is the one the relay signs', () => {
      const shown = [...contract.matchAll(/^```\n(PHAROS-RELAY-HMAC-SHA256\n\d[\s\S]*?)\n```$/gm)];
      expect(shown).toHaveLength(1);
      expect(shown[0]?.[1]).toBe(canonicalString(postParts()));
    });

    it("when the doc states the vector then it is the one the relay's signing tests use", () => {
      const signingTest = readFileSync(
        path.join(RELAY_ROOT, 'test', 'tenants', 'signing.test.ts'),
        'utf8',
      );
      const items = [
        'secret',
        'timestamp',
        'nonce',
        'org',
        'user',
        'POST body',
        'POST body SHA-256',
        'POST signature',
        'GET signature',
      ];
      const requests = ['POST request', 'GET request'].map((item) => request(item).target);
      // The signing test also holds near-miss signatures; the vector's are the ones it expects.
      const expectedSignature = (item: string) =>
        new RegExp(`sign\\(SECRET, parts\\)\\)\\.toBe\\(\\s*'${escapeRegExp(value(item))}'`);
      expectNone(
        [
          ...items.filter((item) => !signingTest.includes(`'${value(item)}'`)),
          ...requests.filter((target) => !signingTest.includes(`'${target}'`)),
          ...['POST signature', 'GET signature']
            .filter((item) => !expectedSignature(item).test(signingTest))
            .map((item) => `${item} (as the expected result of sign(SECRET, parts))`),
        ],
        'these test-vector values of docs/relay-contract.md are not in relay-service/test/tenants/signing.test.ts',
      );
    });
  });
});

describe('links and references', () => {
  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
  function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const match of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
      const slug = (match[1] as string)
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    return anchors;
  }

  const markdownFiles = [
    'README.md',
    ...readdirSync(path.join(REPO_ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];

  it('when README.md or docs/*.md link to a file then it exists in the repository', () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      const text = withoutFences(read(file)).replace(/`[^`\n]*`/g, '');
      for (const match of text.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        const target = match[1] as string;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
        const [filePart, anchor] = target.split('#') as [string, string | undefined];
        const resolved = filePart
          ? path.resolve(path.dirname(path.join(REPO_ROOT, file)), decodeURIComponent(filePart))
          : path.join(REPO_ROOT, file);
        if (!resolved.startsWith(REPO_ROOT + path.sep) || !existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file in the repository)`);
          continue;
        }
        if (
          anchor &&
          resolved.endsWith('.md') &&
          !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)
        )
          broken.push(`${file}: ${target} (no heading with that anchor)`);
      }
    }
    expectNone(broken, 'broken relative links');
  });

  it('when anything in the repository names a path beside it then it is not the old shared folder', () => {
    // Spelled apart so that this file does not match itself.
    const needle = '../' + 'shared';
    const joined = /(['"])\.\.\1\s*,\s*(['"])shared\2/;
    const skipped = new Set([
      '.git',
      'node_modules',
      'dist',
      '.data',
      'coverage',
      '.sfdx',
      '.sf',
      '.tmp',
      'test-results',
    ]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (skipped.has(name)) continue;
        const full = path.join(dir, name);
        const stats = statSync(full);
        if (stats.isDirectory()) {
          walk(full);
          continue;
        }
        if (!stats.isFile() || stats.size > 5 * 1024 * 1024) continue;
        const bytes = readFileSync(full);
        if (bytes.subarray(0, 8000).includes(0)) continue; // binary
        const text = bytes.toString('utf8');
        if (text.includes(needle) || joined.test(text))
          offenders.push(path.relative(REPO_ROOT, full));
      }
    };
    walk(REPO_ROOT);
    expectNone(
      offenders,
      `these files reference ${needle}, which a clone of the repository alone does not have`,
    );
  });
});
