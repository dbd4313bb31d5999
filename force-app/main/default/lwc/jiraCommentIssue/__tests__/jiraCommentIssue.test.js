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

jest.mock(
  '@salesforce/label/c.Jira_Files_Failed_Message',
  () => ({ default: 'Not attached: {0}' }),
  { virtual: true },
);

const NO_COMMENTS_TEMPLATE = require('./data/templateNoComments.json');
const NOT_ALLOWED = require('./data/notAllowedError.json');
const LINK_ID = 'a0C000000000042AAA';
const TEMPLATE_ID = 'a0B000000000001AAA';
const RECORD_ID = '500000000000001AAA';

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
    addComment.mockResolvedValue({ id: '10001', attachments: [] });
    const element = render();
    const toast = jest.fn();
    const added = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('commentadded', added);
    await typeComment(element, 'Line one\nLine two');

    $(element, 'lightning-button.send').click();
    await flushPromises();

    expect(addComment).toHaveBeenCalledWith({
      linkId: LINK_ID,
      body: 'Line one\nLine two',
      contentVersionIds: [],
    });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(added.mock.calls[0][0].detail).toEqual({ linkId: LINK_ID, key: 'SUP-42' });
    expect($(element, 'lightning-textarea').value).toBe('');
  });

  it('when files are picked then they go with the comment, a failed one is named in a warning and the choice is reset', async () => {
    addComment.mockResolvedValue({
      id: '10002',
      attachments: [
        { contentVersionId: '068000000000001AAA', fileName: 'trace.log', attached: true },
        {
          contentVersionId: '068000000000002AAA',
          fileName: 'dump.bin',
          attached: false,
          code: 'ATTACHMENT_FAILED',
          message: 'Salesforce could not serve the file (HTTP 404)',
        },
      ],
    });
    const element = render({ templateId: TEMPLATE_ID, recordId: RECORD_ID });
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await typeComment(element, 'Logs attached');
    const picker = $(element, 'c-jira-file-picker');
    expect(picker.recordId).toBe(RECORD_ID);
    expect(picker.templateId).toBe(TEMPLATE_ID);
    const ids = ['068000000000001AAA', '068000000000002AAA'];
    picker.dispatchEvent(
      new CustomEvent('filechange', { detail: { contentVersionIds: ids, valid: true } }),
    );
    await flushPromises();

    $(element, 'lightning-button.send').click();
    await flushPromises();

    expect(addComment).toHaveBeenCalledWith({
      linkId: LINK_ID,
      body: 'Logs attached',
      contentVersionIds: ids,
    });
    expect(toast.mock.calls.map((call) => call[0].detail.variant)).toEqual(['success', 'warning']);
    expect(toast.mock.calls[1][0].detail.message).toContain('dump.bin');
    expect(toast.mock.calls[1][0].detail.message).not.toContain('trace.log');
  });

  it('when the chosen files break the template limits then send is disabled', async () => {
    const element = render({ templateId: TEMPLATE_ID, recordId: RECORD_ID });
    await typeComment(element, 'Logs attached');
    $(element, 'c-jira-file-picker').dispatchEvent(
      new CustomEvent('filechange', {
        detail: { contentVersionIds: ['068000000000001AAA'], valid: false },
      }),
    );
    await flushPromises();
    expect($(element, 'lightning-button.send').disabled).toBe(true);
  });

  it('when the link has no template then no files are offered', () => {
    const element = render({ recordId: RECORD_ID });
    expect($(element, 'c-jira-file-picker')).toBeNull();
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
