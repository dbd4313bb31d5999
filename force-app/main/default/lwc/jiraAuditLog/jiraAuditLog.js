import { LightningElement, wire } from 'lwc';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import getEventsInRange from '@salesforce/apex/JiraAuditLogController.getEventsInRange';
import canSeeAllEvents from '@salesforce/apex/JiraAuditLogController.canSeeAllEvents';
import AUDIT_EVENT_OBJECT from '@salesforce/schema/Jira_Audit_Event__c';
import OPERATION_FIELD from '@salesforce/schema/Jira_Audit_Event__c.Operation__c';
import OUTCOME_FIELD from '@salesforce/schema/Jira_Audit_Event__c.Outcome__c';
import { formatDateTime, formatLabel, httpsUrl } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Audit_Title';
import OWN_ONLY from '@salesforce/label/c.Jira_Audit_Own_Only';
import FILTERS from '@salesforce/label/c.Jira_Audit_Filters';
import OPERATION from '@salesforce/label/c.Jira_Audit_Operation';
import OUTCOME from '@salesforce/label/c.Jira_Audit_Outcome';
import ALL from '@salesforce/label/c.Jira_Audit_All';
import FROM_DATE from '@salesforce/label/c.Jira_Audit_From';
import TO_DATE from '@salesforce/label/c.Jira_Audit_To';
import RANGE_INVALID from '@salesforce/label/c.Jira_Audit_Range_Invalid';
import CLEAR from '@salesforce/label/c.Jira_Audit_Clear';
import OCCURRED from '@salesforce/label/c.Jira_Audit_Occurred';
import USER from '@salesforce/label/c.Jira_Audit_User';
import AUTOMATION from '@salesforce/label/c.Jira_Audit_Automation';
import RECORD from '@salesforce/label/c.Jira_Audit_Record';
import ISSUE from '@salesforce/label/c.Jira_Audit_Issue';
import CONNECTION from '@salesforce/label/c.Jira_Audit_Connection';
import ERROR_CODE from '@salesforce/label/c.Jira_Audit_Error_Code';
import ERROR_MESSAGE from '@salesforce/label/c.Jira_Audit_Error_Message';
import JIRA_STATUS from '@salesforce/label/c.Jira_Audit_Jira_Status';
import DURATION from '@salesforce/label/c.Jira_Audit_Duration';
import REQUEST_ID from '@salesforce/label/c.Jira_Audit_Request_Id';
import TEMPLATE from '@salesforce/label/c.Jira_Audit_Template';
import FIELDS_SENT from '@salesforce/label/c.Jira_Audit_Fields_Sent';
import FILES_SENT from '@salesforce/label/c.Jira_Audit_Files_Sent';
import DETAILS from '@salesforce/label/c.Jira_Audit_Details';
import SHOW_DETAILS from '@salesforce/label/c.Jira_Audit_Show_Details';
import EMPTY from '@salesforce/label/c.Jira_Audit_Empty';
import PREVIOUS from '@salesforce/label/c.Jira_Audit_Previous';
import NEXT from '@salesforce/label/c.Jira_Audit_Next';
import PAGE from '@salesforce/label/c.Jira_Audit_Page';
import FAILED from '@salesforce/label/c.Jira_Audit_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';

const PAGE_SIZE = 50;
/** The selector caps OFFSET at 2000 rows. */
const MAX_OFFSET = 2000;
const OUTCOME_BADGES = {
  Success: 'outcome slds-badge slds-theme_success',
  Failed: 'outcome slds-badge slds-theme_error',
  Denied: 'outcome slds-badge slds-theme_warning',
  Skipped: 'outcome slds-badge slds-badge_lightest',
};

function picklistOptions(data) {
  return [
    { value: '', label: ALL },
    ...((data && data.values) || []).map((entry) => ({
      value: entry.value,
      label: entry.label,
    })),
  ];
}

