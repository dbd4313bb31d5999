import { createElement } from 'lwc';
import JiraUnlinkIssue from 'c/jiraUnlinkIssue';
import unlinkIssue from '@salesforce/apex/JiraActionsController.unlinkIssue';

jest.mock('@salesforce/apex/JiraActionsController.unlinkIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Unlink_Success', () => ({ default: '{0} unlinked' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Unlink_Title', () => ({ default: 'Unlink {0}?' }), {
  virtual: true,
});

const FORBIDDEN = require('./data/jiraForbiddenError.json');
const LINK_ID = 'a0C000000000042AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function render() {
  const element = createElement('c-jira-unlink-issue', { is: JiraUnlinkIssue });
  Object.assign(element, { linkId: LINK_ID, issueKey: 'SUP-42' });
  document.body.appendChild(element);
  return element;
}

describe('c-jira-unlink-issue', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when it opens then it asks for confirmation and nothing is unlinked yet', () => {
    const element = render();
    expect($(element, 'h3').textContent).toBe('Unlink SUP-42?');
    expect($(element, '.explanation').textContent).toBe('c.Jira_Unlink_Explanation');
    expect(unlinkIssue).not.toHaveBeenCalled();
  });

  it('when the user confirms then Apex unlinks the link, a success toast and an event follow', async () => {
    unlinkIssue.mockResolvedValue(true);
    const element = render();
    const toast = jest.fn();
    const unlinked = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('issueunlinked', unlinked);

    $(element, 'lightning-button.unlink').click();
    await flushPromises();

    expect(unlinkIssue).toHaveBeenCalledWith({ linkId: LINK_ID });
    expect(toast.mock.calls[0][0].detail).toMatchObject({
      title: 'SUP-42 unlinked',
      variant: 'success',
    });
    expect(unlinked.mock.calls[0][0].detail).toEqual({ linkId: LINK_ID, key: 'SUP-42' });
  });

  it('when the user cancels then nothing is unlinked and the panel asks to close', () => {
    const element = render();
    const closed = jest.fn();
    element.addEventListener('close', closed);
    $(element, 'lightning-button.cancel').click();
    expect(closed).toHaveBeenCalledTimes(1);
    expect(unlinkIssue).not.toHaveBeenCalled();
  });

  it('when the server refuses then the error panel shows why and no event is sent', async () => {
    unlinkIssue.mockRejectedValue(FORBIDDEN);
    const element = render();
    const unlinked = jest.fn();
    element.addEventListener('issueunlinked', unlinked);
    $(element, 'lightning-button.unlink').click();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(FORBIDDEN);
    expect($(element, 'c-error-panel').friendlyMessage).toBe('c.Jira_Unlink_Failed');
    expect(unlinked).not.toHaveBeenCalled();
    expect($(element, 'lightning-button.unlink').disabled).toBe(false);
  });

  it('is accessible: the confirmation is a labelled alert dialog', () => {
    const element = render();
    const dialog = $(element, 'section');
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.getAttribute('aria-label')).toBe('Unlink SUP-42?');
  });
});
