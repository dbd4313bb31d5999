/**
 * Rejects rule templates whose JSON, object or merge fields do not resolve.
 */
trigger JiraRuleTemplateTrigger on Jira_Rule_Template__c(before insert, before update) {
    JiraTemplateValidation.rejectInvalid(Trigger.new);
}
