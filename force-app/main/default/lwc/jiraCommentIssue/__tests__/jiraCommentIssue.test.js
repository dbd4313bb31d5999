import { createElement } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import JiraCommentIssue from 'c/jiraCommentIssue';
import addComment from '@salesforce/apex/JiraActionsController.addComment';

jest.mock('@salesforce/apex/JiraActionsController.addComment', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Comment_Counter',
  () => ({ default: '{0} of {1} characters' }),
  { virtual: true },
);

const NO_COMMENTS_TEMPLATE = require('./data/templateNoComments.json');
const NOT_ALLOWED = require('./data/notAllowedError.json');
const LINK_ID = 'a0C000000000042AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function render(props = {}) {
  const element = createElement('c-jira-comment-issue', { is: JiraCommentIssue });
  Object.assign(element, { linkId: LINK_ID, issueKey: 'SUP-42' }, props);
  document.body.appendChild(element);
  return element;
}

async function typeComment(element, value) {
  $(element, 'lightning-textarea').dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
}

describe('c-jira-comment-issue', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when the user types then the length against the limit is shown and send enables', async () => {
    const element = render();
    expect($(element, 'lightning-button.send').disabled).toBe(true);
    await typeComment(element, 'Customer called again');
    expect($(element, '.counter').textContent.trim()).toBe('21 of 32767 characters');
    expect($(element, 'lightning-textarea').maxLength).toBe(32767);
    expect($(element, 'lightning-button.send').disabled).toBe(false);
  });

  it('when the comment is sent then Apex gets the plain text, a toast and an event follow and the box clears', async () => {
    addComment.mockResolvedValue('10001');
    const element = render();
    const toast = jest.fn();
    const added = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('commentadded', added);
    await typeComment(element, 'Line one\nLine two');

    $(element, 'lightning-button.send').click();
    await flushPromises();

    expect(addComment).toHaveBeenCalledWith({ linkId: LINK_ID, body: 'Line one\nLine two' });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(added.mock.calls[0][0].detail).toEqual({ linkId: LINK_ID, key: 'SUP-42' });
    expect($(element, 'lightning-textarea').value).toBe('');
  });

  it('when the server refuses then the error panel shows why and the text is kept', async () => {
    addComment.mockRejectedValue(NOT_ALLOWED);
    const element = render();
    await typeComment(element, 'hello');
    $(element, 'lightning-button.send').click();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(NOT_ALLOWED);
    expect($(element, 'lightning-textarea').value).toBe('hello');
  });

  it('when the template does not allow comments then no form is offered', async () => {
    const element = render({ templateId: 'a0B000000000001AAA' });
    getRecord.emit(NO_COMMENTS_TEMPLATE);
    await flushPromises();
    expect($(element, 'lightning-textarea')).toBeNull();
    expect($(element, '.not-allowed').textContent).toBe('c.Jira_Error_Comments_Not_Allowed');
    expect($(element, 'lightning-button.send')).toBeNull();
  });

  it('is accessible: the textarea is labelled and the counter is a polite live region', () => {
    const element = render();
    expect($(element, 'lightning-textarea').label).toBe('c.Jira_Comment_Body');
    expect($(element, '.counter').getAttribute('aria-live')).toBe('polite');
  });
});
