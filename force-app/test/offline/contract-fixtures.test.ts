import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  CONTRACT_DIR,
  errorContract,
  limitsContract,
  mergeFieldContract,
  transitionContract,
} from './support/contract';
import {
  DEFAULT_DIR,
  FORCE_APP,
  listApexSources,
  listFiles,
  readObjects,
  rel,
  REPO_ROOT,
  stripApexComments,
} from './support/metadata';

/**
 * What can be checked of the Apex side of the shared contract fixtures without an org: the
 * constants and patterns Apex declares. The behaviour itself runs in JiraContractFixtures_Test
 * in an org, over the same files deployed as static resources.
 */

const mainClasses = listApexSources().filter(
  (file) => file.endsWith('.cls') && rel(file).startsWith('force-app/main/'),
);
const apexCode = new Map(
  mainClasses.map((file) => [
    basename(file, '.cls'),
    stripApexComments(readFileSync(file, 'utf8')),
  ]),
);

function apexClass(name: string): string {
  const code = apexCode.get(name);
  if (code === undefined) throw new Error(`Apex class ${name} is not in force-app/main`);
  return code;
}

/** The value of an Apex string literal as written between single quotes. */
function unescapeApex(literal: string): string {
  return literal.replace(/\\(.)/g, (_match, char: string) =>
    char === 'n' ? '\n' : char === 't' ? '\t' : char === 'r' ? '\r' : char,
  );
}

/** Every single-quoted string literal in Apex source, unescaped. */
function apexStrings(code: string): string[] {
  return [...code.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((match) => unescapeApex(match[1] ?? ''));
}

/** `static final Integer NAME = 123;` constants of every main class, as `Class.NAME`. */
function integerConstants(): Map<string, number> {
  const constants = new Map<string, number>();
  for (const [className, code] of apexCode)
    for (const match of code.matchAll(/static\s+final\s+Integer\s+(\w+)\s*=\s*(\d+)\s*;/gi))
      constants.set(`${className}.${match[1]}`, Number(match[2]));
  return constants;
}

describe('contract fixtures are deployable static resources', () => {
  const resources = listFiles(CONTRACT_DIR, ['.json']).filter((file) =>
    basename(file).startsWith('JiraContract'),
  );

  it.each(resources.map((file) => [basename(file), file] as const))(
    '%s is JSON with a -meta.xml of content type application/json',
    (_name, file) => {
      expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
      const meta = readFileSync(file.replace(/\.json$/, '.resource-meta.xml'), 'utf8');
      expect(meta).toContain('<contentType>application/json</contentType>');
    },
  );

  it('the Apex contract test reads every fixture', () => {
    const test = readFileSync(
      join(FORCE_APP, 'test', 'classes', 'contract', 'JiraContractFixtures_Test.cls'),
      'utf8',
    );
    for (const file of resources) expect(test).toContain(`'${basename(file, '.json')}'`);
  });
});

describe('Apex merge-field scan', () => {
  const contract = mergeFieldContract();
  const scanner = apexClass('MergeFieldScanner');

  it('compiles the fixture’s pattern', () => {
    const compiled = /Pattern\.compile\(\s*'((?:[^'\\]|\\.)*)'\s*\)/.exec(scanner);
    expect(unescapeApex(compiled?.[1] ?? '')).toBe(contract.pattern);
  });

  it('knows exactly the fixture’s built-ins', () => {
    const declaration = /BUILT_INS\s*=\s*new\s+Set<String>\s*\{([^}]*)\}/.exec(scanner);
    expect(apexStrings(declaration?.[1] ?? '').sort()).toEqual([...contract.builtIns].sort());
  });

  it('the literal check reads Apex escapes the way Apex does', () => {
    expect(unescapeApex(String.raw`\\{\\{\\s*([^\\s|}]+)`)).toBe(String.raw`\{\{\s*([^\s|}]+)`);
  });
});

