/**
 * Non-UI helpers shared by the Pharos Jira components: error reduction (including the JSON
 * message that JiraAuraErrors puts into every AuraHandledException), formatters and small
 * value helpers. Template-less on purpose: import it as `c/jiraUtils`.
 */

import JIRA_BUSY from '@salesforce/label/c.Jira_Error_Busy';
import OAUTH from '@salesforce/label/c.Jira_Method_OAuth';
import OAUTH_SERVER from '@salesforce/label/c.Jira_Method_OAuth_Server';
import API_TOKEN from '@salesforce/label/c.Jira_Method_Api_Token';
import PAT from '@salesforce/label/c.Jira_Method_Pat';
import BASIC from '@salesforce/label/c.Jira_Method_Basic';

const AUTH_METHOD_LABELS = { oauth: OAUTH, api_token: API_TOKEN, pat: PAT, basic: BASIC };
/** Server/DC OAuth signs in to the Jira instance itself (an incoming link), not to Atlassian. */
const SERVER_AUTH_METHOD_LABELS = { ...AUTH_METHOD_LABELS, oauth: OAUTH_SERVER };

/**
 * Codes meaning "too much at once, nothing was done": the relay or Jira had no room for the
 * request and says when to come back (retryAfter). Shown to people as one "busy" message.
 */
const BUSY_CODES = ['JIRA_RATE_LIMITED', 'SERVICE_UNAVAILABLE', 'RATE_LIMITED'];

/**
 * Reads the JSON body JiraAuraErrors puts into an AuraHandledException message:
 * {"code","message","requestId","retryAfter","fieldErrors"}. Anything else is not ours.
 * @param {string} message exception message
 * @returns {object|null} the parsed object, or null when the message is plain text
 */
function parseJiraMessage(message) {
  if (typeof message !== 'string' || !message.trim().startsWith('{')) {
    return null;
  }
  try {
    const parsed = JSON.parse(message);
    return parsed && typeof parsed === 'object' && ('code' in parsed || 'message' in parsed)
      ? parsed
      : null;
  } catch {
    return null;
  }
}

/**
 * Field errors as a map field → message. Accepts the map Apex forwards
 * ({"priority": "…"} or {"priority": ["…"]}) and the list the relay writes
 * ([{"field": "priority", "message": "…"}]).
 * @param {object|Array} raw field errors
 * @returns {Object<string,string>} map
 */
function normaliseFieldErrors(raw) {
  const result = {};
  if (Array.isArray(raw)) {
    raw.forEach((entry) => {
      if (entry && entry.field) {
        result[entry.field] = entry.message || '';
      }
    });
  } else if (raw && typeof raw === 'object') {
    Object.keys(raw).forEach((field) => {
      const value = raw[field];
      if (Array.isArray(value)) {
        result[field] = value
          .map((item) => (item && item.message ? item.message : String(item)))
          .join(' ');
      } else if (value && typeof value === 'object') {
        result[field] = value.message || '';
      } else {
        result[field] = value === null || value === undefined ? '' : String(value);
      }
    });
  }
  return result;
}

function detail(message, extra = {}) {
  return {
    code: extra.code || null,
    message: message || '',
    requestId: extra.requestId || null,
    retryAfter:
      extra.retryAfter === null || extra.retryAfter === undefined ? null : Number(extra.retryAfter),
    fieldErrors: normaliseFieldErrors(extra.fieldErrors),
  };
}

function fromMessage(message) {
  const parsed = parseJiraMessage(message);
  return parsed ? detail(parsed.message || parsed.code, parsed) : detail(message);
}

/**
 * Every error as a detail object {code, message, requestId, retryAfter, fieldErrors}.
 * Understands Apex errors (imperative and @wire), UI API errors, JS errors and strings.
 * @param {*} errors one error or an array of them
 * @returns {Array<object>} details, empty messages dropped
 */
export function describeErrors(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  return list
    .filter((error) => error !== null && error !== undefined)
    .flatMap((error) => {
      if (typeof error === 'string') {
        return [fromMessage(error)];
      }
      const body = error.body;
      if (Array.isArray(body)) {
        // UI API read errors
        return body.map((item) => fromMessage(item && item.message));
      }
      if (body && (body.pageErrors || body.fieldErrors) && !body.message) {
        // UI API DML errors
        const pageErrors = (body.pageErrors || []).map((item) => fromMessage(item.message));
        const fieldErrors = normaliseFieldErrors(body.fieldErrors);
        const fieldMessages = Object.keys(fieldErrors).map((field) =>
          detail(fieldErrors[field], { fieldErrors: { [field]: fieldErrors[field] } }),
        );
        return [...pageErrors, ...fieldMessages];
      }
      if (body && typeof body.message === 'string') {
        // Apex: AuraHandledException (our JSON) or a platform error
        return [fromMessage(body.message)];
      }
      if (typeof error.message === 'string') {
        return [fromMessage(error.message)];
      }
      if (error.statusText) {
        return [detail(error.statusText)];
      }
      return [];
    })
    .filter((item) => item.message);
}

