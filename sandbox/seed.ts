import type { JiraDouble } from '../relay-service/test/support/jira-double';
import { STATUSES } from '../relay-service/test/support/jira-double';
import type { JiraUser } from '../relay-service/test/support/jira-double/model';
import {
  seededBytes,
  type DoubleFiles,
} from '../relay-service/test/support/salesforce-double/files';
import type { SandboxOrg } from './org/org';
import { attachFile } from './shim/record-files';

/**
 * What the sandbox starts with: a user, an account with a contact, a case with three files,
 * a second case about a problem Jira already has an issue for (the duplicate guard's case),
 * rule templates (one for cases that lets users send log, text and image files), and in the
 * Jira Cloud double a few issues, two of them linked to the case (one of
 * them with a description that tries to run a script: the inline view must keep it inert),
 * and besides the connection's own account (Ada, the double's first user) an Atlassian account
 * of the Salesforce user's, for "Act as me in Jira".
 */

/** The connection the seeded templates and links use (connected by OAuth at start). */
export const SEEDED_CONNECTION = 'acme-cloud';

export const SCRIPT_MARKER = 'window.__jiraScriptRan';

const adf = (...paragraphs: string[]) => ({
  type: 'doc',
  version: 1,
  content: paragraphs.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })),
});

export interface SeededOrg {
  caseId: string;
  /** A case whose subject is the summary of a seeded Jira issue linked to the first case only. */
  refundCaseId: string;
  templateId: string;
}

export function seedOrg(org: SandboxOrg): SeededOrg {
  const user = org.insert('User', {
    Name: 'Sam Sandbox',
    Email: 'sam.sandbox@example.com',
    Username: 'sam.sandbox@pharos-sandbox.example',
  });
  org.userId = user.Id;
  const account = org.insert('Account', {
    Name: 'Acme Corporation',
    AccountNumber: 'ACME-0042',
    Industry: 'Retail',
    Phone: '+44 20 7946 0958',
    Website: 'https://acme.example',
    OwnerId: user.Id,
  });
  const contact = org.insert('Contact', {
    Name: 'Jordan Reyes',
    Email: 'jordan.reyes@acme.example',
    AccountId: account.Id,
    OwnerId: user.Id,
  });
  const caseRecord = org.insert('Case', {
    CaseNumber: '00001026',
    Subject: 'Checkout fails for card payments',
    Description:
      'Since this morning customers cannot pay by card: the checkout page spins and then shows "Payment declined". PayPal still works.',
    Priority: 'High',
    Status: 'Escalated',
    Origin: 'Web',
    AccountId: account.Id,
    ContactId: contact.Id,
    OwnerId: user.Id,
  });
  // Another customer reports what SUP-2 (linked to the first case) already tracks.
  const refundCase = org.insert('Case', {
    CaseNumber: '00001027',
    Subject: 'Refund confirmation email not sent',
    Description: 'I was refunded yesterday but never got the confirmation email.',
    Priority: 'Medium',
    Status: 'New',
    Origin: 'Email',
    AccountId: account.Id,
    ContactId: contact.Id,
    OwnerId: user.Id,
  });
  const template = org.insert('Jira_Rule_Template__c', {
    Name: 'Support escalation',
    Active__c: true,
    Object_Api_Name__c: 'Case',
    Connection__c: SEEDED_CONNECTION,
    Project_Key__c: 'SUP',
    Issue_Type__c: 'Bug',
    Summary__c: '{{Subject}} ({{Account.Name}})',
    Description__c: '{{Description}}\n\nSalesforce case {{CaseNumber}}: {{$Record.Url}}',
    Field_Mappings__c: JSON.stringify([
      {
        jiraField: 'priority',
        value: '{{Priority}}',
        valueMap: { High: 'Highest', Low: 'Low' },
        default: 'Medium',
      },
    ]),
    Remote_Link__c: true,
    Allow_Comments__c: true,
    Allowed_Transitions__c: 'In Progress',
    Duplicate_Check__c: true,
  });
  org.insert('Jira_Rule_Template__c', {
    Name: 'Account review (inactive)',
    Active__c: false,
    Object_Api_Name__c: 'Account',
    Connection__c: SEEDED_CONNECTION,
    Project_Key__c: 'SUP',
    Issue_Type__c: 'Task',
    Summary__c: 'Review {{Name}}',
    Description__c: '',
    Field_Mappings__c: '',
    Remote_Link__c: false,
    Allow_Comments__c: false,
    Allowed_Transitions__c: '',
    Duplicate_Check__c: true,
  });
  org.insert('Jira_Rule_Template__c', {
    Name: 'Support escalation with files',
    Active__c: true,
    Object_Api_Name__c: 'Case',
    Connection__c: SEEDED_CONNECTION,
    Project_Key__c: 'SUP',
    Issue_Type__c: 'Bug',
    Summary__c: '{{Subject}}',
    Description__c: 'Salesforce case {{CaseNumber}}: {{$Record.Url}}',
    Field_Mappings__c: '',
    Remote_Link__c: true,
    Allow_Comments__c: true,
    Allowed_Transitions__c: '',
    Duplicate_Check__c: true,
    Attachments_Allowed__c: true,
    Attachment_Extensions__c: 'log, txt, png',
    Attachment_Max_File_MB__c: 5,
    Attachment_Max_Total_MB__c: 8,
    Attachment_Max_Files__c: 3,
  });
  seedFiles(org, caseRecord.Id);
  return { caseId: caseRecord.Id, refundCaseId: refundCase.Id, templateId: template.Id };
}