/** Local start or end of a YYYY-MM-DD day as an ISO instant, or null. */
function dayBoundary(day, end) {
  if (!day) {
    return null;
  }
  const date = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * Audit log of Jira operations: a filterable, paged table of audit events (JiraAuditEventDto).
 * Each row shows what a person scans for — when, what, outcome, who, which record, which
 * issue, what went wrong — and opens a detail with the rest. Records and issues are links
 * only when their address is https. Admins see every event; other users their own (enforced
 * in Apex, stated here).
 */
export default class JiraAuditLog extends LightningElement {
  labels = {
    TITLE,
    OWN_ONLY,
    FILTERS,
    OPERATION,
    OUTCOME,
    FROM_DATE,
    TO_DATE,
    RANGE_INVALID,
    CLEAR,
    OCCURRED,
    USER,
    RECORD,
    ISSUE,
    ERROR_MESSAGE,
    CONNECTION,
    ERROR_CODE,
    JIRA_STATUS,
    DURATION,
    REQUEST_ID,
    TEMPLATE,
    FIELDS_SENT,
    FILES_SENT,
    DETAILS,
    EMPTY,
    PREVIOUS,
    NEXT,
    FAILED,
    LOADING,
  };

  operation = '';
  outcome = '';
  fromDate = '';
  toDate = '';
  pageIndex = 0;
  events = [];
  /** Id of the event whose detail is open. */
  openId;
  loaded = false;
  isLoading = false;
  errors;
  operationOptions = picklistOptions();
  outcomeOptions = picklistOptions();

  @wire(canSeeAllEvents)
  seesAll;

  @wire(getObjectInfo, { objectApiName: AUDIT_EVENT_OBJECT })
  objectInfo;

  @wire(getPicklistValues, {
    recordTypeId: '$objectInfo.data.defaultRecordTypeId',
    fieldApiName: OPERATION_FIELD,
  })
  wiredOperations({ data }) {
    if (data) {
      this.operationOptions = picklistOptions(data);
    }
  }

  @wire(getPicklistValues, {
    recordTypeId: '$objectInfo.data.defaultRecordTypeId',
    fieldApiName: OUTCOME_FIELD,
  })
  wiredOutcomes({ data }) {
    if (data) {
      this.outcomeOptions = picklistOptions(data);
    }
  }

  connectedCallback() {
    this.load();
  }

  get ownEventsOnly() {
    return Boolean(this.seesAll && this.seesAll.data === false);
  }

  get rangeInvalid() {
    return Boolean(this.fromDate && this.toDate && this.fromDate > this.toDate);
  }

  get rows() {
    return this.events.map((event) => {
      const when = formatDateTime(event.occurredAt);
      const operation = event.operationLabel || event.operation || '';
      const open = event.id === this.openId;
      const files = (event.filesSent || []).map((text, index) => ({
        key: `${event.id}-file-${index}`,
        text,
      }));
      return {
        ...event,
        when,
        operationText: operation,
        outcomeText: event.outcomeLabel || event.outcome || '',
        outcomeClass: OUTCOME_BADGES[event.outcome] || 'outcome slds-badge',
        userText: event.actingUserName || AUTOMATION,
        recordText: event.recordName || event.recordId || '',
        recordLink: httpsUrl(event.recordUrl),
        issueLink: httpsUrl(event.issueUrl),
        errorText: event.errorMessage || event.errorCode || '',
        detailsLabel: formatLabel(SHOW_DETAILS, operation, when),
        open,
        expanded: open ? 'true' : 'false',
        detailKey: `${event.id}-detail`,
        files,
        hasFiles: files.length > 0,
      };
    });
  }

  get hasRows() {
    return this.events.length > 0;
  }

  get showEmpty() {
    return this.loaded && !this.isLoading && !this.errors && !this.hasRows;
  }

  get pageText() {
    return formatLabel(PAGE, this.pageIndex + 1);
  }

  get previousDisabled() {
    return this.isLoading || this.pageIndex === 0;
  }

  get nextDisabled() {
    // A short page is the last one; the selector cannot skip more than MAX_OFFSET rows.
    return (
      this.isLoading ||
      this.events.length < PAGE_SIZE ||
      (this.pageIndex + 1) * PAGE_SIZE > MAX_OFFSET
    );
  }

  async load() {
    if (this.rangeInvalid) {
      return;
    }
    this.isLoading = true;
    this.errors = undefined;
    try {
      const events = await getEventsInRange({
        operation: this.operation || null,
        outcome: this.outcome || null,
        recordId: null,
        occurredFrom: dayBoundary(this.fromDate, false),
        occurredTo: dayBoundary(this.toDate, true),
        pageSize: PAGE_SIZE,
        offsetRows: this.pageIndex * PAGE_SIZE,
      });
      this.events = events || [];
      this.openId = undefined;
    } catch (error) {
      this.events = [];
      this.errors = error;
    } finally {
      this.isLoading = false;
      this.loaded = true;
    }
  }

  handleToggleDetail(event) {
    const id = event.currentTarget.dataset.id;
    this.openId = this.openId === id ? undefined : id;
  }

  handleFilterChange(event) {
    this[event.target.dataset.filter] = event.detail.value || '';
    this.pageIndex = 0;
    this.load();
  }

  handleClear() {
    this.operation = '';
    this.outcome = '';
    this.fromDate = '';
    this.toDate = '';
    this.pageIndex = 0;
    this.load();
  }

  handlePrevious() {
    this.pageIndex = Math.max(0, this.pageIndex - 1);
    this.load();
  }

  handleNext() {
    this.pageIndex += 1;
    this.load();
  }
}
