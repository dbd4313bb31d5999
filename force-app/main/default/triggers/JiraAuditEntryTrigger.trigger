/**
 * Stores the audit entries Apex publishes (refusals, failed Flow records) as audit events.
 */
trigger JiraAuditEntryTrigger on Jira_Audit_Entry__e(after insert) {
    JiraAuditTrail.store(Trigger.new);
}