/**
 * Whether an error detail says Jira (or the relay) is busy and when to try again.
 * @param {object} item one detail from describeErrors
 * @returns {boolean} true for a rate-limit or saturation code with a retryAfter
 */
export function isBusy(item) {
  return Boolean(item && BUSY_CODES.includes(item.code) && item.retryAfter > 0);
}

/**
 * The message to show for one error detail: "Jira is busy, try again in N s" when it is busy,
 * its own message otherwise.
 * @param {object} item one detail from describeErrors
 * @returns {string} message
 */
export function userMessage(item) {
  return isBusy(item) ? formatLabel(JIRA_BUSY, item.retryAfter) : item.message;
}

/**
 * The name of a connection's authentication method, in the form and in the connection list.
 * @param {string} deployment cloud or server
 * @param {string} method oauth, api_token, pat or basic
 * @returns {string} its label, or the method itself when it has none
 */
export function authMethodLabel(deployment, method) {
  const labels = deployment === 'server' ? SERVER_AUTH_METHOD_LABELS : AUTH_METHOD_LABELS;
  return labels[method] || method;
}

/**
 * Reduces one or more errors to their user-facing messages (lwc-recipes ldsUtils shape).
 * @param {*} errors one error or an array of them
 * @returns {string[]} messages
 */
export function reduceErrors(errors) {
  return describeErrors(errors).map(userMessage);
}

/**
 * The contract error code of an error (first one), or null.
 * @param {*} errors error(s)
 * @returns {string|null} code
 */
export function errorCode(errors) {
  const [first] = describeErrors(errors);
  return first ? first.code : null;
}

/**
 * Field errors of all errors merged into one map field → message.
 * @param {*} errors error(s)
 * @returns {Object<string,string>} map
 */
export function fieldErrorsOf(errors) {
  return describeErrors(errors).reduce(
    (merged, item) => Object.assign(merged, item.fieldErrors),
    {},
  );
}

/**
 * Replaces {0}, {1}, … in a custom label.
 * @param {string} label label text
 * @param {...*} values values
 * @returns {string} text
 */
export function formatLabel(label, ...values) {
  return String(label ?? '').replace(/\{(\d+)\}/g, (match, index) =>
    values[index] === undefined || values[index] === null ? '' : String(values[index]),
  );
}

/**
 * A date-time in the user's locale, or '' when empty or invalid.
 * @param {string|number|Date} value ISO-8601 text, epoch millis or Date
 * @param {string} [locale] BCP 47 locale (defaults to the browser's)
 * @returns {string} text
 */
