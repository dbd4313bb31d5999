/**
 * Shares new audit events with their acting users (read only).
 */
trigger JiraAuditEventTrigger on Jira_Audit_Event__c(after insert) {
    JiraAuditSharing.shareWithActingUsers(Trigger.new);
}
