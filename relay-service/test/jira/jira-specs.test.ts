import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openApiValidator, SPECS_DIR } from '../support/jira-double';
import { SPEC_FILES, type SpecName } from '../support/jira-double/openapi-validator';

interface Correction {
  operation: string;
  status: string;
  schema: unknown;
  why: string;
}
interface Kept {
  operations: string[];
  notInDataCenter: string[];
  corrections?: Partial<Record<SpecName, Correction[]>>;
  extraSchemas: Record<SpecName, string[]>;
}
interface CutDocument {
  info: { 'x-cut': { source: string; sourceSha256: string; by: string } };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

const kept = JSON.parse(readFileSync(path.join(SPECS_DIR, 'operations.json'), 'utf8')) as Kept;
const read = (name: SpecName) =>
  JSON.parse(readFileSync(path.join(SPECS_DIR, SPEC_FILES[name]), 'utf8')) as CutDocument;
const PREFIX: Record<SpecName, string> = { cloud: '/rest/api/3', server: '/api/2' };

describe.each<SpecName>(['cloud', 'server'])(
  'the %s OpenAPI document kept in the repository',
  (name) => {
    const document = read(name);

    it('when read then it says which published document it was cut from and by what', () => {
      expect(document.info['x-cut']).toMatchObject({
        source: expect.stringMatching(/\.openapi\.json$/),
        sourceSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        by: 'relay-service/scripts/cut-jira-specs.mjs',
      });
    });

    it('when every kept operation is looked up then each one is there, and nothing else', () => {
      const expected = kept.operations.filter(
        (entry) => name === 'cloud' || !kept.notInDataCenter.includes(entry),
      );
      const present = Object.entries(document.paths).flatMap(([template, item]) =>
        Object.keys(item)
          .filter((key) => key !== 'parameters')
          .map((method) => `${method.toUpperCase()} ${template.slice(PREFIX[name].length)}`),
      );
      expect(present.sort()).toEqual([...expected].sort());
    });

    it('when a published answer is known to be wrong then the kept document holds the correction, marked', () => {
      for (const correction of kept.corrections?.[name] ?? []) {
        const [method, suffix] = correction.operation.split(' ') as [string, string];
        const operation = document.paths[`${PREFIX[name]}${suffix}`]?.[method.toLowerCase()] as {
          responses: Record<string, { content: Record<string, { schema: unknown }> }>;
        };
        const response = operation.responses[correction.status]!;
        expect(response.content['application/json']!.schema).toEqual(correction.schema);
        expect(response).toMatchObject({ 'x-corrected': correction.why });
      }
    });

    it('when its references are followed then every one resolves inside the document', () => {
      const dangling: string[] = [];
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(visit);
        else if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node)) {
            if (key === '$ref' && typeof value === 'string') {
              const [, , section, schema] = value.split('/');
              if (!section || !schema || document.components[section]?.[schema] === undefined)
                dangling.push(value);
            } else visit(value);
          }
        }
      };
      visit(document);
      expect(dangling).toEqual([]);
    });

    it('when a request goes to an operation the relay does not use then the validator reports it', () => {
      const validator = openApiValidator(name);
      const base = name === 'cloud' ? '/rest/api/3' : '/rest/api/2';
      expect(
        validator.validateRequest(
          'DELETE',
          `${base}/issue/SUP-1`,
          new URLSearchParams(),
          undefined,
        ),
      ).toEqual([expect.stringContaining('no such operation')]);
      expect(
        validator.validateRequest('GET', `${base}/issue/SUP-1`, new URLSearchParams(), undefined),
      ).toEqual([]);
    });
  },
);
