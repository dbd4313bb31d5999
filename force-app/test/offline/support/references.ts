/**
 * Extraction of the names Apex and Lightning Web Components refer to, for the offline
 * cross-checks against force-app metadata.
 */
import type { ObjectDefinition } from './metadata';

/** A static SOQL query found in Apex: its object and every custom field path it names. */
export interface StaticQuery {
  objectApiName: string;
  paths: string[];
  text: string;
}

/** Static SOQL queries (`[SELECT … FROM X …]`) in comment-free Apex source. */
export function staticQueries(code: string): StaticQuery[] {
  const queries: StaticQuery[] = [];
  for (const match of code.matchAll(/\[\s*(SELECT\s[\s\S]*?)\]/gi)) {
    const text = match[1] ?? '';
    const from = /\bFROM\s+(\w+)/i.exec(text);
    if (!from?.[1]) continue;
    const paths = [...text.matchAll(/\b((?:\w+__r\.)*\w+__c)\b/g)]
      .map((found) => found[1] ?? '')
      .filter((path) => path !== from[1]);
    queries.push({ objectApiName: from[1], paths: [...new Set(paths)], text });
  }
  return queries;
}

/**
 * Resolves a custom path such as `Template__r.Allow_Comments__c` on an object defined in
 * force-app; returns the problem, or null when it resolves.
 */
export function resolveCustomPath(
  objects: Map<string, ObjectDefinition>,
  objectApiName: string,
  path: string,
): string | null {
  let current = objects.get(objectApiName);
  const segments = path.split('.');
  for (const [index, segment] of segments.entries()) {
    if (!current)
      return `${objectApiName}: ${path} — object of segment ${segment} is not in force-app`;
    const last = index === segments.length - 1;
    if (last) {
      return current.fields.has(segment) ? null : `${current.apiName}.${segment} does not exist`;
    }
    const lookup = current.fields.get(segment.replace(/__r$/, '__c'));
    if (!lookup?.referenceTo) return `${current.apiName}.${segment} is not a lookup`;
    if (lookup.referenceTo === 'User') return null;
    current = objects.get(lookup.referenceTo);
  }
  return null;
}

/** Custom labels named in Apex (`Label.X`, `System.Label.X`). */
export function apexLabels(code: string): string[] {
  return [...code.matchAll(/\bLabel\.(\w+)/g)].map((match) => match[1] ?? '');
}

/** Custom labels imported by a Lightning Web Component. */
export function lwcLabels(source: string): string[] {
  return [...source.matchAll(/['"]@salesforce\/label\/c\.(\w+)['"]/g)].map(
    (match) => match[1] ?? '',
  );
}

/** `{ className, methodName }` of every `@salesforce/apex/Class.method` import. */
export function lwcApexImports(source: string): Array<{ className: string; methodName: string }> {
  return [...source.matchAll(/['"]@salesforce\/apex\/(\w+)\.(\w+)['"]/g)].map((match) => ({
    className: match[1] ?? '',
    methodName: match[2] ?? '',
  }));
}

/** `Object.Field` paths of every `@salesforce/schema/…` import (objects alone included as `Object`). */
export function lwcSchemaImports(source: string): string[] {
  return [...source.matchAll(/['"]@salesforce\/schema\/([\w.]+)['"]/g)].map(
    (match) => match[1] ?? '',
  );
}

/** Names of the static `@AuraEnabled` methods of an Apex class. */
export function auraEnabledMethods(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(
    /@AuraEnabled(?:\([^)]*\))?\s+(?:public|global)\s+static\s+[\w<>,.\s]+?\s+(\w+)\s*\(/gi,
  )) {
    names.add(match[1] ?? '');
  }
  return names;
}