describe('Apex error codes', () => {
  const contract = errorContract();
  const relayCodes = contract.relayCodes.map((entry) => entry.code);
  const knownCodes = new Set([...relayCodes, ...contract.salesforceCodes.map((e) => e.code)]);
  const codeLike = (text: string) => /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(text);

  /** The class that maps relay codes to exceptions: the one naming the most of them. */
  const [mapperName, mapperCode] = [...apexCode.entries()]
    .map(([name, code]) => [name, code, new Set(apexStrings(code))] as const)
    .sort((a, b) => {
      const count = (strings: Set<string>) => relayCodes.filter((c) => strings.has(c)).length;
      return count(b[2]) - count(a[2]);
    })[0] ?? ['', ''];

  it('one Apex class names every relay code (the code list is kept in one place)', () => {
    const named = new Set(apexStrings(mapperCode));
    expect([mapperName, relayCodes.filter((code) => !named.has(code))]).toEqual([mapperName, []]);
  });

  it('RelayException types every code as the fixture’s category says', () => {
    // Kind constant → fixture category (RELAY is the base RelayException).
    const categoryOfKind: Record<string, string> = {
      AUTHENTICATION: 'authentication',
      CONNECTION: 'connection',
      VALIDATION: 'validation',
      CONFLICT: 'conflict',
      NOT_FOUND: 'notFound',
      RATE_LIMIT: 'rateLimit',
      UNAVAILABLE: 'unavailable',
      RELAY: 'relay',
    };
    const map = /KIND_BY_CODE\s*=\s*new Map<String, Kind>\{([\s\S]*?)\};/.exec(
      apexClass('RelayException'),
    )?.[1];
    const apex = Object.fromEntries(
      [...(map ?? '').matchAll(/'([A-Z_]+)'\s*=>\s*Kind\.([A-Z_]+)/g)].map(([, code, kind]) => [
        code,
        categoryOfKind[kind ?? ''] ?? `unknown kind ${kind}`,
      ]),
    );
    const fixture = Object.fromEntries(
      [...contract.relayCodes, ...contract.salesforceCodes].map((e) => [e.code, e.apexCategory]),
    );
    expect(Object.keys(apex).length).toBeGreaterThan(20);
    expect(apex).toEqual(fixture);
    expect(new Set(Object.values(categoryOfKind))).toEqual(new Set(contract.categories));
  });

  it('every code that class names is a relay code or one Salesforce raises itself', () => {
    const unknown = apexStrings(mapperCode).filter(
      (text) => codeLike(text) && !knownCodes.has(text),
    );
    expect([mapperName, [...new Set(unknown)]]).toEqual([mapperName, []]);
  });
});

describe('limits', () => {
  const limits = limitsContract();
  const constants = integerConstants();
  const objects = readObjects();

  function constant(name: string): number | undefined {
    const found = [...constants.entries()].find(([key]) => key.endsWith(`.${name}`));
    return found?.[1];
  }

  it('Apex sends at most the relay’s number and length of allowed statuses', () => {
    expect(constant('MAX_ALLOWED_STATUSES')).toBe(transitionContract().maxAllowed);
    expect(constant('MAX_STATUS_LENGTH')).toBe(transitionContract().maxNameLength);
    expect(limits.templateMaxAllowedTransitions).toBe(transitionContract().maxAllowed);
  });

  it('a Flow job chunk never exceeds the relay’s bulk create limit', () => {
    // The create job sends one bulk call of BULK_LIMIT records; no job takes more records
    // per execution than MAX_RECORDS_PER_CHUNK.
    const bulk = constants.get('JiraCreateFlowJob.BULK_LIMIT');
    const chunk = constants.get('JiraFlowChunks.MAX_RECORDS_PER_CHUNK');
    expect(bulk).toBe(limits.bulkCreateMaxRecords);
    expect(chunk).toBeDefined();
    expect(chunk).toBeLessThanOrEqual(limits.bulkCreateMaxRecords);
  });

  it.each(['Jira_Rule_Template__c', 'Jira_Link__c', 'Jira_Audit_Event__c'])(
    '%s.Connection__c holds exactly a connection name of the maximum length',
    (object) => {
      expect(objects.get(object)?.fields.get('Connection__c')?.length).toBe(
        limits.connectionNameMaxLength,
      );
    },
  );

  it('the comment box allows exactly the relay’s comment length', () => {
    const component = readFileSync(
      join(DEFAULT_DIR, 'lwc', 'jiraCommentIssue', 'jiraCommentIssue.js'),
      'utf8',
    );
    expect(/MAX_LENGTH\s*=\s*([\d_]+)/.exec(component)?.[1]?.replace(/_/g, '')).toBe(
      String(limits.commentMaxLength),
    );
  });

  it('a template allows at most the relay’s number of files and extensions', () => {
    expect(constant('MAX_FILES_CEILING')).toBe(limits.attachmentMaxFiles);
    expect(constant('MAX_EXTENSIONS')).toBe(limits.attachmentMaxExtensions);
  });

  it('the package namespace in sfdx-project.json is one the relay accepts', () => {
    const project = JSON.parse(readFileSync(join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
      namespace: string;
    };
    expect(project.namespace).toMatch(new RegExp(limits.namespacePattern));
  });
});
