import {
  errorContract,
  fieldMappingContract,
  limitsContract,
  mergeFieldContract,
  transitionContract,
  type OfferedTransition,
} from '../../../force-app/test/offline/support/contract';
import { BULK_CREATE_LIMIT } from '../../src/jira/endpoints/issue-create';
import type { JiraTransitionJson } from '../../src/jira/endpoints/issues';
import { errorCatalog } from '../../src/lib/errors';
import { allowedStatuses, isAllowed } from '../../src/operations/transition';
import { MAX_RECORDS_PER_CALL } from '../../src/salesforce/audit-client';
import { COMMENT_MAX_LENGTH } from '../../src/templates/comment-body';
import {
  BUILT_IN_PATHS,
  parseMergeText,
  scanReferencedPaths,
} from '../../src/templates/merge-fields';
import { attachmentPolicySchema, templateSchema } from '../../src/templates/template-schema';
import { NONCE_PATTERN, SIGNATURE_WINDOW_SECONDS } from '../../src/tenants/signing';
import { loadRelayOpenApi } from '../support/relay-openapi';

/**
 * The relay's side of the shared contract fixtures (force-app/main/default/staticresources/
 * JiraContract*.json). The package's side runs the same cases in Apex (an org test) and in the
 * LWC Jest tests, so a rule changed on one side only fails here or there.
 */

/** A valid template around the part a case varies. */
function template(overrides: Record<string, unknown>) {
  return {
    id: null,
    name: 'Support escalation',
    objectApiName: 'Case',
    connection: 'default',
    projectKey: 'SUP',
    issueType: 'Bug',
    summary: '{{Subject}}',
    remoteLink: true,
    allowComments: true,
    ...overrides,
  };
}

function asJiraTransition(offered: OfferedTransition): JiraTransitionJson {
  return {
    id: offered.id,
    name: offered.name,
    ...(offered.toStatus ? { to: { name: offered.toStatus } } : {}),
  } as JiraTransitionJson;
}

describe('contract: merge-field path scan', () => {
  const contract = mergeFieldContract();

  it('the built-ins are the relay’s', () => {
    expect([...BUILT_IN_PATHS]).toEqual(contract.builtIns);
  });

  it.each(contract.cases.map((c) => [c.name, c] as const))(
    '%s: the scan finds the record paths',
    (_name, c) => {
      expect(scanReferencedPaths(c.text)).toEqual(c.recordPaths);
    },
  );

  it.each(contract.cases.map((c) => [c.name, c] as const))(
    '%s: the parser accepts or refuses the text as the fixture says, agreeing with the scan',
    (_name, c) => {
      let tagPaths: string[] | undefined;
      try {
        tagPaths = parseMergeText(c.text).flatMap((part) =>
          part.kind === 'tag' ? [part.path] : [],
        );
      } catch {
        tagPaths = undefined;
      }
      expect(tagPaths !== undefined).toBe(c.valid);
      if (tagPaths) expect([...new Set(tagPaths)]).toEqual(c.paths);
    },
  );

  it('the fixture’s pattern is the scan (same paths on every case)', () => {
    const pattern = new RegExp(contract.pattern, 'g');
    for (const c of contract.cases) {
      const paths = [...new Set([...c.text.matchAll(pattern)].map((match) => match[1]))];
      expect([c.name, paths]).toEqual([c.name, c.paths]);
    }
  });
});

describe('contract: field mappings', () => {
  const contract = fieldMappingContract();

  function parseFields(json: string) {
    let fields: unknown;
    try {
      fields = json.trim() ? JSON.parse(json) : [];
    } catch {
      return { success: false as const };
    }
    const result = templateSchema.safeParse(template({ fields }));
    return result.success ? { success: true as const, fields: result.data.fields } : result;
  }

  it.each(contract.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const parsed = parseFields(c.json);
    expect(parsed.success).toBe(c.valid);
    if (c.valid && parsed.success) expect(parsed.fields).toEqual(c.fields);
  });

  it('reserved Jira fields and the maximum number of mappings are the relay’s', () => {
    for (const jiraField of contract.reservedJiraFields)
      expect(parseFields(JSON.stringify([{ jiraField, value: 'x' }])).success).toBe(false);
    const mappings = (count: number) =>
      JSON.stringify(Array.from({ length: count }, (_, i) => ({ jiraField: `customfield_${i}` })));
    expect(parseFields(mappings(contract.maxFields)).success).toBe(true);
    expect(parseFields(mappings(contract.maxFields + 1)).success).toBe(false);
  });
});

