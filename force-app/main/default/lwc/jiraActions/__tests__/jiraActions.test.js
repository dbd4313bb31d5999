import { createElement } from 'lwc';
import JiraActions from 'c/jiraActions';
import getTemplates from '@salesforce/apex/JiraActionsController.getTemplates';
import getLinkedIssues from '@salesforce/apex/JiraActionsController.getLinkedIssues';
import viewIssue from '@salesforce/apex/JiraActionsController.viewIssue';
import previewIssue from '@salesforce/apex/JiraActionsController.previewIssue';
import getTransitions from '@salesforce/apex/JiraActionsController.getTransitions';
import getConnectionsToReconnect from '@salesforce/apex/JiraActionsController.getConnectionsToReconnect';

jest.mock(
  '@salesforce/apex/JiraActionsController.getTemplates',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraActionsController.getConnectionsToReconnect',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Actions_Reconnect',
  () => ({ default: 'Ask your Jira admin to reconnect {0}.' }),
  {
    virtual: true,
  },
);
jest.mock(
  '@salesforce/apex/JiraActionsController.getLinkedIssues',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
// Apex of the child components that load on their own.
jest.mock('@salesforce/apex/JiraActionsController.viewIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraActionsController.previewIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraActionsController.getTransitions', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Actions_View_Issue', () => ({ default: 'View {0}' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Actions_Comment_Issue', () => ({ default: 'Comment on {0}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Actions_Transition_Issue',
  () => ({ default: 'Change status of {0}' }),
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_Actions_Unlink_Issue', () => ({ default: 'Unlink {0}' }), {
  virtual: true,
});

const TEMPLATES = require('./data/templates.json');
const LINKED = require('./data/linkedIssues.json');
const UNREACHABLE = require('./data/unreachableError.json');
const RECORD_ID = '500000000000001AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render(props = {}) {
  const element = createElement('c-jira-actions', { is: JiraActions });
  Object.assign(element, { recordId: RECORD_ID, objectApiName: 'Case' }, props);
  document.body.appendChild(element);
  return element;
}

describe('c-jira-actions', () => {
  beforeEach(() => {
    viewIssue.mockResolvedValue({ key: 'SUP-42', transitions: [], comments: [] });
    previewIssue.mockResolvedValue({ payloadJson: null, problems: [] });
    getTransitions.mockResolvedValue([]);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when opened then the linked issues are read in one call and shown with compact status', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();

    expect(getLinkedIssues).toHaveBeenCalledTimes(1);
    expect(getLinkedIssues).toHaveBeenCalledWith({ recordId: RECORD_ID });
    expect($(element, 'lightning-spinner')).toBeNull();
    const keys = $$(element, 'a.issue-key').map((link) => link.textContent);
    expect(keys).toEqual(['SUP-42', 'OPS-7', 'SUP-1']);
    const [first, second, missing] = $$(element, 'li.issue');
    expect(first.querySelector('.slds-badge').textContent).toBe('In Progress');
    expect(first.querySelector('.action-transition')).not.toBeNull();
    // Without a template there is nothing the user may transition.
    expect(second.querySelector('.action-transition')).toBeNull();
    expect(second.querySelector('.action-comment')).not.toBeNull();
    expect(missing.querySelector('.missing').textContent).toBe('c.Jira_Actions_Missing');
    // An issue Jira no longer shows can only be unlinked.
    expect(
      [...missing.querySelectorAll('lightning-button-icon')].map((button) => button.className),
    ).toEqual(['action-unlink slds-m-left_xx-small']);
    expect(missing.querySelector('.action-unlink').alternativeText).toBe('Unlink SUP-1');
    expect($(element, 'lightning-card').title).toBe('c.Jira_Actions_Title (3)');
  });

  it('when an issue has no update time then no dangling "Updated" is shown', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    await flushPromises();
    const [first, second] = $$(element, 'li.issue');
    expect(first.querySelector('.updated').textContent).toMatch(/^c\.Jira_Field_Updated \S/);
    expect(second.querySelector('.updated')).toBeNull();
    expect(second.textContent).not.toContain('c.Jira_Field_Updated');
  });

  it('when an issue URL is not https then the key is shown as text, not as a link', async () => {
    getLinkedIssues.mockResolvedValue([
      { ...LINKED[0], url: 'javascript:alert(1)' },
      { ...LINKED[1], url: 'http://jira.acme.test/browse/OPS-7' },
      LINKED[2],
    ]);
    const element = render();
    await flushPromises();
    const [first, second, third] = $$(element, 'li.issue');
    expect(first.querySelector('a')).toBeNull();
    expect(first.querySelector('.issue-key').textContent).toBe('SUP-42');
    expect(second.querySelector('a')).toBeNull();
    expect(third.querySelector('a.issue-key').getAttribute('href')).toBe(LINKED[2].url);
  });

  it('when no issue is linked then the empty state is shown', async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, '.empty p').textContent).toBe('c.Jira_Actions_Empty');
    expect($(element, 'ul.issues')).toBeNull();
  });

  it('when the issues cannot be loaded then the error panel shows why and no empty state', async () => {
    getLinkedIssues.mockRejectedValue(UNREACHABLE);
    const element = render();
    await flushPromises();
    expect($(element, 'c-error-panel.issues-error').errors).toEqual(UNREACHABLE);
    expect($(element, '.empty')).toBeNull();
  });

  it('when the templates cannot be read then their error is shown', async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render();
    getTemplates.error({ message: 'boom' });
    await flushPromises();
    expect($(element, 'c-error-panel.templates-error').errors).toBeTruthy();
  });

  it("when a connection of the record's templates needs re-authorization then the card says so before anything is filled in", async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, '.reconnect')).toBeNull();

    getConnectionsToReconnect.emit(['jira-cloud']);
    await flushPromises();

    const notices = $$(element, '.reconnect');
    expect(notices.map((notice) => notice.textContent.trim())).toEqual([
      'Ask your Jira admin to reconnect jira-cloud.',
    ]);
    expect(notices[0].getAttribute('role')).toBe('alert');
    // Shown at once, with no create or link panel open yet.
    expect($(element, 'c-jira-create-issue')).toBeNull();
    expect(getConnectionsToReconnect.getLastConfig()).toEqual({ recordId: RECORD_ID });
  });

  it('when the reconnect state cannot be read then nothing is claimed', async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render();
    getConnectionsToReconnect.error();
    await flushPromises();
    expect($(element, '.reconnect')).toBeNull();
  });

  it('when Create is clicked then the create component gets the templates and the preferred one', async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render({ templateName: 'bug from case' });
    getTemplates.emit(TEMPLATES);
    await flushPromises();

    $(element, 'lightning-button.show-create').click();
    await flushPromises();
    const create = $(element, 'c-jira-create-issue');
    expect(create.recordId).toBe(RECORD_ID);
    expect(create.templates).toEqual(TEMPLATES.map(({ value, label }) => ({ value, label })));
    expect(create.defaultTemplateId).toBe('a0B000000000002AAA');
    expect($(element, 'c-jira-link-issue')).toBeNull();

    $(element, 'lightning-button.show-link').click();
    await flushPromises();
    expect($(element, 'c-jira-create-issue')).toBeNull();
    expect($(element, 'c-jira-link-issue')).not.toBeNull();
  });

  it('when a child creates an issue then the list and the page are refreshed', async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render();
    getTemplates.emit(TEMPLATES);
    const refresh = jest.fn();
    element.addEventListener('lightning__refresh', refresh);
    await flushPromises();
    $(element, 'lightning-button.show-create').click();
    await flushPromises();

    getLinkedIssues.mockResolvedValue(LINKED.slice(0, 1));
    $(element, 'c-jira-create-issue').dispatchEvent(
      new CustomEvent('issuecreated', { detail: { key: 'SUP-42' } }),
    );
    await flushPromises();

    expect(getLinkedIssues).toHaveBeenCalledTimes(2);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect($$(element, 'a.issue-key').map((link) => link.textContent)).toEqual(['SUP-42']);

    $(element, 'c-jira-create-issue').dispatchEvent(new CustomEvent('close'));
    await flushPromises();
    expect($(element, 'c-jira-create-issue')).toBeNull();
  });

  it('when a row action is clicked then that action opens inline and a second click closes it', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    await flushPromises();
    const view = $(element, 'li.issue .action-view');

    view.click();
    await flushPromises();
    expect($(element, 'c-jira-issue-view').linkId).toBe('a0C000000000042AAA');
    expect(view.getAttribute('aria-expanded')).toBe('true');

    $(element, 'li.issue .action-comment').click();
    await flushPromises();
    expect($(element, 'c-jira-issue-view')).toBeNull();
    const comment = $(element, 'c-jira-comment-issue');
    expect(comment.issueKey).toBe('SUP-42');
    expect(comment.templateId).toBe('a0B000000000001AAA');

    $(element, 'li.issue .action-comment').click();
    await flushPromises();
    expect($(element, 'c-jira-comment-issue')).toBeNull();
  });

  it('when a status changes then the list is refreshed and the issue view opens', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    await flushPromises();
    $(element, 'li.issue .action-transition').click();
    await flushPromises();

    $(element, 'c-jira-transition-issue').dispatchEvent(
      new CustomEvent('issuetransitioned', {
        detail: { linkId: 'a0C000000000042AAA', key: 'SUP-42' },
      }),
    );
    await flushPromises();

    expect(getLinkedIssues).toHaveBeenCalledTimes(2);
    expect($(element, 'c-jira-transition-issue')).toBeNull();
    expect($(element, 'c-jira-issue-view').linkId).toBe('a0C000000000042AAA');
  });

  it('when Unlink is clicked then a confirmation opens, and once unlinked the issue leaves the list and the page refreshes', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    const refresh = jest.fn();
    element.addEventListener('lightning__refresh', refresh);
    await flushPromises();
    const unlink = $(element, 'li.issue .action-unlink');

    unlink.click();
    await flushPromises();
    const confirmation = $(element, 'c-jira-unlink-issue');
    expect(confirmation.linkId).toBe('a0C000000000042AAA');
    expect(confirmation.issueKey).toBe('SUP-42');
    expect(unlink.getAttribute('aria-expanded')).toBe('true');
    expect(getLinkedIssues).toHaveBeenCalledTimes(1);

    getLinkedIssues.mockResolvedValue(LINKED.slice(1));
    confirmation.dispatchEvent(
      new CustomEvent('issueunlinked', { detail: { linkId: 'a0C000000000042AAA', key: 'SUP-42' } }),
    );
    await flushPromises();

    expect(getLinkedIssues).toHaveBeenCalledTimes(2);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect($(element, 'c-jira-unlink-issue')).toBeNull();
    expect($$(element, 'a.issue-key').map((link) => link.textContent)).toEqual(['OPS-7', 'SUP-1']);
  });

  it('when the unlink confirmation is cancelled then it closes and nothing is reloaded', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    await flushPromises();
    $(element, 'li.issue .action-unlink').click();
    await flushPromises();

    $(element, 'c-jira-unlink-issue').dispatchEvent(new CustomEvent('close'));
    await flushPromises();

    expect($(element, 'c-jira-unlink-issue')).toBeNull();
    expect(getLinkedIssues).toHaveBeenCalledTimes(1);
  });

  it('when refresh is clicked then the issues are read again', async () => {
    getLinkedIssues.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    $(element, 'lightning-button-icon.refresh').click();
    await flushPromises();
    expect(getLinkedIssues).toHaveBeenCalledTimes(2);
  });

  it('is accessible: icon buttons name the issue they act on and the list is labelled', async () => {
    getLinkedIssues.mockResolvedValue(LINKED);
    const element = render();
    await flushPromises();
    const names = $$(element, 'li.issue:first-child lightning-button-icon').map(
      (button) => button.alternativeText,
    );
    expect(names).toEqual([
      'View SUP-42',
      'Comment on SUP-42',
      'Change status of SUP-42',
      'Unlink SUP-42',
    ]);
    const tooltips = $$(element, 'li.issue:first-child lightning-button-icon').map(
      (button) => button.tooltip,
    );
    expect(tooltips).toEqual(names);
    expect($(element, 'lightning-button-icon.refresh').alternativeText).toBe(
      'c.Jira_Actions_Refresh',
    );
    expect($(element, 'ul.issues').getAttribute('aria-label')).toBe('c.Jira_Actions_Linked_Issues');
  });
});
