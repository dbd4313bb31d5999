import type { Locator, Page } from 'playwright-core';
import { label } from '../../org/labels';
import { seededSha256 } from '../../../relay-service/test/support/salesforce-double/files';
import type { JiraUser } from '../../../relay-service/test/support/jira-double/model';
import { OAuthBrowser } from '../../../relay-service/test/support/oauth-browser';
import {
  SANDBOX_USER_JIRA_ACCOUNT,
  SCRIPT_MARKER,
  SEEDED_CONNECTION,
  SEEDED_FILES,
} from '../../seed';
import { APEX_CONTROLLERS } from '../../shim/controllers';
import { startSandbox, type Sandbox } from '../../start';
import { launchBrowser, type Browser } from './support/chromium';
import {
  BrowserErrors,
  Screenshots,
  focusedElement,
  seriousAccessibilityViolations,
  tabTo,
} from './support/page-tools';

/**
 * Every user and admin action of Pharos Jira, clicked through the real components in headless
 * Chromium against the sandbox (real relay, Jira and Salesforce doubles), through the UI only.
 * After each step the Jira double's state says what really happened; every screen is scanned
 * with axe-core and photographed into test-results/sandbox; the browser may log no error.
 * The steps build on each other and run in order.
 */

jest.setTimeout(120_000);

let sandbox: Sandbox;
let browser: Browser;
let page: Page;
const errors = new BrowserErrors();
const shots = new Screenshots();
const timings: Record<string, number> = {};

