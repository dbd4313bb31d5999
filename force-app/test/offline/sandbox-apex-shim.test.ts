import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { APEX_CONTROLLERS } from '../../../sandbox/shim/controllers';
import { SandboxOrg } from '../../../sandbox/org/org';
import { seedOrg } from '../../../sandbox/seed';
import { RelayApi } from '../../../sandbox/shim/relay-api';
import { sign } from '../../../sandbox/shim/relay-signature';
import { readDeclarations } from './support/apex-types';
import { listApexSources, listLwcModules } from './support/metadata';
import { lwcApexImports } from './support/references';

/**
 * The sandbox answers the components' Apex calls with a shim (sandbox/shim). It must offer
 * exactly what the Apex controllers offer: the same classes, the same static @AuraEnabled
 * methods, the same parameter names in the same order. Otherwise the sandbox would show
 * components working against an API the org does not have.
 */

const apexSources = new Map(
  listApexSources().map((file) => [basename(file, '.cls'), readFileSync(file, 'utf8')]),
);

/** `{ method: [parameter names] }` of one Apex class's static @AuraEnabled methods. */
function auraMethodsOf(className: string): Record<string, string[]> {
  return Object.fromEntries(
    auraDeclarationsOf(className).map((method) => [
      method.name,
      method.parameters.map((p) => p.name),
    ]),
  );
}

function auraDeclarationsOf(className: string) {
  const source = apexSources.get(className);
  if (!source) throw new Error(`no Apex class ${className} in force-app`);
  const top = readDeclarations(source, className).find((d) => d.qualifiedName === className);
  return top?.auraMethods ?? [];
}

const shimMethodsOf = (className: string): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(APEX_CONTROLLERS[className] ?? {}).map(([name, method]) => [
      name,
      [...method.parameters],
    ]),
  );

const importedClasses = [
  ...new Set(
    listLwcModules().flatMap((file) =>
      lwcApexImports(readFileSync(file, 'utf8')).map((found) => found.className),
    ),
  ),
].sort();

describe('the sandbox Apex shim', () => {
  it('answers every Apex class the components import, and no other', () => {
    expect(Object.keys(APEX_CONTROLLERS).sort()).toEqual(importedClasses);
  });

  it.each(importedClasses)(
    'offers exactly the static @AuraEnabled methods of %s, with the same parameter names',
    (className) => {
      expect(shimMethodsOf(className)).toEqual(auraMethodsOf(className));
    },
  );

  // Parameter names do not show the answer's form: the shim answers {authorizeUrl, expiresAt}.
  it('answers startOAuth in the form JiraSetupController declares (URL with expiry)', () => {
    const startOAuth = auraDeclarationsOf('JiraSetupController').find(
      (method) => method.name === 'startOAuth',
    );
    expect(startOAuth?.returnType.name).toBe('RelayModels.OAuthStart');
  });

  it('signs a request as the contract test vector says', () => {
    const body =
      '{"connection":"default","body":"Customer reports checkout fails — see case 00001026"}';
    const parts = {
      timestamp: '1795000000',
      nonce: 'n0nce-7f3a9c2e41b8',
      orgId: '00D5g000004ABCDEAY',
      userId: '0055g00000AbCdEFGH',
    };
    const secret = 'AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=';
    expect(
      sign(secret, { ...parts, method: 'POST', pathAndQuery: '/v1/issues/SUP-42/comments', body }),
    ).toBe('v1=dNpxfjHaa+uJRcTn++HmsGrpaG0HGgjxUp7/18eSUyw=');
    expect(
      sign(secret, {
        ...parts,
        method: 'GET',
        pathAndQuery: '/v1/issues/SUP-42?connection=default',
        body: null,
      }),
    ).toBe('v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+M=');
  });

  // JiraRuleTemplateSelector.selectById and the link query read one object: another object's
  // record id finds nothing there.
  it('finds templates and links by id only among templates and links, as the selectors do', async () => {
    const org = new SandboxOrg();
    const { caseId } = seedOrg(org);
    // Every refusal comes before a callout: the relay is never reached.
    const relay = new RelayApi({
      relayUrl: 'http://127.0.0.1:9',
      orgId: org.orgId,
      userId: org.userId,
      secret: () => undefined,
      timeoutMs: () => 1,
    });
    const call = (className: string, methodName: string, args: Record<string, unknown>) =>
      APEX_CONTROLLERS[className]?.[methodName]?.invoke({ org, relay }, args);
    const codeOf = (answer: Promise<unknown> | undefined) =>
      (answer ?? Promise.resolve()).then(
        () => 'answered',
        (error: { code?: string }) => error.code,
      );
    await expect(
      Promise.all([
        codeOf(
          call('JiraActionsController', 'previewIssue', { recordId: caseId, templateId: caseId }),
        ),
        codeOf(
          call('JiraActionsController', 'createIssue', { recordId: caseId, templateId: caseId }),
        ),
        codeOf(call('JiraActionsController', 'addComment', { linkId: caseId, body: 'hello' })),
        codeOf(call('JiraTemplateEditorController', 'getTemplate', { templateId: caseId })),
      ]),
    ).resolves.toEqual([
      'TEMPLATE_NOT_FOUND',
      'TEMPLATE_NOT_FOUND',
      'LINK_NOT_FOUND',
      'TEMPLATE_NOT_FOUND',
    ]);
  });
});
