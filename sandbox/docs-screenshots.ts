import path from 'node:path';
import { launchBrowser } from './test/browser/support/chromium';
import { REPO_ROOT } from './paths';
import { APEX_CONTROLLERS } from './shim/controllers';
import { startSandbox } from './start';

/**
 * `npm run sandbox:screenshots`: the README's pictures of the four screens (docs/sandbox-*.png),
 * taken from a fresh sandbox after a few actions made through the Apex shim.
 */
async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const browser = await launchBrowser();
  try {
    const actions = APEX_CONTROLLERS.JiraActionsController ?? {};
    const [template] = (await actions.getTemplates?.invoke(sandbox.shim, {
      recordId: sandbox.caseId,
    })) as { value: string }[];
    await actions.createIssue?.invoke(sandbox.shim, {
      recordId: sandbox.caseId,
      templateId: template?.value,
      idempotencyKey: null,
    });
    const links = sandbox.org.records('Jira_Link__c');
    const declined = links.find((link) => link.Issue_Key__c === 'SUP-1');
    await actions.addComment?.invoke(sandbox.shim, {
      linkId: declined?.Id,
      body: 'The customer confirms card payments fail on Visa only.',
    });

    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 820 });
    const shot = (name: string) =>
      page.screenshot({ path: path.join(REPO_ROOT, 'docs', `sandbox-${name}.png`) });

    await page.goto(sandbox.urls.case);
    await page.getByRole('button', { name: 'View SUP-1' }).click();
    await page.locator('c-jira-issue-view .description').waitFor();
    await shot('case');

    await page.goto(sandbox.urls.setup);
    await page.locator('li.connection').first().waitFor();
    await shot('setup');

    await page.goto(sandbox.urls.templates);
    await page.getByText('Support escalation').first().click();
    await page.locator('lightning-input.record-id input').fill(sandbox.caseId);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.locator('table.preview').waitFor();
    await shot('templates');

    await sandbox.relay.services.auditDrainer.stop({ flushWithinMs: 2000 });
    await page.goto(sandbox.urls.audit);
    await page.locator('table tbody tr').nth(2).waitFor();
    await shot('audit-log');
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
