import { createElement } from 'lwc';
import JiraCreateIssue from 'c/jiraCreateIssue';
import newActionKey from '@salesforce/apex/JiraActionsController.newActionKey';
import previewIssue from '@salesforce/apex/JiraActionsController.previewIssue';
import createIssue from '@salesforce/apex/JiraActionsController.createIssue';
import linkIssue from '@salesforce/apex/JiraActionsController.linkIssue';

jest.mock('@salesforce/apex/JiraActionsController.newActionKey', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraActionsController.previewIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraActionsController.createIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraActionsController.linkIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});

jest.mock(
  '@salesforce/label/c.Jira_Files_Failed_Message',
  () => ({ default: 'Not attached: {0}' }),
  { virtual: true },
);

const TEMPLATES = require('./data/templates.json');
const PREVIEW = require('./data/preview.json');
const PREVIEW_WITH_PROBLEMS = require('./data/previewWithProblems.json');
const CREATED = require('./data/createdIssue.json');
const CREATED_WITH_FILES = require('./data/createdWithFiles.json');
const UNAVAILABLE = require('./data/conflictError.json');
const RECORD_ID = '500000000000001AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

function render(props = {}) {
  const element = createElement('c-jira-create-issue', { is: JiraCreateIssue });
  Object.assign(element, { recordId: RECORD_ID, templates: TEMPLATES }, props);
  document.body.appendChild(element);
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
/** The shadow root of the preview result child, where the field table and problems render. */
const previewOf = (element) => $(element, 'c-jira-preview-result').shadowRoot;

describe('c-jira-create-issue', () => {
  beforeEach(() => {
    previewIssue.mockResolvedValue(PREVIEW);
    newActionKey.mockResolvedValue('key-1');
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when no template applies then an empty state is shown and nothing can be created', () => {
    const element = render({ templates: [] });
    expect($(element, '.empty').textContent).toBe('c.Jira_No_Templates');
    expect($(element, 'lightning-button.create')).toBeNull();
    expect(previewIssue).not.toHaveBeenCalled();
  });

  it('when a template is chosen then the exact fields of the relay preview are shown', async () => {
    const element = render();
    const picker = $(element, 'lightning-combobox.template-picker');
    picker.dispatchEvent(new CustomEvent('change', { detail: { value: TEMPLATES[1].value } }));
    await flushPromises();

    expect(previewIssue).toHaveBeenCalledWith({
      recordId: RECORD_ID,
      templateId: TEMPLATES[1].value,
    });
    const rows = [...previewOf(element).querySelectorAll('table.preview tbody tr')].map((row) => [
      row.querySelector('.field-id').textContent,
      row.querySelector('.field-value').textContent,
    ]);
    expect(rows).toEqual([
      ['project', 'SUP'],
      ['issuetype', 'Bug'],
      ['summary', 'Checkout fails'],
      ['priority', 'Highest'],
    ]);
    expect($(element, 'lightning-button.create').disabled).toBe(false);
  });

  it('when the preview has problems then they are listed and create is disabled', async () => {
    previewIssue.mockResolvedValue(PREVIEW_WITH_PROBLEMS);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    await flushPromises();

    // Each problem shows: beside the field it names, or in the list above the payload.
    const problems = [
      ...previewOf(element).querySelectorAll('.general-problems li, .field-problem'),
    ].map((node) => node.textContent);
    expect(problems.sort()).toEqual([...PREVIEW_WITH_PROBLEMS.problems].sort());
    expect($(element, 'lightning-button.create').disabled).toBe(true);
  });

  it('when files are picked then create sends their ids, lists each result and warns about the failed one', async () => {
    createIssue.mockResolvedValue(CREATED_WITH_FILES);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();
    const ids = ['068000000000001AAA', '068000000000002AAA'];
    $(element, 'c-jira-file-picker').dispatchEvent(
      new CustomEvent('filechange', { detail: { contentVersionIds: ids, valid: true } }),
    );
    await flushPromises();

    $(element, 'lightning-button.create').click();
    await flushPromises();

    expect(createIssue).toHaveBeenCalledWith({
      recordId: RECORD_ID,
      templateId: TEMPLATES[0].value,
      idempotencyKey: 'key-1',
      contentVersionIds: ids,
    });
    expect(toast.mock.calls.map((call) => call[0].detail.variant)).toEqual(['success', 'warning']);
    expect(toast.mock.calls[1][0].detail.message).toContain(
      'payment-page.png (Salesforce could not serve the file (HTTP 404))',
    );
    expect(toast.mock.calls[1][0].detail.message).not.toContain('checkout-trace.log');
    const results = [...element.shadowRoot.querySelectorAll('.file-results li')];
    expect(results.map((item) => item.className.includes('failed'))).toEqual([false, true]);
    expect(results[0].textContent).toContain('checkout-trace.log');
    expect($(element, 'c-jira-file-picker')).toBeNull();
  });

  it('when the chosen files break the template limits then create is disabled', async () => {
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    await flushPromises();
    expect($(element, 'lightning-button.create').disabled).toBe(false);
    $(element, 'c-jira-file-picker').dispatchEvent(
      new CustomEvent('filechange', {
        detail: { contentVersionIds: ['068000000000001AAA'], valid: false },
      }),
    );
    await flushPromises();
    expect($(element, 'lightning-button.create').disabled).toBe(true);
  });

  it('when create succeeds then a toast, an issuecreated event and a link to the new key follow', async () => {
    createIssue.mockResolvedValue(CREATED);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    const toast = jest.fn();
    const created = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('issuecreated', created);
    await flushPromises();

    $(element, 'lightning-button.create').click();
    await flushPromises();

    expect(createIssue).toHaveBeenCalledWith({
      recordId: RECORD_ID,
      templateId: TEMPLATES[0].value,
      idempotencyKey: 'key-1',
      contentVersionIds: [],
    });
    expect(toast).toHaveBeenCalledTimes(1);
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(toast.mock.calls[0][0].detail.messageData).toEqual([
      { url: CREATED.url, label: 'SUP-42' },
    ]);
    expect(created.mock.calls[0][0].detail).toEqual({
      key: 'SUP-42',
      linkId: CREATED.linkId,
      url: CREATED.url,
    });
    const link = $(element, '.created a');
    expect(link.textContent).toBe('SUP-42');
    expect(link.getAttribute('href')).toBe(CREATED.url);
    expect($(element, 'lightning-button.create')).toBeNull();
  });

  it('when the new issue URL is not https then neither the toast nor the panel links it', async () => {
    createIssue.mockResolvedValue({ ...CREATED, url: 'http://jira.acme.test/browse/SUP-42' });
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    $(element, 'lightning-button.create').click();
    await flushPromises();

    expect(toast.mock.calls[0][0].detail).toMatchObject({ message: 'SUP-42', messageData: [] });
    expect($(element, '.created a')).toBeNull();
    expect($(element, '.created-key').textContent).toBe('SUP-42');
  });

  it('when create fails then the error is shown and the retry reuses the same idempotency key', async () => {
    createIssue.mockRejectedValueOnce(UNAVAILABLE).mockResolvedValueOnce(CREATED);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    await flushPromises();

    $(element, 'lightning-button.create').click();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(UNAVAILABLE);
    const retry = $(element, 'lightning-button.create');
    expect(retry.label).toBe('c.Jira_Create_Retry');

    retry.click();
    await flushPromises();
    expect(newActionKey).toHaveBeenCalledTimes(1);
    expect(createIssue.mock.calls.map((call) => call[0].idempotencyKey)).toEqual([
      'key-1',
      'key-1',
    ]);
    expect($(element, 'c-error-panel').errors).toBeUndefined();
  });

  it('when the user switches template after a failure then the next create is a new action', async () => {
    createIssue.mockRejectedValueOnce(UNAVAILABLE).mockResolvedValueOnce(CREATED);
    newActionKey.mockResolvedValueOnce('key-1').mockResolvedValueOnce('key-2');
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    await flushPromises();
    $(element, 'lightning-button.create').click();
    await flushPromises();

    $(element, 'lightning-combobox').dispatchEvent(
      new CustomEvent('change', { detail: { value: TEMPLATES[1].value } }),
    );
    await flushPromises();
    $(element, 'lightning-button.create').click();
    await flushPromises();

    expect(createIssue.mock.calls.map((call) => call[0].idempotencyKey)).toEqual([
      'key-1',
      'key-2',
    ]);
  });

  it('when the preview fails then the error panel shows it and a spinner is gone', async () => {
    previewIssue.mockRejectedValue(UNAVAILABLE);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(UNAVAILABLE);
    expect($(element, 'lightning-spinner')).toBeNull();
  });

  it('when cancelled then a close event is sent', () => {
    const element = render();
    const close = jest.fn();
    element.addEventListener('close', close);
    $(element, 'lightning-button.cancel').click();
    expect(close).toHaveBeenCalled();
  });

  it('is accessible: the picker is labelled, every button is named and the preview table has headers', async () => {
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    await flushPromises();
    expect($(element, 'lightning-combobox').label).toBe('c.Jira_Template');
    element.shadowRoot
      .querySelectorAll('lightning-button')
      .forEach((button) => expect(button.label).toBeTruthy());
    expect(previewOf(element).querySelectorAll('table.preview th[scope="col"]')).toHaveLength(2);
    expect($(element, 'section').getAttribute('aria-label')).toBe('c.Jira_Create_Title');
  });

  it('when the preview finds similar open issues then Link instead links one with the template and creates nothing', async () => {
    previewIssue.mockResolvedValue({
      ...PREVIEW,
      similarIssues: {
        state: 'checked',
        issues: [{ key: 'SUP-7', url: 'https://acme.atlassian.net/browse/SUP-7', linked: false }],
      },
    });
    linkIssue.mockResolvedValue({ key: 'SUP-7', linkId: 'a0L000000000007AAA', url: 'u' });
    const element = render({ defaultTemplateId: TEMPLATES[1].value });
    const linked = jest.fn();
    element.addEventListener('issuelinked', linked);
    await flushPromises();

    const similar = $(element, 'c-jira-similar-issues');
    expect(similar.similar.issues.map((issue) => issue.key)).toEqual(['SUP-7']);
    similar.dispatchEvent(new CustomEvent('linkissue', { detail: { key: 'SUP-7' } }));
    await flushPromises();

    expect(linkIssue).toHaveBeenCalledWith({
      recordId: RECORD_ID,
      issueKey: 'SUP-7',
      connection: null,
      templateId: TEMPLATES[1].value,
    });
    expect(linked.mock.calls[0][0].detail).toEqual({ key: 'SUP-7', linkId: 'a0L000000000007AAA' });
    expect(createIssue).not.toHaveBeenCalled();
  });

  it('when Link instead fails then the error shows and the dialog stays usable', async () => {
    previewIssue.mockResolvedValue({ ...PREVIEW, similarIssues: { state: 'checked', issues: [] } });
    linkIssue.mockRejectedValue(UNAVAILABLE);
    const element = render({ defaultTemplateId: TEMPLATES[1].value });
    await flushPromises();
    $(element, 'c-jira-similar-issues').dispatchEvent(
      new CustomEvent('linkissue', { detail: { key: 'SUP-8' } }),
    );
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(UNAVAILABLE);
    expect($(element, 'lightning-button.create').disabled).toBe(false);
  });
});
