/**
 * Rejects rule templates whose JSON, object or merge fields do not resolve (not when only
 * what the health check records changes).
 */
trigger JiraRuleTemplateTrigger on Jira_Rule_Template__c(before insert, before update) {
    JiraTemplateValidation.rejectInvalid(Trigger.new, Trigger.oldMap);
}
