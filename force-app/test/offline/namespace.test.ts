/**
 * The package is installed with a namespace: in a subscriber org every custom object and field
 * is `<ns>__Name__c`. Apex inside the package resolves its own names, and so do
 * `@salesforce/schema` imports; anything else a component reads by a `…__c` key (an sObject
 * handed over by Apex, a hand-written field name) comes back blank. So components name no
 * custom object or field outside schema imports, and every Apex method a component calls
 * takes and returns DTOs with plain property names.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DEFAULT_DIR, listApexSources, listFiles, rel } from './support/metadata';
import { lwcApexImports } from './support/references';
import {
  auraMethodProblems,
  indexDeclarations,
  readDeclarations,
  type ApexTypeIndex,
} from './support/apex-types';

/** `Name__c` / `Rel__r` tokens outside `@salesforce/schema/…` specifiers, with their line. */
function namespacedNames(source: string): Array<{ line: number; name: string }> {
  const withoutSchemaImports = source.replace(/(['"])@salesforce\/schema\/[\w.]+\1/g, "''");
  return withoutSchemaImports
    .split('\n')
    .flatMap((text, index) =>
      [...text.matchAll(/\b\w+__[cr]\b/gi)].map((match) => ({ line: index + 1, name: match[0] })),
    );
}

const lwcSources = listFiles(join(DEFAULT_DIR, 'lwc'), ['.js', '.html']).filter(
  (file) => !file.includes('__tests__'),
);

function packageClassIndex(): ApexTypeIndex {
  const classFiles = listApexSources().filter(
    (file) => file.endsWith('.cls') && !rel(file).startsWith('force-app/test/'),
  );
  return indexDeclarations(
    classFiles.flatMap((file) => readDeclarations(readFileSync(file, 'utf8'), rel(file))),
  );
}

describe('the namespace check itself', () => {
  it('when a component names a custom field outside a schema import then it is found', () => {
    const source = [
      "import SUMMARY from '@salesforce/schema/Jira_Rule_Template__c.Summary__c';",
      'const row = { summary: template.Summary__c, user: event.Acting_User__r };',
      '<template><p>{draft.Name}</p></template>',
    ].join('\n');
    expect(namespacedNames(source)).toEqual([
      { line: 2, name: 'Summary__c' },
      { line: 2, name: 'Acting_User__r' },
    ]);
  });

  it('when Apex hands sObjects to a component in any disguise then each is named', () => {
    const index = indexDeclarations([
      ...readDeclarations(`public with sharing class Ctl {
        @AuraEnabled public static List<Jira_Link__c> links() { return null; }
        @AuraEnabled(cacheable=true) public static Map<String, Account> accounts() { return null; }
        @AuraEnabled public static SObject[] rows() { return null; }
        @AuraEnabled public static Wrapper wrapped() { return null; }
        @AuraEnabled public static Dto fine(Dto input, Id recordId) { return null; }
        @AuraEnabled public static void save(Jira_Rule_Template__c template) { }
        public class Wrapper {
          @AuraEnabled public List<Dto> items;
          @AuraEnabled public User owner { get; set; }
          public Account hidden;
        }
        public class Dto {
          @AuraEnabled public String summary;
          @AuraEnabled public Map<String, List<Other.Item>> byKey;
          @AuraEnabled public Dto parent;
        }
      }`),
      ...readDeclarations(`public class Other {
        public class Item { @AuraEnabled public Datetime at; @AuraEnabled public Kind kind; }
        public enum Kind { A, B }
      }`),
    ]);
    expect(auraMethodProblems(index, 'Ctl', 'links')).toEqual([
      'Ctl.links returns List<Jira_Link__c>: Jira_Link__c is an sObject; use a DTO with plain property names',
    ]);
    expect(auraMethodProblems(index, 'Ctl', 'accounts')[0]).toMatch(
      /Account is not a class in force-app/,
    );
    expect(auraMethodProblems(index, 'Ctl', 'rows')[0]).toMatch(/SObject may hold sObjects/);
    expect(auraMethodProblems(index, 'Ctl', 'wrapped')).toEqual([
      'Ctl.wrapped returns Wrapper → Ctl.Wrapper.owner: User is not a class in force-app (a standard sObject or a system type?); use a DTO',
    ]);
    expect(auraMethodProblems(index, 'Ctl', 'fine')).toEqual([]);
    expect(auraMethodProblems(index, 'Ctl', 'save')[0]).toMatch(
      /^Ctl\.save\(template: Jira_Rule_Template__c\): .* is an sObject/,
    );
    expect(auraMethodProblems(index, 'Ctl', 'missing')).toEqual([
      'Ctl.missing is not a static @AuraEnabled method',
    ]);
  });
});

describe('Lightning Web Components are namespace-safe', () => {
  it('there are components to check', () => {
    expect(lwcSources.length).toBeGreaterThan(20);
  });

  it.each(lwcSources.map((file) => [rel(file), file]))(
    '%s names no custom object or field outside @salesforce/schema imports',
    (_name, file) => {
      const found = namespacedNames(readFileSync(file, 'utf8')).map(
        ({ line, name }) => `${basename(file)}:${line} ${name}`,
      );
      expect(found).toEqual([]);
    },
  );

  describe('every Apex method a component calls takes and returns DTOs, never sObjects', () => {
    const index = packageClassIndex();
    const calls = [
      ...new Set(
        lwcSources
          .filter((file) => file.endsWith('.js'))
          .flatMap((file) => lwcApexImports(readFileSync(file, 'utf8')))
          .map(({ className, methodName }) => `${className}.${methodName}`),
      ),
    ].sort();

    it('components call Apex', () => {
      expect(calls.length).toBeGreaterThan(20);
    });

    it.each(calls)('%s', (call) => {
      const [className = '', methodName = ''] = call.split('.');
      expect(auraMethodProblems(index, className, methodName)).toEqual([]);
    });
  });
});