/** The seeded case's files: bodies made up but deterministic, so a test can check them by hash. */
/** The case's files; their bytes come from `seed` (seededBytes), so a test can hash them. */
export const SEEDED_FILES = [
  { title: 'checkout-trace', extension: 'log', bytes: 48_213, seed: 101 },
  { title: 'payment-page', extension: 'png', bytes: 204_800, seed: 202 },
  { title: 'heap-dump', extension: 'bin', bytes: 9_000_000, seed: 303 },
] as const;

function seedFiles(org: SandboxOrg, caseId: string): void {
  for (const file of SEEDED_FILES) {
    const body = Buffer.concat([...seededBytes(file.seed, file.bytes)]);
    attachFile(org, caseId, { title: file.title, extension: file.extension, body });
  }
}

/**
 * Hands the org's seeded files to the Salesforce double under the org's own ids, so the relay
 * (reading files with the tenant's write-back credential) finds and streams exactly them.
 */
export function shareFilesWith(org: SandboxOrg, files: DoubleFiles): void {
  for (const version of org.records('ContentVersion')) {
    const seeded = SEEDED_FILES.find((file) => file.title === version.Title);
    if (!seeded) continue;
    const linkedTo = org
      .records('ContentDocumentLink')
      .filter((link) => link.ContentDocumentId === version.ContentDocumentId)
      .map((link) => String(link.LinkedEntityId));
    files.add({
      title: seeded.title,
      extension: seeded.extension,
      size: seeded.bytes,
      seed: seeded.seed,
      linkedTo,
      contentVersionId: String(version.Id),
      contentDocumentId: String(version.ContentDocumentId),
    });
  }
}

/** The seeded Salesforce user's own Atlassian account (not the connection's). */
export const SANDBOX_USER_JIRA_ACCOUNT: JiraUser = {
  accountId: '5b10a2844c20165700ede31s',
  name: 'sam',
  key: 'JIRAUSER10100',
  displayName: 'Sam Sandbox',
  emailAddress: 'sam.sandbox@example.com',
};

/** Issues and users in the Cloud double; returns the keys of the issues the case links to. */
export function seedJira(jira: JiraDouble): string[] {
  const { model } = jira;
  model.users.push({ ...SANDBOX_USER_JIRA_ACCOUNT });
  const support = model.project('SUP');
  const bug = support?.issueTypes.find((type) => type.name === 'Bug');
  const reporter = model.users[0];
  if (!support || !bug || !reporter) throw new Error('the Jira double has no SUP project');
  const create = (summary: string, description: ReturnType<typeof adf>, priority: string) =>
    model.createIssue({
      project: support,
      issueType: bug,
      reporter,
      fields: { summary, description, priority: { name: priority } },
    });
  const declined = create(
    'Card payments declined at checkout',
    adf(
      'Payment provider answers 402 for every Visa card since 08:10.',
      `<script>${SCRIPT_MARKER} = true</script><img src="x" onerror="${SCRIPT_MARKER} = true">Logs attached.`,
    ),
    'Highest',
  );
  declined.status = STATUSES.progress;
  const refund = create(
    'Refund confirmation email not sent',
    adf('Customers get no email after a refund.'),
    'Medium',
  );
  create(
    'Checkout button unresponsive on mobile Safari',
    adf('Tapping "Pay now" does nothing on iOS 18.'),
    'High',
  );
  return [declined.key, refund.key];
}
