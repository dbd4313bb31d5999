import { LightningElement, wire } from 'lwc';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import getEventsInRange from '@salesforce/apex/JiraAuditLogController.getEventsInRange';
import canSeeAllEvents from '@salesforce/apex/JiraAuditLogController.canSeeAllEvents';
import AUDIT_EVENT_OBJECT from '@salesforce/schema/Jira_Audit_Event__c';
import OPERATION_FIELD from '@salesforce/schema/Jira_Audit_Event__c.Operation__c';
import OUTCOME_FIELD from '@salesforce/schema/Jira_Audit_Event__c.Outcome__c';
import { formatLabel } from 'c/jiraUtils';
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
import RECORD from '@salesforce/label/c.Jira_Audit_Record';
import ISSUE from '@salesforce/label/c.Jira_Audit_Issue';
import CONNECTION from '@salesforce/label/c.Jira_Audit_Connection';
import ERROR_CODE from '@salesforce/label/c.Jira_Audit_Error_Code';
import ERROR_MESSAGE from '@salesforce/label/c.Jira_Audit_Error_Message';
import JIRA_STATUS from '@salesforce/label/c.Jira_Audit_Jira_Status';
import DURATION from '@salesforce/label/c.Jira_Audit_Duration';
import EMPTY from '@salesforce/label/c.Jira_Audit_Empty';
import PREVIOUS from '@salesforce/label/c.Jira_Audit_Previous';
import NEXT from '@salesforce/label/c.Jira_Audit_Next';
import PAGE from '@salesforce/label/c.Jira_Audit_Page';
import FAILED from '@salesforce/label/c.Jira_Audit_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';

const PAGE_SIZE = 50;
/** The selector caps OFFSET at 2000 rows. */
const MAX_OFFSET = 2000;

const COLUMNS = [
  {
    label: OCCURRED,
    fieldName: 'Occurred_At__c',
    type: 'date',
    typeAttributes: {
      year: 'numeric',
      month: 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    },
    initialWidth: 190,
  },
  { label: OPERATION, fieldName: 'Operation__c', type: 'text' },
  { label: OUTCOME, fieldName: 'Outcome__c', type: 'text' },
  { label: USER, fieldName: 'actingUserName', type: 'text' },
  { label: RECORD, fieldName: 'Record_Id__c', type: 'text' },
  { label: ISSUE, fieldName: 'Issue_Key__c', type: 'text' },
  { label: CONNECTION, fieldName: 'Connection__c', type: 'text' },
  { label: ERROR_CODE, fieldName: 'Error_Code__c', type: 'text' },
  { label: ERROR_MESSAGE, fieldName: 'Error_Message__c', type: 'text', wrapText: true },
  { label: JIRA_STATUS, fieldName: 'Jira_Status__c', type: 'number', initialWidth: 110 },
  { label: DURATION, fieldName: 'Duration_Ms__c', type: 'number', initialWidth: 120 },
];

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
 * Audit log of Jira operations: a filterable, paged table of Jira_Audit_Event__c. Admins see
 * every event; other users their own (enforced in Apex, stated here).
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
    EMPTY,
    PREVIOUS,
    NEXT,
    FAILED,
    LOADING,
  };
  columns = COLUMNS;

  operation = '';
  outcome = '';
  fromDate = '';
  toDate = '';
  pageIndex = 0;
  rows = [];
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

  get hasRows() {
    return this.rows.length > 0;
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
      this.rows.length < PAGE_SIZE ||
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
      this.rows = (events || []).map((event) => ({
        ...event,
        actingUserName: event.Acting_User__r ? event.Acting_User__r.Name : '',
      }));
    } catch (error) {
      this.rows = [];
      this.errors = error;
    } finally {
      this.isLoading = false;
      this.loaded = true;
    }
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
