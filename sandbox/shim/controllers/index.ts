import type { ApexController } from '../apex-method';
import { JiraActionsController } from './jira-actions';
import { JiraAuditLogController } from './jira-audit-log';
import { JiraMyJiraController } from './jira-my-jira';
import { JiraSetupController } from './jira-setup';
import { JiraTemplateEditorController } from './jira-template-editor';

/** Every Apex controller the components call, by class name: one handler per @AuraEnabled method. */
export const APEX_CONTROLLERS: Record<string, ApexController> = {
  JiraActionsController,
  JiraAuditLogController,
  JiraMyJiraController,
  JiraSetupController,
  JiraTemplateEditorController,
};
