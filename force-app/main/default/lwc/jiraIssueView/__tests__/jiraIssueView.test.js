import { createElement } from 'lwc';
import JiraIssueView from 'c/jiraIssueView';
import viewIssue from '@salesforce/apex/JiraActionsController.viewIssue';

jest.mock('@salesforce/apex/JiraActionsController.viewIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});

const ISSUE = require('./data/issueView.json');
const NEEDS_REAUTH = require('./data/needsReauthError.json');
const LINK_ID = 'a0C000000000042AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function render() {
  const element = createElement('c-jira-issue-view', { is: JiraIssueView });
  element.linkId = LINK_ID;
  document.body.appendChild(element);
  return element;
}

describe('c-jira-issue-view', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when loading then a spinner shows until the issue arrives', async () => {
    viewIssue.mockResolvedValue(ISSUE);
    const element = render();
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();
    expect($(element, 'lightning-spinner')).toBeNull();
    expect(viewIssue).toHaveBeenCalledWith({ linkId: LINK_ID });
  });

  it('when the issue is loaded then its fields, sanitised description, comments and transitions are shown', async () => {
    viewIssue.mockResolvedValue(ISSUE);
    const element = render();
    await flushPromises();

    expect($(element, 'a.issue-link').textContent).toBe('SUP-42');
    expect($(element, '.summary').textContent).toBe('Checkout fails');
    expect($(element, '.details .slds-badge').textContent).toBe('In Progress');
    expect($(element, '.priority').textContent).toBe('Highest');
    expect($(element, '.assignee').textContent).toBe('c.Jira_Unassigned');
    expect($(element, '.reporter').textContent).toBe('Integration User');
    expect($(element, '.labels').textContent).toBe('checkout, vip');
    expect($(element, 'lightning-formatted-rich-text.description').value).toBe(
      ISSUE.descriptionHtml,
    );
    const comments = element.shadowRoot.querySelectorAll('.comments li');
    expect(comments).toHaveLength(1);
    expect(comments[0].querySelector('lightning-formatted-rich-text').value).toBe(
      '<p>Called the customer</p>',
    );
    const transitions = [...element.shadowRoot.querySelectorAll('.transitions li')].map(
      (node) => node.textContent,
    );
    expect(transitions).toEqual(['Resolve → Done', 'In Progress']);
  });

  it('when the issue has no comments or transitions then empty states are shown', async () => {
    viewIssue.mockResolvedValue({ ...ISSUE, comments: [], transitions: [], descriptionHtml: null });
    const element = render();
    await flushPromises();
    expect($(element, '.no-comments')).not.toBeNull();
    expect($(element, '.no-transitions')).not.toBeNull();
    expect($(element, 'lightning-formatted-rich-text.description')).toBeNull();
  });

  it('when the issue has no labels then no empty Labels entry is shown', async () => {
    viewIssue.mockResolvedValue({ ...ISSUE, labels: [] });
    const element = render();
    await flushPromises();
    expect($(element, '.labels')).toBeNull();
    expect(
      [...element.shadowRoot.querySelectorAll('.details dt')].map((dt) => dt.textContent),
    ).not.toContain('c.Jira_Field_Labels');
  });

  it('when the connection needs re-authorisation then the error panel shows the relay message', async () => {
    viewIssue.mockRejectedValue(NEEDS_REAUTH);
    const element = render();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(NEEDS_REAUTH);
    expect($(element, 'a.issue-link')).toBeNull();
  });

  it('when reload is called then the issue is read again', async () => {
    viewIssue.mockResolvedValue(ISSUE);
    const element = render();
    await flushPromises();
    await element.reload();
    expect(viewIssue).toHaveBeenCalledTimes(2);
  });

  it('when the issue URL is not https then the key is shown as text, not as a link', async () => {
    viewIssue.mockResolvedValue({ ...ISSUE, url: 'javascript:alert(document.domain)' });
    const element = render();
    await flushPromises();
    expect($(element, 'a.issue-link')).toBeNull();
    expect($(element, '.issue-key').textContent).toBe(ISSUE.key);
  });

  it('is accessible: the view is a named region and the Jira link says where it goes', async () => {
    viewIssue.mockResolvedValue(ISSUE);
    const element = render();
    await flushPromises();
    expect($(element, 'section').getAttribute('aria-label')).toBe('c.Jira_View_Title');
    const link = $(element, 'a.issue-link');
    expect(link.getAttribute('title')).toBe('c.Jira_Open_In_Jira');
    expect(link.getAttribute('rel')).toContain('noopener');
  });
});