describe('contract: allowed transitions', () => {
  const contract = transitionContract();

  it.each(contract.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const parsed = templateSchema.parse(template({ allowedTransitions: c.allowed }));
    const allowed = allowedStatuses(parsed.allowedTransitions);
    const ids = contract.offered
      .filter((offered) => isAllowed(asJiraTransition(offered), allowed))
      .map((offered) => offered.id);
    expect(ids).toEqual(c.allowedIds);
  });

  it('a template holds at most the fixture’s number of names, each at most its length', () => {
    const names = (count: number, length = 5) =>
      Array.from({ length: count }, (_, i) => `${i}`.padEnd(length, 's'));
    const accepts = (allowedTransitions: string[]) =>
      templateSchema.safeParse(template({ allowedTransitions })).success;
    expect(accepts(names(contract.maxAllowed))).toBe(true);
    expect(accepts(names(contract.maxAllowed + 1))).toBe(false);
    expect(accepts(names(1, contract.maxNameLength))).toBe(true);
    expect(accepts(names(1, contract.maxNameLength + 1))).toBe(false);
  });
});

describe('contract: error codes', () => {
  const contract = errorContract();

  it('the relay answers exactly the fixture’s codes, each with its status', () => {
    expect(
      Object.entries(errorCatalog).map(([code, entry]) => ({ code, status: entry.status })),
    ).toEqual(contract.relayCodes.map(({ code, status }) => ({ code, status })));
  });

  it('openapi.yaml documents exactly the fixture’s codes', () => {
    const { schemas } = loadRelayOpenApi().components as {
      schemas: { Problem: { properties: { code: { enum: string[] } } } };
    };
    expect(schemas.Problem.properties.code.enum).toEqual(
      contract.relayCodes.map((entry) => entry.code),
    );
  });

  it('codes Salesforce raises itself never collide with a relay code', () => {
    for (const { code } of contract.salesforceCodes) expect(errorCatalog).not.toHaveProperty(code);
  });

  it('every code has one of the fixture’s Apex categories', () => {
    for (const { apexCategory } of [...contract.relayCodes, ...contract.salesforceCodes])
      expect(contract.categories).toContain(apexCategory);
  });
});

describe('contract: limits', () => {
  const limits = limitsContract();

  it('bulk create, audit upsert, comment and signing limits are the relay’s', () => {
    expect(BULK_CREATE_LIMIT).toBe(limits.bulkCreateMaxRecords);
    expect(MAX_RECORDS_PER_CALL).toBe(limits.auditEventsPerUpsertMax);
    expect(COMMENT_MAX_LENGTH).toBe(limits.commentMaxLength);
    expect(SIGNATURE_WINDOW_SECONDS).toBe(limits.signatureWindowSeconds);
    const nonce = (length: number) => 'n'.repeat(length);
    expect(NONCE_PATTERN.test(nonce(limits.nonceLength.min))).toBe(true);
    expect(NONCE_PATTERN.test(nonce(limits.nonceLength.min - 1))).toBe(false);
    expect(NONCE_PATTERN.test(nonce(limits.nonceLength.max))).toBe(true);
    expect(NONCE_PATTERN.test(nonce(limits.nonceLength.max + 1))).toBe(false);
  });

  it('a template’s file policy is accepted up to the fixture’s limits and refused past them', () => {
    const policy = {
      extensions: ['pdf'],
      maxFileBytes: limits.attachmentMaxBytes,
      maxTotalBytes: limits.attachmentMaxBytes,
      maxFiles: limits.attachmentMaxFiles,
    };
    const accepts = (change: Record<string, unknown>) =>
      attachmentPolicySchema.safeParse({ ...policy, ...change }).success;
    const extensions = (count: number) => Array.from({ length: count }, (_, i) => `x${i}`);
    expect(accepts({})).toBe(true);
    expect(accepts({ maxFiles: limits.attachmentMaxFiles + 1 })).toBe(false);
    expect(accepts({ maxFileBytes: limits.attachmentMaxBytes + 1 })).toBe(false);
    expect(accepts({ extensions: extensions(limits.attachmentMaxExtensions) })).toBe(true);
    expect(accepts({ extensions: extensions(limits.attachmentMaxExtensions + 1) })).toBe(false);
    const pattern = new RegExp(limits.attachmentExtensionPattern);
    for (const extension of ['pdf', 'a'.repeat(16), 'PDF', '.pdf', 'a'.repeat(17), 'tar.gz'])
      expect([extension, accepts({ extensions: [extension] })]).toEqual([
        extension,
        pattern.test(extension),
      ]);
  });

  it('a connection name is at most the fixture’s length', () => {
    const accepts = (connection: string) =>
      templateSchema.safeParse(template({ connection })).success;
    expect(accepts('c'.repeat(limits.connectionNameMaxLength))).toBe(true);
    expect(accepts('c'.repeat(limits.connectionNameMaxLength + 1))).toBe(false);
  });

  it('the template limits agree with the mapping and transition fixtures', () => {
    expect(limits.templateMaxFieldMappings).toBe(fieldMappingContract().maxFields);
    expect(limits.templateMaxAllowedTransitions).toBe(transitionContract().maxAllowed);
    expect(limits.allowedTransitionMaxLength).toBe(transitionContract().maxNameLength);
  });
});
