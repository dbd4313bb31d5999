/**
 * The shared contract fixtures: rules both the package (Apex, LWC) and the relay implement,
 * written once as JSON. They live in force-app/main/default/staticresources so the Apex test
 * JiraContractFixtures_Test reads the same files in an org (as static resources); the relay's
 * tests, the LWC Jest tests and the offline Apex checks read them from disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DIR } from './metadata';

export const CONTRACT_DIR = join(DEFAULT_DIR, 'staticresources');

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(CONTRACT_DIR, `${name}.json`), 'utf8')) as T;
}

export interface MergeFieldCase {
  name: string;
  text: string;
  /** First token of every tag, built-ins included, in order of first use. */
  paths: string[];
  /** The same without built-ins: the record fields Apex queries. */
  recordPaths: string[];
  /** Whether the relay's full parser accepts the text. */
  valid: boolean;
}

export interface MergeFieldContract {
  pattern: string;
  builtIns: string[];
  cases: MergeFieldCase[];
}

export interface FieldMapping {
  jiraField: string;
  value: string;
  valueMap?: Record<string, string>;
  default?: string;
}

export type FieldMappingCase =
  | { name: string; json: string; valid: true; fields: FieldMapping[] }
  | { name: string; json: string; valid: false; layer: 'shape' | 'jira' };

export interface FieldMappingContract {
  maxFields: number;
  reservedJiraFields: string[];
  cases: FieldMappingCase[];
}

export interface OfferedTransition {
  id: string;
  name: string;
  toStatus?: string;
}

export interface TransitionCase {
  name: string;
  /** Allowed_Transitions__c as the admin typed it. */
  allowedText: string;
  /** The template's allowedTransitions after splitting the text. */
  allowed: string[];
  /** Ids of the offered transitions the template allows. */
  allowedIds: string[];
}

export interface TransitionContract {
  maxAllowed: number;
  maxNameLength: number;
  offered: OfferedTransition[];
  cases: TransitionCase[];
}

export type ApexErrorCategory =
  | 'authentication'
  | 'connection'
  | 'validation'
  | 'conflict'
  | 'notFound'
  | 'rateLimit'
  | 'unavailable'
  | 'relay';

export interface ErrorContract {
  categories: ApexErrorCategory[];
  relayCodes: Array<{ code: string; status: number; apexCategory: ApexErrorCategory }>;
  salesforceCodes: Array<{ code: string; apexCategory: ApexErrorCategory; meaning: string }>;
}

export interface LimitsContract {
  bulkCreateMaxRecords: number;
  templateMaxFieldMappings: number;
  templateMaxAllowedTransitions: number;
  allowedTransitionMaxLength: number;
  connectionNameMaxLength: number;
  commentMaxLength: number;
  auditEventsPerUpsertMax: number;
  signatureWindowSeconds: number;
  nonceLength: { min: number; max: number };
  namespacePattern: string;
  attachmentMaxFiles: number;
  attachmentMaxExtensions: number;
  attachmentMaxBytes: number;
  attachmentExtensionPattern: string;
}

export const mergeFieldContract = () => load<MergeFieldContract>('JiraContractMergeFields');
export const fieldMappingContract = () => load<FieldMappingContract>('JiraContractFieldMappings');
export const transitionContract = () => load<TransitionContract>('JiraContractTransitions');
export const errorContract = () => load<ErrorContract>('JiraContractErrors');
export const limitsContract = () => load<LimitsContract>('JiraContractLimits');
