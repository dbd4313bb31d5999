import { label } from '../org/labels';
import type { SandboxOrg, SObject } from '../org/org';
import { str } from './apex-method';
import { JiraServiceException } from './errors';

/**
 * JiraAttachmentPolicy, JiraRecordFiles and ContentFileSelector of the package: what a
 * template lets users send as files, the record's files judged by it, and the re-check of a
 * choice before any callout. The sandbox user sees every file of the org.
 */

export const MAX_FILES_CEILING = 10;
export const MAX_EXTENSIONS = 50;
const BYTES_PER_MB = 1_048_576;
const MAX_BYTES = 2_147_483_647;
const EXTENSION = /^[a-z0-9]{1,16}$/;

export interface AttachmentPolicy {
  allowed: boolean;
  extensions: string[];
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

/** JiraAttachmentPolicy.extensionsOf */
export function extensionsOf(text: unknown): string[] {
  const result: string[] = [];
  for (const part of String(text ?? '').split(',')) {
    const extension = part.trim().toLowerCase().replace(/^\./, '');
    if (extension && !result.includes(extension)) result.push(extension);
  }
  return result;
}

export const isWellFormed = (extension: string) => EXTENSION.test(extension);

/** JiraAttachmentPolicy.bytesOf */
export function bytesOf(megabytes: unknown): number {
  const value = typeof megabytes === 'number' ? Math.floor(megabytes) : 0;
  return value <= 0 ? 0 : Math.min(value * BYTES_PER_MB, MAX_BYTES);
}

/** JiraAttachmentPolicy.describeSize */
export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < BYTES_PER_MB) return `${Math.ceil(bytes / 1024)} KB`;
  return `${Number((bytes / BYTES_PER_MB).toFixed(1))} MB`;
}

export function policyOf(template: SObject | undefined | null): AttachmentPolicy {
  const allowed = template?.Attachments_Allowed__c === true;
  const maxFiles = template?.Attachment_Max_Files__c;
  return {
    allowed,
    extensions: allowed ? extensionsOf(template?.Attachment_Extensions__c) : [],
    maxFileBytes: allowed ? bytesOf(template?.Attachment_Max_File_MB__c) : 0,
    maxTotalBytes: allowed ? bytesOf(template?.Attachment_Max_Total_MB__c) : 0,
    maxFiles:
      allowed && typeof maxFiles === 'number'
        ? Math.min(Math.floor(maxFiles), MAX_FILES_CEILING)
        : 0,
  };
}

/** JiraAttachmentPolicy.toPayload: the template's `attachments`, or null. */
export function policyPayload(template: SObject): Record<string, unknown> | null {
  const { allowed, ...limits } = policyOf(template);
  return allowed ? limits : null;
}

/** JiraAttachmentPolicy.refusalOf */
export function refusalOf(
  policy: AttachmentPolicy,
  fileName: string,
  extension: string | null,
  size: number | null,
): string | null {
  if (!policy.allowed) return label('Jira_Error_Attachments_Not_Allowed');
  const type = (extension ?? '').toLowerCase();
  if (!policy.extensions.includes(type)) return label('Jira_Error_Attachment_Type', fileName, type);
  if (size === null || size > policy.maxFileBytes)
    return label('Jira_Error_Attachment_Too_Large', fileName, describeSize(policy.maxFileBytes));
  return null;
}

/** JiraAttachmentPolicy.refusalOfChoice */
export function refusalOfChoice(
  policy: AttachmentPolicy,
  count: number,
  totalBytes: number,
): string | null {
  if (count === 0) return null;
  if (!policy.allowed) return label('Jira_Error_Attachments_Not_Allowed');
  if (count > policy.maxFiles) return label('Jira_Error_Attachment_Too_Many', policy.maxFiles);
  if (totalBytes > policy.maxTotalBytes)
    return label('Jira_Error_Attachment_Total', describeSize(policy.maxTotalBytes));
  return null;
}

/** The latest version of each document linked to a record (ContentFileSelector.selectLinkedToRecord). */
function linkedVersions(org: SandboxOrg, recordId: string): SObject[] {
  const documentIds = new Set(
    org
      .records('ContentDocumentLink')
      .filter((link) => link.LinkedEntityId === recordId)
      .map((link) => String(link.ContentDocumentId)),
  );
  return org
    .records('ContentDocument')
    .filter((document) => documentIds.has(document.Id))
    .map((document) => org.get(str(document.LatestPublishedVersionId)))
    .filter((version): version is SObject => version !== undefined);
}

/** JiraRecordFiles.listFor */
export function listFor(org: SandboxOrg, recordId: string, template: SObject) {
  const policy = policyOf(template);
  const files = policy.allowed
    ? linkedVersions(org, recordId).map((version) => {
        const title = String(version.Title);
        const fileExtension = str(version.FileExtension)?.toLowerCase() ?? null;
        const size = typeof version.ContentSize === 'number' ? version.ContentSize : null;
        const reason = refusalOf(policy, title, fileExtension, size);
        return {
          contentVersionId: version.Id,
          title,
          fileExtension,
          size,
          allowed: reason === null,
          reason,
        };
      })
    : [];
  return { ...policy, files };
}

const refuse = (reason: string | null) => {
  if (reason !== null) throw new JiraServiceException('ATTACHMENT_NOT_ALLOWED', reason);
};

/** JiraRecordFiles.requireSendable: the request's `files`, or ATTACHMENT_NOT_ALLOWED. */
export function requireSendable(
  org: SandboxOrg,
  recordId: string,
  template: SObject | null | undefined,
  versionIds: unknown,
): { contentVersionId: string }[] {
  const ids: string[] = [];
  for (const raw of Array.isArray(versionIds) ? versionIds : []) {
    const version = org.getOf('ContentVersion', str(raw));
    if (!version) refuse(label('Jira_Error_Attachment_Not_Found', str(raw)));
    if (version && !ids.includes(version.Id)) ids.push(version.Id);
  }
  if (ids.length === 0) return [];
  const policy = policyOf(template);
  refuse(refusalOfChoice(policy, ids.length, 0));
  const linked = new Set(
    org
      .records('ContentDocumentLink')
      .filter((link) => link.LinkedEntityId === recordId)
      .map((link) => String(link.ContentDocumentId)),
  );
  let totalBytes = 0;
  for (const id of ids) {
    const version = org.get(id) as SObject;
    if (!linked.has(String(version.ContentDocumentId)))
      refuse(label('Jira_Error_Attachment_Not_Found', id));
    const size = typeof version.ContentSize === 'number' ? version.ContentSize : null;
    refuse(refusalOf(policy, String(version.Title), str(version.FileExtension), size));
    totalBytes += size ?? 0;
  }
  refuse(refusalOfChoice(policy, ids.length, totalBytes));
  return ids.map((contentVersionId) => ({ contentVersionId }));
}

/** Attaches a file to a record as Salesforce does on upload: document, first version, link. */
export function attachFile(
  org: SandboxOrg,
  recordId: string,
  file: { title: string; extension: string; body: Buffer },
): SObject {
  const document = org.insert('ContentDocument', {
    Title: file.title,
    FileExtension: file.extension,
    ContentSize: file.body.length,
  });
  const version = org.insert('ContentVersion', {
    Title: file.title,
    FileExtension: file.extension,
    ContentSize: file.body.length,
    ContentDocumentId: document.Id,
    IsLatest: true,
    VersionData: file.body,
  });
  org.update(document.Id, { LatestPublishedVersionId: version.Id });
  org.insert('ContentDocumentLink', { LinkedEntityId: recordId, ContentDocumentId: document.Id });
  return version;
}
