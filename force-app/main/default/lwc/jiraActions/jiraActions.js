import { LightningElement, api, wire } from 'lwc';
import { RefreshEvent } from 'lightning/refresh';
import getTemplates from '@salesforce/apex/JiraActionsController.getTemplates';
import getLinkedIssues from '@salesforce/apex/JiraActionsController.getLinkedIssues';
import getConnectionsToReconnect from '@salesforce/apex/JiraActionsController.getConnectionsToReconnect';
import { formatDateTime, formatLabel, httpsUrl, statusBadgeClass, toOptions } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Actions_Title';
import CREATE from '@salesforce/label/c.Jira_Actions_Create';
import LINK from '@salesforce/label/c.Jira_Actions_Link';
import REFRESH from '@salesforce/label/c.Jira_Actions_Refresh';
import EMPTY from '@salesforce/label/c.Jira_Actions_Empty';
import MISSING from '@salesforce/label/c.Jira_Actions_Missing';
import VIEW_ISSUE from '@salesforce/label/c.Jira_Actions_View_Issue';
import COMMENT_ISSUE from '@salesforce/label/c.Jira_Actions_Comment_Issue';
import TRANSITION_ISSUE from '@salesforce/label/c.Jira_Actions_Transition_Issue';
import UNLINK_ISSUE from '@salesforce/label/c.Jira_Actions_Unlink_Issue';
import LINKED_ISSUES from '@salesforce/label/c.Jira_Actions_Linked_Issues';
import UNASSIGNED from '@salesforce/label/c.Jira_Unassigned';
import UPDATED from '@salesforce/label/c.Jira_Field_Updated';
import LOADING from '@salesforce/label/c.Jira_Loading';
import LOAD_FAILED from '@salesforce/label/c.Jira_Actions_Load_Failed';
import TEMPLATES_FAILED from '@salesforce/label/c.Jira_Actions_Templates_Failed';
import RECONNECT from '@salesforce/label/c.Jira_Actions_Reconnect';

const PANEL_CREATE = 'create';
const PANEL_LINK = 'link';

/**
 * Record page container of Pharos Jira: lists the record's linked Jira issues with their
 * current status (one call), and composes one small component per user action: create,
 * link, view, comment, transition and unlink. When the last health check found that a
 * connection of the record's templates needs an admin to reconnect it, the card says so
 * first, before the user fills anything in. Every write ends with a refresh of the list and of the
 * page (RefreshEvent) so related lists of Jira links follow.
 */
export default class JiraActions extends LightningElement {
  /** Set by the record page. */
  @api recordId;
  /** Set by the record page. */
  @api objectApiName;
  /** Design attribute: name of the template to preselect when creating or linking. */
  @api templateName;

  labels = {
    TITLE,
    CREATE,
    LINK,
    REFRESH,
    EMPTY,
    MISSING,
    LINKED_ISSUES,
    UPDATED,
    LOADING,
    LOAD_FAILED,
    TEMPLATES_FAILED,
  };

  templates = [];
  templatesError;
  issues = [];
  loaded = false;
  isLoading = false;
  errors;
  /** 'create', 'link' or null. */
  panel = null;
  /**
   * The issue row with an open action:
   * { linkId, mode: 'view' | 'comment' | 'transition' | 'unlink' }.
   */
  expanded = null;

  /** Templates rarely change: cached read. */
  @wire(getTemplates, { recordId: '$recordId' })
  wiredTemplates({ data, error }) {
    if (data) {
      this.templates = toOptions(data);
      this.templatesError = undefined;
    } else if (error) {
      this.templates = [];
      this.templatesError = error;
    }
  }

  /** Connections the last health check found needing re-authorization (cached read). */
  reconnect = [];

  @wire(getConnectionsToReconnect, { recordId: '$recordId' })
  wiredReconnect({ data }) {
    // A failed read shows nothing: the actions themselves still report their own errors.
    this.reconnect = data || [];
  }

  get reconnectNotices() {
    return this.reconnect.map((connection) => ({
      connection,
      text: formatLabel(RECONNECT, connection),
    }));
  }

  connectedCallback() {
    this.loadIssues();
  }

  /** Linked issues with live Jira status: not cached, read on every load and after writes. */
  async loadIssues() {
    if (!this.recordId) {
      return;
    }
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.issues = (await getLinkedIssues({ recordId: this.recordId })) || [];
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
      this.loaded = true;
    }
  }

  get defaultTemplateId() {
    const wanted = (this.templateName || '').trim().toLowerCase();
    const match = wanted
      ? this.templates.find((option) => option.label.toLowerCase() === wanted)
      : null;
    return match ? match.value : undefined;
  }

  get hasIssues() {
    return this.issues.length > 0;
  }

  get showEmpty() {
    return this.loaded && !this.isLoading && !this.errors && !this.hasIssues;
  }

  get showCreate() {
    return this.panel === PANEL_CREATE;
  }

  get showLink() {
    return this.panel === PANEL_LINK;
  }

  get cardTitle() {
    return this.hasIssues ? `${TITLE} (${this.issues.length})` : TITLE;
  }

  get rows() {
    const expanded = this.expanded || {};
    return this.issues.map((issue) => {
      const open = expanded.linkId === issue.linkId ? expanded.mode : null;
      const status = issue.status || {};
      return {
        ...issue,
        statusName: status.name || '',
        statusClass: statusBadgeClass(status.category),
        assigneeText: issue.assignee || UNASSIGNED,
        updatedText: formatDateTime(issue.updated),
        hasUpdated: Boolean(formatDateTime(issue.updated)),
        issueLink: httpsUrl(issue.url),
        hasTemplate: Boolean(issue.templateId),
        canAct: !issue.missing,
        viewLabel: formatLabel(VIEW_ISSUE, issue.key),
        commentLabel: formatLabel(COMMENT_ISSUE, issue.key),
        transitionLabel: formatLabel(TRANSITION_ISSUE, issue.key),
        unlinkLabel: formatLabel(UNLINK_ISSUE, issue.key),
        viewOpen: open === 'view',
        commentOpen: open === 'comment',
        transitionOpen: open === 'transition',
        unlinkOpen: open === 'unlink',
      };
    });
  }

  handleShowCreate() {
    this.panel = this.panel === PANEL_CREATE ? null : PANEL_CREATE;
  }

  handleShowLink() {
    this.panel = this.panel === PANEL_LINK ? null : PANEL_LINK;
  }

  handleClosePanel() {
    this.panel = null;
  }

  handleRowAction(event) {
    const { linkId, mode } = event.currentTarget.dataset;
    const same = this.expanded && this.expanded.linkId === linkId && this.expanded.mode === mode;
    this.expanded = same ? null : { linkId, mode };
  }

  handleCloseRow() {
    this.expanded = null;
  }

  handleRefresh() {
    this.loadIssues();
  }

  /** After create or link: the new issue shows in the list; the panel stays for its link. */
  handleIssueAdded() {
    this.afterWrite();
  }

  /** After a comment or a transition: show the issue as it is now. */
  handleIssueChanged(event) {
    this.expanded = { linkId: event.detail.linkId, mode: 'view' };
    this.afterWrite();
  }

  /** After an unlink: the issue leaves the list. */
  handleIssueUnlinked() {
    this.expanded = null;
    this.afterWrite();
  }

  afterWrite() {
    this.loadIssues();
    this.dispatchEvent(new RefreshEvent());
  }
}