export function formatDateTime(value, locale) {
  if (value === null || value === undefined || value === '') {
    return '';
  }
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    return String(value);
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/**
 * A time of day in the user's locale (e.g. 10:05 AM), or '' when empty or invalid.
 * @param {string|number|Date} value ISO-8601 text, epoch millis or Date
 * @param {string} [locale] BCP 47 locale (defaults to the browser's)
 * @returns {string} text
 */
export function formatTime(value, locale) {
  if (value === null || value === undefined || value === '') {
    return '';
  }
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(date);
}

/**
 * The address to use as a link's href, or null when it must not be a link: only absolute
 * `https:` URLs are linked (a `javascript:`, `data:` or plain `http:` address is shown as text).
 * @param {string} value URL from Apex or the relay
 * @returns {string|null} the normalised https URL, or null
 */
export function httpsUrl(value) {
  if (typeof value !== 'string' || !value.trim()) {
    return null;
  }
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' && url.hostname ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The success toast of an action on one issue: its key as a link when its address is https,
 * as plain text otherwise (an http or odd address never becomes a link in Salesforce).
 * @param {string} title toast title
 * @param {{key: string, url?: string}} issue the issue the action made or linked
 * @returns {object} ShowToastEvent parameters
 */
export function issueToast(title, issue) {
  const link = httpsUrl(issue.url);
  return {
    title,
    message: link ? '{0}' : issue.key,
    messageData: link ? [{ url: link, label: issue.key }] : [],
    variant: 'success',
  };
}

/**
 * Problems from Apex ([{field, message}]) grouped by the DTO property they concern; those
 * without a field are general.
 * @param {Array<{field: string, message: string}>} problems problems
 * @returns {{byField: Object<string, string[]>, general: string[]}} grouped messages
 */
export function groupProblems(problems) {
  const byField = {};
  const general = [];
  (problems || []).forEach((problem) => {
    if (!problem || !problem.message) {
      return;
    }
    if (problem.field) {
      byField[problem.field] = [...(byField[problem.field] || []), problem.message];
    } else {
      general.push(problem.message);
    }
  });
  return { byField, general };
}

/**
 * A date (without time) in the user's locale, or '' when empty or invalid.
 * @param {string|number|Date} value ISO-8601 text, epoch millis or Date
 * @param {string} [locale] BCP 47 locale (defaults to the browser's)
 * @returns {string} text
 */
export function formatDate(value, locale) {
  if (value === null || value === undefined || value === '') {
    return '';
  }
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}

/**
 * SLDS badge class for a Jira status category (new, indeterminate, done).
 * @param {string} category status category key or name
 * @returns {string} classes
 */
export function statusBadgeClass(category) {
  const key = String(category || '').toLowerCase();
  if (key === 'done') {
    return 'slds-badge slds-theme_success';
  }
  if (key === 'indeterminate' || key === 'in progress') {
    return 'slds-badge slds-badge_inverse';
  }
  return 'slds-badge';
}

function adfText(node) {
  if (!node || typeof node !== 'object') {
    return '';
  }
  if (node.type === 'text') {
    return node.text || '';
  }
  if (node.type === 'hardBreak') {
    return '\n';
  }
  const children = Array.isArray(node.content) ? node.content.map(adfText) : [];
  const blocks = ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote'];
  return children.join(blocks.includes(node.type) ? '' : '\n').trim();
}

/**
 * A Jira field value as readable text: option/priority/user objects by name or value, lists
 * joined, Atlassian Document Format by its text, anything else as compact JSON.
 * @param {*} value value from a Jira payload
 * @returns {string} text
 */
export function formatPayloadValue(value) {
  if (value === null || value === undefined) {
    return '';
  }
  if (Array.isArray(value)) {
    return value.map(formatPayloadValue).join(', ');
  }
  if (typeof value !== 'object') {
    return String(value);
  }
  if (value.type === 'doc') {
    return adfText(value);
  }
  for (const key of ['name', 'value', 'key', 'displayName', 'accountId', 'id']) {
    if (value[key] !== undefined && value[key] !== null && typeof value[key] !== 'object') {
      return String(value[key]);
    }
  }
  return JSON.stringify(value);
}

/**
 * The fields of a preview payload ({"fields": {...}} as pretty JSON) as rows, in payload order.
 * @param {string} payloadJson preview payload JSON
 * @returns {Array<{id: string, value: string}>} rows
 */
export function previewFields(payloadJson) {
  if (!payloadJson) {
    return [];
  }
  let payload;
  try {
    payload = JSON.parse(payloadJson);
  } catch {
    return [];
  }
  const fields = payload && payload.fields ? payload.fields : payload;
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
    return [];
  }
  return Object.keys(fields).map((id) => ({ id, value: formatPayloadValue(fields[id]) }));
}

/**
 * How a Jira transition reads: its name, with the target status when that differs.
 * @param {{name: string, toStatus: string}} transition RelayModels.Transition
 * @returns {string} text
 */
export function transitionLabel(transition) {
  return transition.toStatus && transition.toStatus !== transition.name
    ? `${transition.name} → ${transition.toStatus}`
    : transition.name;
}

/**
 * Combobox options from Apex RelayModels.Option rows ({value, label}).
 * @param {Array<{value: string, label: string}>} rows rows
 * @returns {Array<{value: string, label: string}>} options
 */
export function toOptions(rows) {
  return (rows || []).map((row) => ({ value: row.value, label: row.label || row.value }));
}

let nextMappingKey = 0;

/**
 * Reads a template's field mappings JSON into editable rows.
 * @param {string} json stored JSON (blank for none)
 * @returns {Array<object>} rows {key, jiraField, value, valueMapText, defaultValue}
 */
export function mappingsToRows(json) {
  let parsed = [];
  try {
    parsed = json ? JSON.parse(json) : [];
  } catch {
    parsed = [];
  }
  return (Array.isArray(parsed) ? parsed : []).map((mapping) => ({
    key: `m${nextMappingKey++}`,
    jiraField: mapping.jiraField || '',
    value: mapping.value || '',
    valueMapText: Object.entries(mapping.valueMap || {})
      .map(([from, to]) => `${from}=${to}`)
      .join('\n'),
    defaultValue: mapping.default || '',
  }));
}

/**
 * Writes rows back as the JSON the relay and Apex accept: jiraField, value, and valueMap and
 * default only when set (no other keys). Rows without a Jira field are dropped.
 * @param {Array<object>} rows rows
 * @returns {string} JSON ('' when there are none)
 */
export function rowsToMappings(rows) {
  const mappings = (rows || [])
    .filter((row) => row.jiraField && row.jiraField.trim())
    .map((row) => {
      const mapping = { jiraField: row.jiraField.trim(), value: row.value || '' };
      const valueMap = {};
      (row.valueMapText || '').split(/\r?\n/).forEach((line) => {
        const at = line.indexOf('=');
        if (at > 0) {
          valueMap[line.slice(0, at).trim()] = line.slice(at + 1).trim();
        }
      });
      if (Object.keys(valueMap).length) {
        mapping.valueMap = valueMap;
      }
      if (row.defaultValue) {
        mapping.default = row.defaultValue;
      }
      return mapping;
    });
  return mappings.length ? JSON.stringify(mappings) : '';
}

/**
 * An empty field-mapping row.
 * @returns {object} row
 */
export function newMappingRow() {
  return {
    key: `m${nextMappingKey++}`,
    jiraField: '',
    value: '',
    valueMapText: '',
    defaultValue: '',
  };
}

/**
 * Merge-field paths in a template text: the first token of every {{ … }} (filters ignored).
 * @param {string} text template text
 * @returns {string[]} paths in order of use, without duplicates
 */
export function mergeFieldPaths(text) {
  const paths = [];
  for (const match of String(text || '').matchAll(/\{\{\s*([^\s|}]+)/g)) {
    if (!paths.includes(match[1])) {
      paths.push(match[1]);
    }
  }
  return paths;
}

/**
 * Runs a function once, later. The one timer of the components: waiting after typing,
 * polling while the admin is in Atlassian and noticing when a link lapses are all waits for
 * something outside the component, which is what the platform rule warns about in general.
 * @param {Function} fn function
 * @param {number} waitMs delay
 * @returns {Function} cancels the call if it has not run yet
 */
export function later(fn, waitMs) {
  // code-analyzer-suppress(eslint:@lwc/lwc/no-async-operation) a deliberate wait: debounce, polling and link expiry; every caller cancels it when its component goes away
  const timer = setTimeout(fn, waitMs);
  // code-analyzer-unsuppress(eslint:@lwc/lwc/no-async-operation)
  return () => clearTimeout(timer);
}

/**
 * Runs a function after the user stopped typing.
 * @param {Function} fn function
 * @param {number} waitMs delay
 * @returns {Function} debounced function with a cancel() method
 */
export function debounce(fn, waitMs) {
  let cancel = () => {};
  const debounced = (...args) => {
    cancel();
    cancel = later(() => fn(...args), waitMs);
  };
  debounced.cancel = () => cancel();
  return debounced;
}

/**
 * A file size for people: "512 B", "48 KB", "9.5 MB" (1 KB = 1,024 bytes), as Apex's
 * JiraAttachmentPolicy.describeSize writes it in its messages.
 * @param {number} bytes size
 * @returns {string} text ('' when not a number)
 */
export function formatFileSize(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1048576) {
    return `${Math.ceil(bytes / 1024)} KB`;
  }
  return `${Number((bytes / 1048576).toFixed(1))} MB`;
}

/**
 * Why a choice of files may not be sent together under a template's limits (the same rule
 * Apex re-checks before any callout): too many files, or too many bytes in total.
 * @param {object} listing getRecordFiles answer: { maxFiles, maxTotalBytes, files: [...] }
 * @param {string[]} chosenIds chosen ContentVersion ids
 * @returns {{reason: 'count'|'total', limit: number}|null} the broken limit, or null
 */
export function fileChoiceProblem(listing, chosenIds) {
  const ids = chosenIds || [];
  if (!listing || ids.length === 0) {
    return null;
  }
  if (ids.length > listing.maxFiles) {
    return { reason: 'count', limit: listing.maxFiles };
  }
  const total = (listing.files || [])
    .filter((file) => ids.includes(file.contentVersionId))
    .reduce((sum, file) => sum + (file.size || 0), 0);
  if (total > listing.maxTotalBytes) {
    return { reason: 'total', limit: listing.maxTotalBytes };
  }
  return null;
}

/**
 * The files of a create or comment answer that did not reach Jira.
 * @param {Array} results the answer's `attachments` (per-file results), or nothing
 * @returns {Array} the failed ones, in order
 */
export function failedAttachments(results) {
  return (results || []).filter((result) => result && result.attached !== true);
}

/**
 * The failed files of an answer as one line for a toast: "dump.bin (reason), …".
 * @param {Array} failed failed per-file results
 * @returns {string} text
 */
export function describeFailedAttachments(failed) {
  return (failed || [])
    .map((result) => {
      const name = result.fileName || result.contentVersionId;
      return result.message ? `${name} (${result.message})` : name;
    })
    .join(', ');
}