/** Waits for a condition outside the browser (the doubles' state), polling. */
async function eventually(
  condition: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Reads an input once it holds a value, polling: some fields are filled by an Apex answer that
 * arrives after the field renders, later on a loaded machine.
 */
async function filledValue(input: Locator, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await input.inputValue();
    if (value !== '' || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Picks an option of a lightning-combobox by its visible label. */
async function choose(
  scope: Page | Locator,
  comboboxLabel: string,
  option: string | RegExp,
): Promise<void> {
  await scope.getByRole('combobox', { name: comboboxLabel }).click();
  await scope.getByRole('option', { name: option }).first().click();
}

/**
 * Selects a radio of a lightning-radio-group as a person does: by clicking its label (SLDS
 * hides the input itself behind the faux radio).
 */
async function pick(scope: Page | Locator, radioName: string | RegExp): Promise<void> {
  const radio = scope.getByRole('radio', { name: radioName }).first();
  const id = await radio.getAttribute('id');
  await scope.locator(`label[for="${id}"]`).click();
  await expect(radio.isChecked()).resolves.toBe(true);
}

async function expectAccessible(screen: string): Promise<void> {
  const violations = await seriousAccessibilityViolations(page);
  expect({ screen, violations }).toEqual({ screen, violations: [] });
}

/** The token input (its label carries a help button, so it is found by its component). */
const tokenInput = () => page.locator('lightning-input.token input');
const connectionRow = (name: string) => page.locator(`li.connection[data-name="${name}"]`);
const issueRow = (key: string) =>
  page.locator('li.issue').filter({ has: page.getByText(key, { exact: true }) });

// A clean checkout compiles the components first (~20 s on an idle machine, up to ~150 s on
// two busy cores); later runs take the bundle from the cache in .tmp/.
beforeAll(async () => {
  let started = Date.now();
  sandbox = await startSandbox();
  timings.sandboxStartMs = Date.now() - started;
  timings.buildMs = sandbox.buildMs;
  started = Date.now();
  browser = await launchBrowser();
  timings.browserStartMs = Date.now() - started;
  errors.watch(browser.context);
  page = await browser.context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
  process.stdout.write(`sandbox browser test timings: ${JSON.stringify(timings)}\n`);
});

describe('the sandbox in a real browser', () => {
  it('the browser reaches nothing beyond this machine (a canary it must refuse)', async () => {
    await page.goto(sandbox.urls.setup);
    const before = errors.errors.length;
    const outcome = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => 'reached',
        () => 'refused',
      ),
    );
    expect(outcome).toBe('refused');
    // Refused by the test's own guard, not by a missing network.
    const canary = errors.errors.splice(before);
    expect(canary).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^request failed: https:\/\/example\.com\/ net::ERR_BLOCKED_BY_CLIENT/,
        ),
      ]),
    );
  });

  describe('setup screen', () => {
    it('the accessibility scan sees inside the components (a canary it must catch)', async () => {
      await page.goto(sandbox.urls.setup);
      const body = page.locator('c-jira-setup .slds-card__body_inner').first();
      await body.waitFor();
      await body.evaluate((element) => {
        const canary = element.ownerDocument.createElement('button');
        canary.className = 'axe-canary';
        element.appendChild(canary);
      });
      const violations = await seriousAccessibilityViolations(page);
      expect(violations).toEqual([
        expect.objectContaining({
          id: 'button-name',
          targets: [expect.stringContaining('axe-canary')],
        }),
      ]);
    });

    it('when an admin connects with Atlassian then the consent page, the callback and the screen all follow, and the screen notices by itself', async () => {
      const { cloud } = sandbox.jira;
      await page.goto(sandbox.urls.setup);
      await connectionRow(SEEDED_CONNECTION).waitFor();
      await shots.take(page, 'setup');
      await expectAccessible('setup');

      await page.getByRole('button', { name: label('Jira_Setup_Add_Connection') }).click();
      await page.getByLabel(label('Jira_Connection_Name')).fill('cloud-oauth');
      await page.getByRole('button', { name: label('Jira_OAuth_Prepare') }).click();
      const connect = page.getByRole('link', { name: label('Jira_Connection_OAuth_Button') });
      await connect.waitFor();
      await shots.take(page, 'setup-oauth-prepared');
      await expectAccessible('setup: add connection');

      const tokensBefore = cloud.oauth?.tokenRequests.length ?? 0;
      const [atlassian] = await Promise.all([
        browser.context.waitForEvent('page'),
        connect.click(),
      ]);
      await atlassian.getByRole('button', { name: 'Allow' }).waitFor();
      await shots.take(atlassian, 'oauth-consent');
      await atlassian.getByRole('button', { name: 'Allow' }).click();
      await atlassian.getByRole('heading', { name: 'Jira connected' }).waitFor();
      await shots.take(atlassian, 'oauth-callback');
      // Atlassian saw one code exchange, with the redirect back to the relay's public URL.
      expect(cloud.oauth?.tokenRequests.slice(tokensBefore)).toEqual([
        expect.objectContaining({
          grant_type: 'authorization_code',
          redirect_uri: `${sandbox.relay.publicUrl}/oauth/callback`,
        }),
      ]);
      await atlassian.close();

      // The setup screen watches the connection list and shows the new connection on its own.
      await connectionRow('cloud-oauth').waitFor({ timeout: 15_000 });
      await expect(connectionRow('cloud-oauth').locator('.status').textContent()).resolves.toBe(
        label('Jira_Status_Active'),
      );
      await shots.take(page, 'setup-oauth-connected');
    });

    it('when an admin saves an API token connection then the relay tests it against Jira Cloud first', async () => {
      const { cloud } = sandbox.jira;
      const ada = cloud.model.users[0];
      const myselfBefore = cloud.callsTo('GET /rest/api/3/myself');
      await page.getByRole('button', { name: label('Jira_Setup_Add_Connection') }).click();
      await page.getByLabel(label('Jira_Connection_Name')).fill('cloud-token');
      await pick(page, label('Jira_Method_Api_Token'));
      await page.getByLabel(label('Jira_Connection_Base_Url')).fill(cloud.url);
      await page.getByLabel(label('Jira_Connection_Email')).fill(ada?.emailAddress ?? '');
      await tokenInput().fill(ada?.apiToken ?? '');
      await shots.take(page, 'setup-api-token-form');
      await page.getByRole('button', { name: label('Jira_Connection_Save') }).click();
      await connectionRow('cloud-token').waitFor();
      expect(cloud.callsTo('GET /rest/api/3/myself')).toBeGreaterThan(myselfBefore);
      await shots.take(page, 'setup-api-token-saved');
    });

    it('when an admin saves a Server/DC personal access token connection then it is tested and listed', async () => {
      const { server } = sandbox.jira;
      await page.getByRole('button', { name: label('Jira_Setup_Add_Connection') }).click();
      await page.getByLabel(label('Jira_Connection_Name')).fill('dc-pat');
      await pick(page, label('Jira_Deployment_Server'));
      await page.getByLabel(label('Jira_Connection_Base_Url')).fill(server.url);
      await tokenInput().fill(server.model.users[0]?.pat ?? '');
      await page.getByRole('button', { name: label('Jira_Connection_Save') }).click();
      await connectionRow('dc-pat').waitFor();
      expect(server.callsTo('GET /rest/api/2/myself')).toBeGreaterThan(0);
      await shots.take(page, 'setup-pat-saved');
    });

    it('when an admin connects Server/DC with OAuth 2.0 then the client is saved pending, Jira’s consent page and the callback follow, and the screen notices by itself', async () => {
      const { server } = sandbox.jira;
      const link = server.dcOAuth?.link;
      await page.getByRole('button', { name: label('Jira_Setup_Add_Connection') }).click();
      await page.getByLabel(label('Jira_Connection_Name')).fill('dc-oauth');
      await pick(page, label('Jira_Deployment_Server'));
      await pick(page, label('Jira_Method_OAuth_Server'));
      // The screen names the Redirect URL the Jira admin gave the incoming link.
      await expect(
        filledValue(page.getByLabel(label('Jira_Connection_Redirect_Url'))),
      ).resolves.toBe(link?.redirectUri);
      await page.getByLabel(label('Jira_Connection_Base_Url')).fill(server.url);
      await page.getByLabel(label('Jira_Connection_Client_Id')).fill(link?.clientId ?? '');
      await page.getByLabel(label('Jira_Connection_Client_Secret')).fill(link?.clientSecret ?? '');
      await shots.take(page, 'setup-dc-oauth-form');
      await expectAccessible('setup: Server/DC OAuth');
      await page.getByRole('button', { name: label('Jira_Connection_Save') }).click();

      // Saved but pending: listed as such, and nothing has asked Jira for a token yet.
      await connectionRow('dc-oauth').waitFor();
      await expect(connectionRow('dc-oauth').locator('.status').textContent()).resolves.toBe(
        label('Jira_Status_Pending'),
      );
      expect(server.dcOAuth?.tokenRequests).toEqual([]);

      await page.getByRole('button', { name: label('Jira_OAuth_Prepare') }).click();
      const connect = page.getByRole('link', { name: label('Jira_OAuth_Server_Connect') });
      await connect.waitFor();
      await shots.take(page, 'setup-dc-oauth-prepared');
      const [jira] = await Promise.all([browser.context.waitForEvent('page'), connect.click()]);
      await jira.getByRole('button', { name: 'Allow' }).waitFor();
      expect(new URL(jira.url()).origin).toBe(server.url);
      await shots.take(jira, 'dc-oauth-consent');
      await jira.getByRole('button', { name: 'Allow' }).click();
      await jira.getByRole('heading', { name: 'Jira connected' }).waitFor();
      await shots.take(jira, 'dc-oauth-callback');
      // Jira saw one code exchange by the link's client, redirected to the relay's callback.
      expect(server.dcOAuth?.tokenRequests).toEqual([
        expect.objectContaining({
          status: 200,
          params: expect.objectContaining({
            grant_type: 'authorization_code',
            client_id: link?.clientId,
            redirect_uri: `${sandbox.relay.publicUrl}/oauth/callback`,
          }),
        }),
      ]);
      await jira.close();

      // The setup screen watches the connection list and shows it active on its own.
      await connectionRow('dc-oauth')
        .locator('.status', { hasText: label('Jira_Status_Active') })
        .waitFor({ timeout: 15_000 });
      // Jira holds one grant for the relay: a live refresh token, and no refresh used yet.
      expect(server.dcOAuth?.issuedRefreshTokens()).toHaveLength(1);
      expect(server.dcOAuth?.tokenCalls('refresh_token')).toBe(0);
      await shots.take(page, 'setup-dc-oauth-connected');
    });

    it('when the token is wrong then the form says why and nothing is saved', async () => {
      const { server } = sandbox.jira;
      await page.getByRole('button', { name: label('Jira_Setup_Add_Connection') }).click();
      await page.getByLabel(label('Jira_Connection_Name')).fill('dc-wrong');
      await pick(page, label('Jira_Deployment_Server'));
      await page.getByLabel(label('Jira_Connection_Base_Url')).fill(server.url);
      await tokenInput().fill('not-the-token');
      await page.getByRole('button', { name: label('Jira_Connection_Save') }).click();
      const alert = page
        .getByRole('alert')
        .filter({ hasText: label('Jira_Connection_Save_Failed') });
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toMatch(/token|credential|authenticat|401/i);
      await shots.take(page, 'setup-wrong-token');
      await expectAccessible('setup: wrong token');
      await page.getByRole('button', { name: label('Jira_Cancel') }).click();
      await expect(connectionRow('dc-wrong').count()).resolves.toBe(0);
      expect((await sandbox.shim.relay.listConnections()).map((c) => c.name).sort()).toEqual([
        SEEDED_CONNECTION,
        'cloud-oauth',
        'cloud-token',
        'dc-oauth',
        'dc-pat',
      ]);
    });

    it('when the setup screen is open then the health panel shows every connection, Check now asks again, and the daily check is scheduled from there', async () => {
      const health = page.locator('c-jira-health-panel');
      const healthRow = (name: string) =>
        health.locator(`li.health-connection[data-name="${name}"]`);
      await page.goto(sandbox.urls.setup);
      await healthRow(SEEDED_CONNECTION).waitFor();
      await expect(healthRow(SEEDED_CONNECTION).locator('.status').textContent()).resolves.toBe(
        label('Jira_Health_Status_Ok'),
      );
      await expect(healthRow('dc-pat').locator('.auth-method').textContent()).resolves.not.toBe('');
      await expect(health.locator('.templates-ok').textContent()).resolves.toContain(
        label('Jira_Health_All_Templates_Ok'),
      );
      await shots.take(page, 'setup-health');
      await expectAccessible('setup: health');

      // Check now runs the check again (the relay's live call per connection) and shows it.
      const checkNow = health.getByRole('button', { name: label('Jira_Health_Check_Now') });
      await checkNow.click();
      await health.locator('lightning-spinner').waitFor({ state: 'detached', timeout: 15_000 });
      await expect(checkNow.isEnabled()).resolves.toBe(true);
      await expect(healthRow(SEEDED_CONNECTION).count()).resolves.toBe(1);
      await expect(health.getByText(label('Jira_Health_Failed')).count()).resolves.toBe(0);

      // SLDS draws the toggle over its input: a person clicks the label.
      const runDaily = health.getByLabel(label('Jira_Health_Schedule_Enabled'));
      await health.getByText(label('Jira_Health_Schedule_Enabled'), { exact: true }).click();
      await expect(runDaily.isChecked()).resolves.toBe(true);
      const days = health.getByLabel(label('Jira_Health_Warning_Days'));
      await days.fill('30');
      await health.getByRole('button', { name: label('Jira_Health_Schedule_Save') }).click();
      await health
        .locator('.schedule-summary', { hasText: label('Jira_Health_Schedule_Next', '') })
        .waitFor();
      await expect(days.inputValue()).resolves.toBe('30');
    });
  });

  describe('template editor', () => {
    it('when an admin builds a template with the relay’s pickers and merge fields then the preview shows a problem beside the field that causes it, and the template saves', async () => {
      const { server } = sandbox.jira;
      await page.goto(sandbox.urls.templates);
      await page.getByText('Support escalation').first().waitFor();
      await shots.take(page, 'templates');
      await expectAccessible('template editor');

      await page.getByRole('button', { name: label('Jira_Editor_New') }).click();
      await page.getByLabel(label('Jira_Editor_Name')).fill('Ops incidents from cases');
      await choose(page, label('Jira_Editor_Object'), 'Case');
      const projectsBefore = server.log.length;
      await choose(page, label('Jira_Editor_Connection'), /^dc-pat/);
      await choose(page, label('Jira_Editor_Project'), /Operations/);
      await choose(page, label('Jira_Editor_Issue_Type'), /Incident/);
      // The pickers were fed by Jira Server/DC through the relay.
      const asked = server.log.slice(projectsBefore).map((entry) => entry.key);
      expect(asked).toEqual(expect.arrayContaining([expect.stringMatching(/project/)]));
      expect(asked).toEqual(expect.arrayContaining([expect.stringMatching(/createmeta/)]));

      await choose(page, label('Jira_Editor_Merge_Field'), 'Subject');
      await page.getByRole('button', { name: label('Jira_Editor_Add_To_Summary') }).click();
      await choose(page, label('Jira_Editor_Merge_Field'), 'Description');
      await page.getByRole('button', { name: label('Jira_Editor_Add_To_Description') }).click();
      await expect(page.locator('lightning-input.summary input').inputValue()).resolves.toBe(
        '{{Subject}}',
      );

      await page.locator('lightning-input.record-id input').fill(sandbox.caseId);
      await page
        .getByRole('button', { name: label('Jira_Template_Preview_Button'), exact: true })
        .click();
      // Incident requires Customer Impact, which the template does not map: the problem
      // stands in that field's row, and the other rows show what would be sent.
      const impactRow = page.locator('tr[data-field="customfield_10060"]');
      await impactRow.locator('.field-problem').waitFor();
      await expect(impactRow.locator('.field-problem').textContent()).resolves.toMatch(
        /Customer Impact/,
      );
      await expect(page.locator('tr[data-field="summary"] .value').textContent()).resolves.toBe(
        'Checkout fails for card payments',
      );
      await expect(page.locator('tr[data-field="summary"] .field-problem').count()).resolves.toBe(
        0,
      );
      await shots.take(page, 'templates-preview-problem');
      await expectAccessible('template editor: preview with a problem');

      await page.getByRole('button', { name: label('Jira_Editor_Save'), exact: true }).click();
      await page
        .getByText(label('Jira_Editor_Saved', 'Ops incidents from cases'))
        .first()
        .waitFor();
      expect(sandbox.org.records('Jira_Rule_Template__c').map((t) => t.Name)).toContain(
        'Ops incidents from cases',
      );
      await shots.take(page, 'templates-saved');
    });

    it('when an admin adds a further field then the picker offers Jira’s field ids', async () => {
      await page.goto(sandbox.urls.templates);
      await page.getByRole('button', { name: label('Jira_Editor_New') }).click();
      await choose(page, label('Jira_Editor_Connection'), /^dc-pat/);
      await choose(page, label('Jira_Editor_Project'), /Operations/);
      await choose(page, label('Jira_Editor_Issue_Type'), /Incident/);
      await page.getByRole('button', { name: label('Jira_Mappings_Add') }).click();
      await page.getByRole('combobox', { name: label('Jira_Mappings_Jira_Field') }).click();
      await expect(
        page.getByRole('option', { name: 'Customer Impact (customfield_10060)' }).count(),
      ).resolves.toBe(1);
    });
  });

  describe('case page', () => {
    it('when a user creates an issue then the confirmation lists exactly the fields that leave Salesforce, and Jira gets just those', async () => {
      const { cloud } = sandbox.jira;
      await page.goto(sandbox.urls.case);
      await issueRow('SUP-1').waitFor();
      await shots.take(page, 'case');
      await expectAccessible('case page');

      await page
        .getByRole('button', { name: label('Jira_Actions_Create'), exact: true })
        .first()
        .click();
      const panel = page.getByRole('region', { name: label('Jira_Create_Title') });
      await choose(panel, label('Jira_Template'), 'Support escalation');
      await panel.locator('table.preview').waitFor();
      const sent = await panel
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) => [
            row.getAttribute('data-field'),
            row.querySelector('.value')?.textContent ?? '',
          ]),
        );
      expect(sent.map(([field]) => field)).toEqual([
        'project',
        'issuetype',
        'summary',
        'description',
        'priority',
      ]);
      expect(Object.fromEntries(sent)).toMatchObject({
        summary: 'Checkout fails for card payments (Acme Corporation)',
        priority: expect.stringContaining('Highest'),
      });
      await shots.take(page, 'case-create-confirmation');
      await expectAccessible('case page: create confirmation');

      const before = cloud.model.issues.size;
      await panel.getByRole('button', { name: label('Jira_Create_Button'), exact: true }).click();
      await panel.getByRole('status').filter({ hasText: /SUP-4/ }).waitFor();
      expect(cloud.model.issues.size).toBe(before + 1);
      const created = cloud.model.issue('SUP-4');
      expect(Object.keys(created?.fields ?? {}).sort()).toEqual(
        ['description', 'issuetype', 'priority', 'project', 'summary']
          .filter((f) => f in (created?.fields ?? {}))
          .sort(),
      );
      expect(created?.fields.summary).toBe('Checkout fails for card payments (Acme Corporation)');
      expect(created?.remoteLinks.map((link) => link.object.url)).toEqual([
        `${sandbox.org.domainUrl}/${sandbox.caseId}`,
      ]);
      await issueRow('SUP-4').waitFor();
      await shots.take(page, 'case-created');
    });

    it('when a template allows files then the create dialog lists the case files, shows why one may not go and lets the user pick another', async () => {
      // A fresh page: the last step left its create panel open on the new issue.
      await page.goto(sandbox.urls.case);
      await issueRow('SUP-4').waitFor();
      await page
        .getByRole('button', { name: label('Jira_Actions_Create'), exact: true })
        .first()
        .click();
      const panel = page.getByRole('region', { name: label('Jira_Create_Title') });
      await choose(panel, label('Jira_Template'), 'Support escalation with files');
      const files = panel.getByRole('group', { name: label('Jira_Files_Title') });
      const trace = files.getByRole('checkbox', { name: 'checkout-trace.log' });
      await trace.waitFor();
      await expect(
        files.getByRole('checkbox', { name: 'heap-dump.bin' }).isDisabled(),
      ).resolves.toBe(true);
      await files
        .getByText(label('Jira_Error_Attachment_Type', 'heap-dump', 'bin'), { exact: true })
        .waitFor();
      await files.getByText('checkout-trace.log', { exact: true }).click();
      await files.getByText(label('Jira_Files_Selected', 1, 3, '48 KB'), { exact: true }).waitFor();
      await expect(trace.isChecked()).resolves.toBe(true);
      await shots.take(page, 'case-create-files');

      // The relay streams the chosen file from Salesforce to Jira: Jira gets exactly its bytes.
      const { cloud } = sandbox.jira;
      await panel.getByRole('button', { name: label('Jira_Create_Button'), exact: true }).click();
      await panel.getByRole('status').filter({ hasText: /SUP-5/ }).waitFor();
      const seeded = SEEDED_FILES.find((file) => file.title === 'checkout-trace');
      expect(
        cloud.attachments.map(({ issueKey, filename, size, sha256 }) => ({
          issueKey,
          filename,
          size,
          sha256,
        })),
      ).toEqual([
        {
          issueKey: 'SUP-5',
          filename: 'checkout-trace.log',
          size: 48_213,
          sha256: seededSha256(seeded?.seed ?? 0, 48_213),
        },
      ]);
      await page
        .getByRole('button', { name: label('Jira_Close'), exact: true })
        .first()
        .click();
    });

    it('when a user searches Jira and links an issue then it is linked both ways', async () => {
      const { cloud } = sandbox.jira;
      await page
        .getByRole('button', { name: label('Jira_Actions_Link'), exact: true })
        .first()
        .click();
      const panel = page.getByRole('region', { name: label('Jira_Link_Title') });
      await choose(panel, label('Jira_Template'), 'Support escalation');
      await panel.getByLabel(label('Jira_Link_Search')).fill('mobile');
      await pick(panel, /SUP-3/);
      await shots.take(page, 'case-link-search');
      await panel.getByRole('button', { name: label('Jira_Link_Button'), exact: true }).click();
      await issueRow('SUP-3').waitFor();
      expect(cloud.model.issue('SUP-3')?.remoteLinks).toHaveLength(1);
      expect(sandbox.org.records('Jira_Link__c').map((link) => link.Issue_Key__c)).toContain(
        'SUP-3',
      );
      await shots.take(page, 'case-linked');
    });

    it('when a user comments then Jira has the comment, attributed to them', async () => {
      const { cloud } = sandbox.jira;
      await issueRow('SUP-1')
        .getByRole('button', { name: label('Jira_Actions_Comment_Issue', 'SUP-1') })
        .click();
      await page
        .locator('lightning-textarea.body textarea')
        .fill('The customer confirms card payments fail on Visa only.');
      await shots.take(page, 'case-comment');
      await page.getByRole('button', { name: label('Jira_Comment_Button'), exact: true }).click();
      await eventually(
        () => (cloud.model.issue('SUP-1')?.comments.length ?? 0) === 1,
        'the comment in Jira',
      );
      expect(JSON.stringify(cloud.model.issue('SUP-1')?.comments[0]?.body)).toContain('Visa only');
      expect(JSON.stringify(cloud.model.issue('SUP-1')?.comments[0]?.body)).toContain(
        'Sam Sandbox',
      );
      // After a comment the issue shows as it is now.
      await page.getByRole('region', { name: label('Jira_View_Title', 'SUP-1') }).waitFor();
    });

    it('when a user opens the inline view then the issue shows, and a script in its description stays inert', async () => {
      // The view the comment opened is closed and opened again with its own button.
      const viewButton = issueRow('SUP-1').getByRole('button', {
        name: label('Jira_Actions_View_Issue', 'SUP-1'),
      });
      const view = page.getByRole('region', { name: label('Jira_View_Title', 'SUP-1') });
      await viewButton.click();
      await view.waitFor({ state: 'detached' });
      await viewButton.click();
      await view.locator('.description').waitFor();
      await expect(view.locator('.description').textContent()).resolves.toContain('Logs attached.');
      await expect(view.locator('.description script').count()).resolves.toBe(0);
      await expect(view.locator('.description [onerror]').count()).resolves.toBe(0);
      await expect(
        page.evaluate(
          (marker) =>
            (globalThis as unknown as Record<string, unknown>)[marker.split('.')[1] as string],
          SCRIPT_MARKER,
        ),
      ).resolves.toBeUndefined();
      await expect(view.getByText('Visa only')).toBeDefined();
      await shots.take(page, 'case-view');
      await expectAccessible('case page: inline view');
    });

    it('when a user changes an issue’s status then only the template’s transitions are offered and Jira moves', async () => {
      const { cloud } = sandbox.jira;
      await issueRow('SUP-2')
        .getByRole('button', { name: label('Jira_Actions_Transition_Issue', 'SUP-2') })
        .click();
      const choices = page.getByRole('radiogroup', { name: label('Jira_Transition_Choose') });
      await choices.waitFor();
      const offered = await choices
        .getByRole('radio')
        .evaluateAll((radios) =>
          radios.map((radio) => radio.closest('.slds-radio')?.textContent?.trim() ?? ''),
        );
      // The Jira double's support workflow names the transition for what it does.
      expect(offered).toEqual(['Start work → In Progress']);
      await shots.take(page, 'case-transition');
      await pick(choices, 'In Progress');
      await page
        .getByRole('button', { name: label('Jira_Transition_Button'), exact: true })
        .click();
      await eventually(
        () => cloud.model.issue('SUP-2')?.status.name === 'In Progress',
        'SUP-2 in progress',
      );
      expect(cloud.model.issue('SUP-2')?.status.name).toBe('In Progress');
    });

    it('when a user works by keyboard only then they can comment on an issue', async () => {
      const { cloud } = sandbox.jira;
      await page.goto(sandbox.urls.case);
      await issueRow('SUP-2').waitFor();
      const commentOn = label('Jira_Actions_Comment_Issue', 'SUP-2');
      await tabTo(page, (focused) => focused.label === commentOn);
      await page.keyboard.press('Enter');
      await tabTo(page, (focused) => focused.tag === 'textarea');
      await page.keyboard.type('Checked by keyboard only.');
      await tabTo(page, (focused) => focused.text === label('Jira_Comment_Button'));
      await shots.take(page, 'case-keyboard-comment');
      await page.keyboard.press('Enter');
      await eventually(
        () => JSON.stringify(cloud.model.issue('SUP-2')?.comments ?? []).includes('keyboard only'),
        'the keyboard comment in Jira',
      );
      expect((await focusedElement(page)).tag).not.toBe('');
    });
  });

  describe('unlink', () => {
    it('when a user confirms an unlink then Jira loses only the remote link to the record and the issue leaves the list', async () => {
      const { cloud } = sandbox.jira;
      const linked = cloud.model.issue('SUP-3');
      expect(linked?.remoteLinks).toHaveLength(1);
      const statusBefore = linked?.status.name;
      await issueRow('SUP-3')
        .getByRole('button', { name: label('Jira_Actions_Unlink_Issue', 'SUP-3'), exact: true })
        .click();
      const confirmation = page.getByRole('alertdialog', {
        name: label('Jira_Unlink_Title', 'SUP-3'),
      });
      await confirmation.waitFor();
      // Nothing changes before the user confirms.
      expect(cloud.model.issue('SUP-3')?.remoteLinks).toHaveLength(1);
      await shots.take(page, 'case-unlink-confirmation');
      await expectAccessible('case page: unlink confirmation');

      await confirmation
        .getByRole('button', { name: label('Jira_Unlink_Button'), exact: true })
        .click();
      await issueRow('SUP-3').waitFor({ state: 'detached' });
      expect(cloud.model.issue('SUP-3')?.remoteLinks).toEqual([]);
      expect(cloud.model.issue('SUP-3')?.status.name).toBe(statusBefore);
      expect(sandbox.org.records('Jira_Link__c').map((link) => link.Issue_Key__c)).not.toContain(
        'SUP-3',
      );
      await issueRow('SUP-1').waitFor();
    });
  });

  describe('audit log', () => {
    it('when the actions are done then the log shows one event per action, each with the acting user', async () => {
      const { salesforce, org } = sandbox;
      // The relay writes audit events back to Salesforce in batches; wait until all are there.
      const operations = () =>
        salesforce
          .records('Jira_Audit_Event__c')
          .map((event) => `${event.Operation__c}/${event.Outcome__c}`);
      await eventually(
        () =>
          ['Create/Success', 'Link/Success', 'Unlink/Success', 'Transition/Success'].every((op) =>
            operations().includes(op),
          ) &&
          operations().filter((op) => op === 'Comment/Success').length === 2 &&
          operations().filter((op) => op === 'Create/Success').length === 2,
        'the audit events in Salesforce',
      );
      const events = salesforce.records('Jira_Audit_Event__c');
      const count = (operation: string, outcome = 'Success') =>
        events.filter((event) => event.Operation__c === operation && event.Outcome__c === outcome)
          .length;
      // The create, and the create with a file, whose event names the file and its size only.
      expect(count('Create')).toBe(2);
      expect(
        events.filter((event) => event.Operation__c === 'Create').map((e) => e.Files_Sent__c),
      ).toEqual(expect.arrayContaining(['checkout-trace.log (48213 bytes): attached']));
      expect(count('Link')).toBe(1);
      expect(count('Unlink')).toBe(1);
      expect(count('Comment')).toBe(2);
      expect(count('Transition')).toBe(1);
      // The seeded connection, then OAuth, API token, PAT and Server/DC OAuth (one event when
      // Jira's consent completes it, none for the pending save) from the setup screen.
      expect(count('Connect')).toBe(5);
      expect(events.every((event) => event.Acting_User__c === org.userId)).toBe(true);

      await page.goto(sandbox.urls.audit);
      const rows = page.locator('table tbody tr');
      await rows.first().waitFor();
      const table = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));
      for (const operation of ['Create', 'Link', 'Unlink', 'Comment', 'Transition', 'Connect']) {
        expect(table.filter((text) => text.includes(operation)).length).toBeGreaterThanOrEqual(1);
      }
      expect(
        table.filter((text) => text.includes('Create') && text.includes('SUP-4')),
      ).toHaveLength(1);
      expect(table.every((text) => text.includes('Sam Sandbox'))).toBe(true);
      await shots.take(page, 'audit-log');
      await expectAccessible('audit log');
    });
  });

  // After the audit log, whose counts the link made here would change.
  describe('duplicate guard', () => {
    /** The duplicate guard's searches (the card's status reads use the same route). */
    const guardSearches = () =>
      sandbox.jira.cloud.log.filter(
        (entry) =>
          entry.key === 'GET /rest/api/3/search/jql' &&
          (new URLSearchParams(entry.search).get('jql') ?? '').includes('summary ~'),
      ).length;
    const WITH_FILES = 'Support escalation with files';
    const refundCasePage = () => `${sandbox.urls.case}?id=${sandbox.refundCaseId}`;

    /** Opens the create dialog on the refund case with a template; waits for its preview. */
    async function openCreate(template: string): Promise<Locator> {
      await page.goto(refundCasePage());
      await page
        .getByRole('button', { name: label('Jira_Actions_Create'), exact: true })
        .first()
        .click();
      const panel = page.getByRole('region', { name: label('Jira_Create_Title') });
      await choose(panel, label('Jira_Template'), template);
      await panel.locator('table.preview').waitFor();
      return panel;
    }

    it('when a case describes what an open Jira issue already tracks then the create dialog offers it, and Link instead links it', async () => {
      const { cloud } = sandbox.jira;
      const searchesBefore = guardSearches();
      const issuesBefore = cloud.model.issues.size;

      const panel = await openCreate(WITH_FILES);
      const similar = panel.locator('c-jira-similar-issues li.similar-issue');
      await similar.first().waitFor();
      const offered = await similar.evaluateAll((rows) =>
        rows.map((row) => [
          row.getAttribute('data-key'),
          row.querySelector('.summary')?.textContent ?? '',
        ]),
      );
      // SUP-2 is linked to the other case only, so it is offered, not marked linked.
      expect(offered).toEqual([['SUP-2', 'Refund confirmation email not sent']]);
      expect(guardSearches()).toBe(searchesBefore + 1);
      await shots.take(page, 'case-create-similar-issues');
      await expectAccessible('case page: possible existing issues');

      await similar
        .filter({ hasText: 'SUP-2' })
        .getByRole('button', { name: label('Jira_Similar_Issues_Link_Instead'), exact: true })
        .click();
      await page
        .getByRole('status')
        .filter({ hasText: label('Jira_Link_Success', 'SUP-2') })
        .first()
        .waitFor();
      await issueRow('SUP-2').waitFor();
      const template = sandbox.org
        .records('Jira_Rule_Template__c')
        .find((row) => row.Name === WITH_FILES);
      expect(
        sandbox.org
          .records('Jira_Link__c')
          .filter((link) => link.Record_Id__c === sandbox.refundCaseId)
          .map((link) => [link.Issue_Key__c, link.Template__c]),
      ).toEqual([['SUP-2', template?.Id]]);
      expect(cloud.model.issues.size).toBe(issuesBefore);
      expect(cloud.model.issue('SUP-2')?.remoteLinks.map((link) => link.object.url)).toContain(
        `${sandbox.org.domainUrl}/${sandbox.refundCaseId}`,
      );
      await shots.take(page, 'case-linked-instead');
    });

    it('when the admin switches the template’s duplicate check off then the create dialog shows no possible existing issue and Jira is not searched', async () => {
      await page.goto(sandbox.urls.templates);
      await page.getByRole('button', { name: WITH_FILES, exact: true }).click();
      const check = page.getByRole('checkbox', {
        name: label('Jira_Editor_Duplicate_Check'),
        exact: true,
      });
      await expect(filledValue(page.locator('lightning-input.name input'))).resolves.toBe(
        WITH_FILES,
      );
      await expect(check.isChecked()).resolves.toBe(true);
      const id = await check.getAttribute('id');
      await page.locator(`label[for="${id}"]`).click();
      await expect(check.isChecked()).resolves.toBe(false);
      await page.getByRole('button', { name: label('Jira_Editor_Save'), exact: true }).click();
      await page.getByText(label('Jira_Editor_Saved', WITH_FILES)).first().waitFor();
      expect(
        sandbox.org.records('Jira_Rule_Template__c').find((row) => row.Name === WITH_FILES)
          ?.Duplicate_Check__c,
      ).toBe(false);

      const searchesBefore = guardSearches();
      const panel = await openCreate(WITH_FILES);
      await expect(panel.locator('c-jira-similar-issues li').count()).resolves.toBe(0);
      await expect(panel.locator('c-jira-similar-issues .not-checked').count()).resolves.toBe(0);
      expect(guardSearches()).toBe(searchesBefore);

      // The other template still checks (its summary names the account, so nothing matches).
      await choose(panel, label('Jira_Template'), 'Support escalation');
      await panel
        .locator('tr[data-field="summary"] .value')
        .filter({ hasText: 'Refund confirmation email not sent (Acme Corporation)' })
        .waitFor();
      expect(guardSearches()).toBe(searchesBefore + 1);
    });
  });

  // From here on the seeded connection no longer acts only as its own Jira account.
  describe('acting as the real Jira user', () => {
    const card = () => page.locator('c-jira-my-jira section.my-jira');
    const cardRow = () => card().locator(`li.account[data-name="${SEEDED_CONNECTION}"]`);
    const cardState = () => cardRow().locator('.state');
    const userGrants = () => connectionRow(SEEDED_CONNECTION).locator('.user-grants');
    /** The Atlassian account of the seeded Salesforce user, as the Jira double holds it. */
    const samInJira = () => {
      const account = sandbox.jira.cloud.model.users.find(
        (user) => user.accountId === SANDBOX_USER_JIRA_ACCOUNT.accountId,
      );
      if (!account) throw new Error('the seed gave the Jira double no account of Sam’s');
      return account;
    };
    const relayIdentity = async () =>
      (await sandbox.shim.relay.listConnections()).find(
        (connection) => connection.name === SEEDED_CONNECTION,
      )?.identity;

    /** Sets on the setup screen how the seeded connection acts in Jira, as an admin does. */
    async function setIdentity(option: string): Promise<void> {
      await page.goto(sandbox.urls.setup);
      await connectionRow(SEEDED_CONNECTION).waitFor();
      await choose(
        connectionRow(SEEDED_CONNECTION),
        label('Jira_Setup_Identity', SEEDED_CONNECTION),
        option,
      );
      await page
        .getByRole('status')
        .filter({ hasText: label('Jira_Setup_Settings_Saved', SEEDED_CONNECTION) })
        .first()
        .waitFor();
    }

    /** Opens the comment form on an issue of the case page and sends `text`. */
    async function comment(key: string, text: string): Promise<void> {
      await issueRow(key)
        .getByRole('button', { name: label('Jira_Actions_Comment_Issue', key) })
        .click();
      await page.locator('lightning-textarea.body textarea').fill(text);
      await page.getByRole('button', { name: label('Jira_Comment_Button'), exact: true }).click();
    }

    it('when an admin lets the case’s connection prefer the user’s own Jira account then the relay keeps it and the case page offers “Act as me in Jira”, not connected', async () => {
      await expect(relayIdentity()).resolves.toBe('service');
      await setIdentity(label('Jira_Setup_Identity_Prefer_User'));
      await expect(relayIdentity()).resolves.toBe('prefer_user');
      await shots.take(page, 'setup-identity-prefer-user');

      await page.goto(sandbox.urls.case);
      await cardRow().waitFor();
      await expect(cardState().textContent()).resolves.toBe(label('Jira_My_Jira_Not_Connected'));
      await shots.take(page, 'case-act-as-me');
      await expectAccessible('case page: act as me, not connected');
    });

    it('when the user connects their Atlassian account then the consent page and the relay’s callback follow in a new window, and back on the case page the card shows them connected as their Jira account', async () => {
      const { cloud } = sandbox.jira;
      const oauth = cloud.oauth;
      if (!oauth) throw new Error('the Cloud double has no OAuth server');
      // In that window Atlassian knows the user as themselves, not as the connection's admin.
      oauth.consentAs = samInJira();
      try {
        const tokensBefore = oauth.tokenRequests.length;
        const [atlassian] = await Promise.all([
          browser.context.waitForEvent('page'),
          cardRow()
            .getByRole('button', { name: label('Jira_My_Jira_Connect'), exact: true })
            .click(),
        ]);
        await atlassian.getByRole('button', { name: 'Allow' }).waitFor();
        expect(new URL(atlassian.url()).origin).toBe(cloud.url);
        await cardRow().getByText(label('Jira_My_Jira_Consent_Hint')).waitFor();
        await shots.take(atlassian, 'my-jira-consent');
        await atlassian.getByRole('button', { name: 'Allow' }).click();
        await atlassian.getByRole('heading', { name: 'Your Jira account is connected' }).waitFor();
        await expect(atlassian.locator('body').textContent()).resolves.toContain('Sam Sandbox');
        await shots.take(atlassian, 'my-jira-callback');
        expect(oauth.tokenRequests.slice(tokensBefore)).toEqual([
          expect.objectContaining({
            grant_type: 'authorization_code',
            redirect_uri: `${sandbox.relay.publicUrl}/oauth/callback`,
          }),
        ]);
        await atlassian.close();
      } finally {
        oauth.consentAs = undefined;
      }

      // Until the user comes back the card waits. Playwright emulates focus (every page
      // believes it has it), so the focus event the browser sends a page the user returns to
      // is sent here by hand; on it, the card reads the account again.
      await expect(cardState().textContent()).resolves.toBe(label('Jira_My_Jira_Not_Connected'));
      await cardRow().getByText(label('Jira_My_Jira_Consent_Hint')).waitFor();
      await page.bringToFront();
      await page.evaluate(() =>
        (globalThis as unknown as EventTarget).dispatchEvent(new Event('focus')),
      );
      await cardState()
        .filter({ hasText: label('Jira_My_Jira_Connected', 'Sam Sandbox') })
        .waitFor({ timeout: 15_000 });
      await expect(
        cardRow()
          .getByRole('button', { name: label('Jira_My_Jira_Disconnect'), exact: true })
          .count(),
      ).resolves.toBe(1);
      await shots.take(page, 'case-act-as-me-connected');
      await expectAccessible('case page: act as me, connected');
    });

    it('when the connected user comments then Jira records their own account as the author, and the comment names no Salesforce user', async () => {
      const { cloud } = sandbox.jira;
      const ada = cloud.model.users[0];
      const comments = () => cloud.model.issue('SUP-1')?.comments ?? [];
      const before = comments().length;
      await comment('SUP-1', 'Reproduced with the customer on a call.');
      await eventually(() => comments().length === before + 1, 'the user’s comment in Jira');
      const posted = comments()[before];
      expect(posted?.author.accountId).toBe(SANDBOX_USER_JIRA_ACCOUNT.accountId);
      expect(posted?.author.accountId).not.toBe(ada?.accountId);
      const body = JSON.stringify(posted?.body);
      expect(body).toContain('Reproduced with the customer on a call.');
      // Jira names the author: the body links the record but carries no attribution stamp.
      expect(body).toContain('From Salesforce record');
      expect(body).not.toContain('Comment by');
      expect(body).not.toContain('Sam Sandbox');
      expect(body).not.toContain('sam.sandbox@example.com');
      await page.getByRole('region', { name: label('Jira_View_Title', 'SUP-1') }).waitFor();
      await shots.take(page, 'case-act-as-me-commented');
      // The audit event says the action ran as the user's own Jira account.
      await eventually(
        () =>
          sandbox.salesforce
            .records('Jira_Audit_Event__c')
            .some((event) => event.Operation__c === 'Comment' && event.Identity__c === 'user'),
        'the comment’s audit event, acting as the user',
      );
    });

    it('when an admin revokes the user’s Jira accounts then the setup screen counts one connected user before and none after, and the case page shows them not connected', async () => {
      await page.goto(sandbox.urls.setup);
      await userGrants().waitFor();
      await expect(userGrants().textContent()).resolves.toContain(
        label('Jira_Setup_User_Grants', 1, 0),
      );
      await page.getByLabel(label('Jira_Setup_Offboarding_User')).fill(sandbox.org.userId);
      await shots.take(page, 'setup-offboarding');
      await expectAccessible('setup: offboarding');
      await page
        .getByRole('button', { name: label('Jira_Setup_Offboarding_Revoke'), exact: true })
        .click();
      await page
        .getByRole('status')
        .filter({ hasText: label('Jira_Setup_Offboarding_Done', SEEDED_CONNECTION) })
        .first()
        .waitFor();
      await userGrants()
        .filter({ hasText: label('Jira_Setup_User_Grants', 0, 0) })
        .waitFor();
      await shots.take(page, 'setup-offboarded');

      await page.goto(sandbox.urls.case);
      await cardRow().waitFor();
      await expect(cardState().textContent()).resolves.toBe(label('Jira_My_Jira_Not_Connected'));
    });

    it('when the connection requires the user’s own account and they have none then the card says so, and a comment is refused with “Connect your Jira account” before Jira is called', async () => {
      const { cloud } = sandbox.jira;
      await setIdentity(label('Jira_Setup_Identity_Require_User'));
      await expect(relayIdentity()).resolves.toBe('require_user');

      await page.goto(sandbox.urls.case);
      await cardRow().waitFor();
      await expect(cardState().textContent()).resolves.toBe(label('Jira_My_Jira_Required'));
      const commentPosts = () =>
        cloud.log.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/comment'))
          .length;
      const commentsBefore = commentPosts();
      await comment('SUP-1', 'This must not reach Jira.');
      const prompt = page
        .getByRole('alert')
        .filter({ has: page.getByRole('heading', { name: label('Jira_My_Jira_Connect_Prompt') }) });
      await prompt.waitFor();
      await expect(prompt.textContent()).resolves.toContain(
        label('Jira_My_Jira_Connect_Prompt_Detail'),
      );
      expect(commentPosts()).toBe(commentsBefore);
      expect(JSON.stringify(cloud.model.issue('SUP-1')?.comments)).not.toContain('must not reach');
      await shots.take(page, 'case-act-as-me-required');
      await expectAccessible('case page: connect your Jira account');
    });
  });

  // After the others: these steps break a Jira project under a template of their own, and the
  // grant of a connection of their own; they put the project back and remove what they added.
  describe('health before failure: what will fail is shown before a user’s click', () => {
    const health = () => page.locator('c-jira-health-panel');
    const healthConnection = (name: string) =>
      health().locator(`li.health-connection[data-name="${name}"]`);
    const healthTemplate = (id: string) => health().locator(`li.health-template[data-id="${id}"]`);
    const templates: string[] = [];
    const connections: string[] = [];

    /** An active Case template of this block's own. */
    function seedTemplate(fields: Record<string, unknown>): string {
      const template = sandbox.org.insert('Jira_Rule_Template__c', {
        Active__c: true,
        Object_Api_Name__c: 'Case',
        Summary__c: '{{Subject}}',
        Description__c: 'Salesforce case {{CaseNumber}}: {{$Record.Url}}',
        Field_Mappings__c: '',
        Remote_Link__c: true,
        Allow_Comments__c: true,
        Allowed_Transitions__c: '',
        Duplicate_Check__c: false,
        ...fields,
      });
      templates.push(template.Id);
      return template.Id;
    }

    /** A Jira Cloud OAuth connection of this block's own, consented by `account`. */
    async function connectCloudOAuth(name: string, account: JiraUser): Promise<void> {
      const oauth = sandbox.jira.cloud.oauth;
      if (!oauth) throw new Error('the Cloud double has no OAuth server');
      const start = (await APEX_CONTROLLERS.JiraSetupController?.startOAuth?.invoke(sandbox.shim, {
        name,
        returnUrl: sandbox.urls.setup,
      })) as { authorizeUrl: string };
      connections.push(name);
      const { consentPage, consentAs } = oauth;
      oauth.consentPage = false;
      oauth.consentAs = account;
      try {
        await new OAuthBrowser(sandbox.relay.url, sandbox.relay.publicUrl).authorize(
          start.authorizeUrl,
        );
      } finally {
        oauth.consentPage = consentPage;
        oauth.consentAs = consentAs;
      }
    }

    /**
     * Whether the case page's create or link panel offers the template `name` in its picker,
     * read once the picker lists the seeded template every case may use.
     */
    async function offers(action: 'create' | 'link', name: string): Promise<boolean> {
      const [button, title] =
        action === 'create'
          ? [label('Jira_Actions_Create'), label('Jira_Create_Title')]
          : [label('Jira_Actions_Link'), label('Jira_Link_Title')];
      await page.getByRole('button', { name: button, exact: true }).first().click();
      const panel = page.getByRole('region', { name: title });
      await panel.getByRole('combobox', { name: label('Jira_Template') }).click();
      await panel.getByRole('option', { name: 'Support escalation', exact: true }).waitFor();
      const offered = await panel.getByRole('option', { name, exact: true }).count();
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: button, exact: true }).first().click();
      await panel.waitFor({ state: 'detached' });
      return offered === 1;
    }

    afterAll(async () => {
      for (const id of templates) sandbox.org.delete(id);
      for (const name of connections) await sandbox.shim.relay.deleteConnection(name);
    });

    it('when Jira no longer has a template’s project then the health panel shows the error with its next step, the template list marks the template broken, and the case page no longer offers it', async () => {
      const { cloud } = sandbox.jira;
      const name = 'Cloud incidents';
      const templateId = seedTemplate({
        Name: name,
        Connection__c: SEEDED_CONNECTION,
        Project_Key__c: 'OPS',
        Issue_Type__c: 'Incident',
        Field_Mappings__c: JSON.stringify([
          { jiraField: 'customfield_10060', value: 'Customers cannot pay' },
        ]),
      });
      // Not checked yet: the case page offers it like any active template.
      await page.goto(sandbox.urls.case);
      await issueRow('SUP-1').waitFor();
      await expect(offers('create', name)).resolves.toBe(true);

      // A Jira admin deletes the project (OPS in the Cloud double: no other template uses it).
      const at = cloud.model.projects.findIndex((project) => project.key === 'OPS');
      const [ops] = cloud.model.projects.splice(at, 1);
      try {
        await page.goto(sandbox.urls.setup);
        const broken = healthTemplate(templateId);
        await broken.waitFor();
        await expect(broken.locator('.name').textContent()).resolves.toBe(name);
        await expect(broken.locator('.status').textContent()).resolves.toBe(
          label('Jira_Health_Status_Error'),
        );
        const problem = broken.locator('li.problem[data-code="PROJECT_NOT_FOUND"]');
        await expect(problem.locator('.message').textContent()).resolves.toBe(
          "Jira project OPS does not exist, or the connection's Jira account cannot see it.",
        );
        await expect(problem.locator('.next-step').textContent()).resolves.toBe(
          `${label('Jira_Health_Next_Step')} Choose another project in the template, or ask a Jira admin to give the connection's account access to OPS.`,
        );
        // Its severity in words, as a screen reader reads the icon before the message.
        await expect(
          problem.locator('lightning-icon .slds-assistive-text').textContent(),
        ).resolves.toBe(label('Jira_Health_Status_Error'));
        await expect(health().locator('.templates-ok').count()).resolves.toBe(0);
        await shots.take(page, 'setup-health-template-broken');
        await expectAccessible('setup: health, a template broken');
      } finally {
        if (ops) cloud.model.projects.splice(at, 0, ops);
      }

      // The check recorded it: the template list marks it, with its problem and next step.
      await page.goto(sandbox.urls.templates);
      const item = page
        .locator('li.template-item')
        .filter({ has: page.getByRole('button', { name, exact: true }) });
      await item.locator('.health').waitFor();
      await expect(item.locator('.health').textContent()).resolves.toContain(
        label('Jira_Health_Status_Error'),
      );
      const marked = item.getByRole('list', { name: label('Jira_Health_Problems_Of', name) });
      await expect(marked.locator('.message').textContent()).resolves.toContain(
        'Jira project OPS does not exist',
      );
      await expect(marked.locator('.next-step').textContent()).resolves.toContain(
        'Choose another project in the template',
      );
      await shots.take(page, 'templates-health-broken');
      await expectAccessible('template editor: a template broken');

      // The case page offers the other templates, not this one.
      await page.goto(sandbox.urls.case);
      await issueRow('SUP-1').waitFor();
      await expect(offers('create', name)).resolves.toBe(false);
      await expect(offers('link', name)).resolves.toBe(false);
    });

    it('when the Atlassian account behind a connection removes the app then Check now finds the connection needing re-authorization, and the case page asks for an admin’s reconnect before the user fills anything in and offers nothing that would fail', async () => {
      const { cloud } = sandbox.jira;
      const connection = 'health-oauth';
      const name = 'Escalation through health-oauth';
      const account: JiraUser = {
        accountId: '5b10a2844c20165700ede41h',
        name: 'hana',
        key: 'JIRAUSER10200',
        displayName: 'Hana Integration',
        emailAddress: 'hana.integration@example.com',
      };
      cloud.model.users.push(account);
      await connectCloudOAuth(connection, account);
      seedTemplate({
        Name: name,
        Connection__c: connection,
        Project_Key__c: 'SUP',
        Issue_Type__c: 'Task',
      });
      const reconnect = page
        .getByRole('alert')
        .filter({ hasText: label('Jira_Actions_Reconnect', connection) });
      await page.goto(sandbox.urls.setup);
      await expect(healthConnection(connection).locator('.status').textContent()).resolves.toBe(
        label('Jira_Health_Status_Ok'),
      );
      await page.goto(sandbox.urls.case);
      await issueRow('SUP-1').waitFor();
      await expect(offers('create', name)).resolves.toBe(true);
      await expect(reconnect.count()).resolves.toBe(0);

      // The account removes the app in Atlassian: the relay learns it at its next call.
      cloud.oauth?.revokeGrantsOf(account);
      await page.goto(sandbox.urls.setup);
      await healthConnection(connection).waitFor();
      await health()
        .getByRole('button', { name: label('Jira_Health_Check_Now') })
        .click();
      await health().locator('lightning-spinner').waitFor({ state: 'detached', timeout: 15_000 });
      const row = healthConnection(connection);
      await expect(row.locator('.status').textContent()).resolves.toBe(
        label('Jira_Health_Status_Error'),
      );
      const problem = row.locator('li.problem[data-code="CONNECTION_NEEDS_REAUTH"]');
      await expect(problem.locator('.message').textContent()).resolves.toMatch(
        /^Connection "health-oauth" must be authorized again/,
      );
      await expect(problem.locator('.next-step').textContent()).resolves.toBe(
        `${label('Jira_Health_Next_Step')} Reconnect the connection on the Jira setup screen.`,
      );
      // Its severity in words, as a screen reader reads the icon before the message.
      await expect(
        problem.locator('lightning-icon .slds-assistive-text').textContent(),
      ).resolves.toBe(label('Jira_Health_Status_Error'));
      expect(
        (await sandbox.shim.relay.listConnections()).find((c) => c.name === connection)?.status,
      ).toBe('needs_reauth');
      await shots.take(page, 'setup-health-needs-reauth');
      await expectAccessible('setup: health, a connection needing re-authorization');

      // The case page says so as it opens, before any panel is open.
      await page.goto(sandbox.urls.case);
      await reconnect.waitFor();
      await expect(page.locator('c-jira-create-issue, c-jira-link-issue').count()).resolves.toBe(0);
      await shots.take(page, 'case-reconnect');
      await expectAccessible('case page: reconnect');
      // Neither create nor link offers the connection's template.
      await expect(offers('create', name)).resolves.toBe(false);
      await expect(offers('link', name)).resolves.toBe(false);
      await expect(reconnect.count()).resolves.toBe(1);
    });
  });

  it('the browser logged no error on any screen', () => {
    expect(errors.errors).toEqual([]);
    expect(sandbox.jira.cloud.violations).toEqual([]);
    expect(sandbox.jira.server.violations).toEqual([]);
  });
});
