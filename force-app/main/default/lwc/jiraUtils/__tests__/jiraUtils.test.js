import {
  authMethodLabel,
  describeFailedAttachments,
  failedAttachments,
  fileChoiceProblem,
  formatFileSize,
  debounce,
  describeErrors,
  errorCode,
  fieldErrorsOf,
  formatDate,
  formatDateTime,
  formatLabel,
  formatPayloadValue,
  groupProblems,
  httpsUrl,
  issueToast,
  isBusy,
  mappingsToRows,
  mergeFieldPaths,
  newMappingRow,
  previewFields,
  reduceErrors,
  rowsToMappings,
  statusBadgeClass,
  toOptions,
  transitionLabel,
} from 'c/jiraUtils';

jest.mock(
  '@salesforce/label/c.Jira_Error_Busy',
  () => ({ default: 'Jira is busy, try again in {0} s.' }),
  { virtual: true },
);

const ERRORS = require('./data/errors.json');

/** A JiraAuraErrors-shaped Apex error. */
const auraError = (body) => ({ status: 500, body: { message: JSON.stringify(body) } });
const PREVIEW = require('./data/preview.json');

describe('c-jira-utils', () => {
  describe('reduceErrors', () => {
    it('when Apex throws the JiraAuraErrors JSON then the message, code, request id and retry are read', () => {
      const [detail] = describeErrors(ERRORS.relayRateLimited);
      expect(detail).toEqual({
        code: 'JIRA_RATE_LIMITED',
        message: 'Jira is rate limiting requests.',
        requestId: 'req-42',
        retryAfter: 30,
        fieldErrors: {},
      });
      expect(errorCode(ERRORS.relayRateLimited)).toBe('JIRA_RATE_LIMITED');
    });

    it.each(['JIRA_RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'RATE_LIMITED'])(
      'when the relay answers %s with retryAfter then the message says Jira is busy and when to try again',
      (code) => {
        const error = auraError({
          code,
          message: 'Jira is busy: 200 calls under way.',
          retryAfter: 3,
        });
        expect(reduceErrors(error)).toEqual(['Jira is busy, try again in 3 s.']);
        expect(isBusy(describeErrors(error)[0])).toBe(true);
      },
    );

    it('when a busy code comes without retryAfter, or another code with one, then its own message is shown', () => {
      expect(
        reduceErrors(auraError({ code: 'SERVICE_UNAVAILABLE', message: 'The store is down.' })),
      ).toEqual(['The store is down.']);
      expect(
        reduceErrors(
          auraError({ code: 'IDEMPOTENCY_IN_FLIGHT', message: 'Still running.', retryAfter: 2 }),
        ),
      ).toEqual(['Still running.']);
    });

    it('when field errors come as a map or as the relay list then both become field → message', () => {
      expect(fieldErrorsOf(ERRORS.validationWithFieldMap)).toEqual({
        priority: 'Unknown priority',
      });
      expect(
        fieldErrorsOf([ERRORS.validationWithFieldMap, ERRORS.validationWithFieldList]),
      ).toEqual({ priority: 'Unknown priority', duedate: 'Not a date' });
    });

    it('when the error is a platform, UI API, JS or string error then its text is kept', () => {
      expect(reduceErrors(ERRORS.platformError)).toEqual([
        'List has no rows for assignment to SObject',
      ]);
      expect(reduceErrors(ERRORS.uiApiReadErrors)).toEqual([
        'The requested resource does not exist',
      ]);
      expect(reduceErrors(ERRORS.uiApiDmlError)).toEqual(['Page level problem', 'Required']);
      expect(reduceErrors(new Error('boom'))).toEqual(['boom']);
      expect(reduceErrors('plain')).toEqual(['plain']);
      expect(reduceErrors({ statusText: 'Bad Gateway' })).toEqual(['Bad Gateway']);
      expect(reduceErrors([null, undefined, {}])).toEqual([]);
    });

    it('when the message is JSON without our keys then it is shown as it is', () => {
      expect(reduceErrors({ body: { message: '{"other":1}' } })).toEqual(['{"other":1}']);
      expect(reduceErrors({ body: { message: '{broken' } })).toEqual(['{broken']);
    });
  });

  describe('formatters', () => {
    it('when a label has placeholders then they are replaced', () => {
      expect(formatLabel('{0} of {1} characters', 5, 10)).toBe('5 of 10 characters');
      expect(formatLabel('Key {0}{1}', 'A')).toBe('Key A');
    });

    it('when a date is empty or invalid then it is shown as empty or as it came', () => {
      expect(formatDate('2026-11-28T10:15:00Z', 'en-US')).toBe('Nov 28, 2026');
      expect(formatDate(Date.UTC(2027, 10, 20, 12), 'en-US')).toBe('Nov 20, 2027');
      expect(formatDate('not a date')).toBe('');
      expect(formatDate(undefined)).toBe('');
      expect(formatDateTime(null)).toBe('');
      expect(formatDateTime('not a date')).toBe('not a date');
      expect(formatDateTime('2026-11-28T10:15:00Z', 'en-US')).toMatch(/Nov 28, 2026/);
    });

    it('when a status category is given then a matching SLDS badge is chosen', () => {
      expect(statusBadgeClass('done')).toContain('slds-theme_success');
      expect(statusBadgeClass('indeterminate')).toContain('slds-badge_inverse');
      expect(statusBadgeClass(undefined)).toBe('slds-badge');
    });

    it('when Jira values are objects, lists or ADF then they read as text', () => {
      expect(formatPayloadValue({ name: 'Highest' })).toBe('Highest');
      expect(formatPayloadValue([{ value: 'A' }, 'b'])).toBe('A, b');
      expect(formatPayloadValue(3)).toBe('3');
      expect(formatPayloadValue(null)).toBe('');
      expect(formatPayloadValue({ a: { b: 1 } })).toBe('{"a":{"b":1}}');
    });

    it('when a preview payload is given then each field becomes a row in payload order', () => {
      expect(previewFields(PREVIEW.payloadJson)).toEqual([
        { id: 'project', value: 'SUP' },
        { id: 'issuetype', value: 'Bug' },
        { id: 'summary', value: 'ACME CHECKOUT' },
        { id: 'description', value: 'Industry Retail\nSecond line' },
        { id: 'priority', value: 'Highest' },
        { id: 'labels', value: 'vip, checkout' },
        { id: 'customfield_10020', value: '{"weird":{"nested":true}}' },
      ]);
      expect(previewFields(null)).toEqual([]);
      expect(previewFields('not json')).toEqual([]);
      expect(previewFields('[1]')).toEqual([]);
    });

    it('when Apex options are given then combobox options are made', () => {
      expect(toOptions([{ value: 'SUP', label: 'Support' }, { value: 'X' }])).toEqual([
        { value: 'SUP', label: 'Support' },
        { value: 'X', label: 'X' },
      ]);
      expect(toOptions(undefined)).toEqual([]);
    });

    it('when a transition leads to another status then its label names both', () => {
      expect(transitionLabel({ name: 'Resolve', toStatus: 'Done' })).toBe('Resolve → Done');
      expect(transitionLabel({ name: 'Done', toStatus: 'Done' })).toBe('Done');
      expect(transitionLabel({ name: 'Reopen' })).toBe('Reopen');
    });

    it('when a method is named then Server/DC OAuth is a Jira account and Cloud OAuth an Atlassian one', () => {
      expect(authMethodLabel('cloud', 'oauth')).toBe('c.Jira_Method_OAuth');
      expect(authMethodLabel('server', 'oauth')).toBe('c.Jira_Method_OAuth_Server');
      expect(authMethodLabel('server', 'pat')).toBe('c.Jira_Method_Pat');
      expect(authMethodLabel('cloud', 'api_token')).toBe('c.Jira_Method_Api_Token');
      expect(authMethodLabel('server', 'basic')).toBe('c.Jira_Method_Basic');
      expect(authMethodLabel('cloud', 'saml')).toBe('saml');
    });
  });

  describe('template helpers', () => {
    it('when mappings JSON is edited as rows and written back then it keeps its shape', () => {
      const json =
        '[{"jiraField":"priority","value":"{{Priority}}","valueMap":{"High":"Highest","Low":"Lowest"},"default":"Medium"},{"jiraField":"labels","value":"{{Type}}"}]';
      const rows = mappingsToRows(json);
      expect(rows.map(({ key, ...row }) => row)).toEqual([
        {
          jiraField: 'priority',
          value: '{{Priority}}',
          valueMapText: 'High=Highest\nLow=Lowest',
          defaultValue: 'Medium',
        },
        { jiraField: 'labels', value: '{{Type}}', valueMapText: '', defaultValue: '' },
      ]);
      expect(new Set(rows.map((row) => row.key)).size).toBe(2);
      expect(JSON.parse(rowsToMappings(rows))).toEqual(JSON.parse(json));
    });

    it('when rows are blank or the JSON is broken then nothing is invented', () => {
      expect(mappingsToRows('not json')).toEqual([]);
      expect(mappingsToRows('')).toEqual([]);
      expect(rowsToMappings([newMappingRow()])).toBe('');
      expect(
        JSON.parse(
          rowsToMappings([
            { ...newMappingRow(), jiraField: ' duedate ', valueMapText: 'no equals\n=x' },
          ]),
        ),
      ).toEqual([{ jiraField: 'duedate', value: '' }]);
    });

    it('when a text has merge fields then their paths are found once, filters ignored', () => {
      expect(
        mergeFieldPaths('{{Subject | upper}} {{ Account.Name }} {{Subject}} {{$User.Name}}'),
      ).toEqual(['Subject', 'Account.Name', '$User.Name']);
      expect(mergeFieldPaths(null)).toEqual([]);
    });
  });

  describe('links', () => {
    it('when a URL is https then it is linked as it is', () => {
      expect(httpsUrl('https://acme.atlassian.net/browse/SUP-42')).toBe(
        'https://acme.atlassian.net/browse/SUP-42',
      );
      expect(httpsUrl('  HTTPS://acme.my.salesforce.com/001000000000001AAA ')).toBe(
        'https://acme.my.salesforce.com/001000000000001AAA',
      );
    });

    it('when a URL is not https then it is not a link', () => {
      [
        'http://jira.acme.test/browse/SUP-1',
        'javascript:alert(1)',
        'JavaScript:alert(document.cookie)',
        'data:text/html;base64,PHNjcmlwdD4=',
        '//evil.test/x',
        '/lightning/r/001000000000001AAA/view',
        'https:',
        'not a url',
        '',
        null,
        undefined,
        42,
      ].forEach((value) => expect(httpsUrl(value)).toBeNull());
    });
  });

  describe('groupProblems', () => {
    it('when Apex returns problems then they are grouped by field and the rest stays general', () => {
      expect(
        groupProblems([
          { field: 'summary', message: 'The merge field Nmae does not resolve on Case.' },
          { field: 'summary', message: 'Unknown built-in $User.Nick.' },
          { field: null, message: 'Something general.' },
          { field: 'fieldMappings', message: 'The mappings are not valid JSON.' },
          { field: 'name', message: '' },
          null,
        ]),
      ).toEqual({
        byField: {
          summary: [
            'The merge field Nmae does not resolve on Case.',
            'Unknown built-in $User.Nick.',
          ],
          fieldMappings: ['The mappings are not valid JSON.'],
        },
        general: ['Something general.'],
      });
      expect(groupProblems(undefined)).toEqual({ byField: {}, general: [] });
    });
  });

  describe('debounce', () => {
    it('when called repeatedly then only the last call runs after the wait', () => {
      jest.useFakeTimers();
      const fn = jest.fn();
      const debounced = debounce(fn, 300);
      debounced('a');
      debounced('b');
      jest.advanceTimersByTime(299);
      expect(fn).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledWith('b');
      debounced('c');
      debounced.cancel();
      jest.runAllTimers();
      expect(fn).toHaveBeenCalledTimes(1);
      jest.useRealTimers();
    });
  });

  describe('files', () => {
    const LISTING = {
      maxFiles: 2,
      maxTotalBytes: 1000,
      files: [
        { contentVersionId: 'a', size: 600 },
        { contentVersionId: 'b', size: 400 },
        { contentVersionId: 'c', size: 1 },
      ],
    };

    it('when a size is formatted then bytes, KB and MB read as Apex writes them', () => {
      expect(formatFileSize(512)).toBe('512 B');
      expect(formatFileSize(48213)).toBe('48 KB');
      expect(formatFileSize(10485760)).toBe('10 MB');
      expect(formatFileSize(9000000)).toBe('8.6 MB');
      expect(formatFileSize(undefined)).toBe('');
    });

    it('when a choice fits the count and the total then there is no problem', () => {
      expect(fileChoiceProblem(LISTING, [])).toBeNull();
      expect(fileChoiceProblem(LISTING, ['a', 'b'])).toBeNull();
    });

    it('when a choice is over the count or the total then the broken limit is named', () => {
      expect(fileChoiceProblem(LISTING, ['a', 'b', 'c'])).toEqual({ reason: 'count', limit: 2 });
      expect(fileChoiceProblem({ ...LISTING, maxTotalBytes: 999 }, ['a', 'b'])).toEqual({
        reason: 'total',
        limit: 999,
      });
    });

    it('when an answer has per-file results then only the failed ones are named', () => {
      const failed = failedAttachments([
        { fileName: 'ok.log', attached: true },
        { fileName: 'dump.bin', attached: false, message: 'HTTP 404' },
        { contentVersionId: '068x', attached: false },
      ]);
      expect(describeFailedAttachments(failed)).toBe('dump.bin (HTTP 404), 068x');
      expect(failedAttachments(undefined)).toEqual([]);
    });
  });
});

describe('issueToast', () => {
  it('links the key when the issue address is https', () => {
    expect(
      issueToast('Linked SUP-7', { key: 'SUP-7', url: 'https://acme.atlassian.net/browse/SUP-7' }),
    ).toEqual({
      title: 'Linked SUP-7',
      message: '{0}',
      messageData: [{ url: 'https://acme.atlassian.net/browse/SUP-7', label: 'SUP-7' }],
      variant: 'success',
    });
  });

  it.each([['http://jira.internal/browse/SUP-7'], ['javascript:alert(1)'], [undefined]])(
    'shows the key as plain text for %s',
    (url) => {
      expect(issueToast('Linked SUP-7', { key: 'SUP-7', url })).toEqual({
        title: 'Linked SUP-7',
        message: 'SUP-7',
        messageData: [],
        variant: 'success',
      });
    },
  );
});
