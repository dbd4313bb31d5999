/**
 * What Apex hands to Lightning Web Components, read from the parse tree of
 * `@apexdevtools/apex-parser`: the `@AuraEnabled` methods of a class with their return and
 * parameter types, and the `@AuraEnabled` members of the classes those types name. Used by
 * the namespace check: a value that reaches a component must be a DTO with plain property
 * names, never an sObject whose keys carry the package namespace once installed.
 */
import {
  ApexErrorListener,
  ApexParserFactory,
  type ClassDeclarationContext,
  type ModifierContext,
  type TypeRefContext,
} from '@apexdevtools/apex-parser';

/** A type as written in Apex: `List<RelayModels.Option>` is {name: 'List', args: [{name: 'RelayModels.Option'}]}. */
export interface ApexType {
  name: string;
  args: ApexType[];
}

/** One `@AuraEnabled` static method. */
export interface AuraMethod {
  name: string;
  returnType: ApexType;
  parameters: Array<{ name: string; type: ApexType }>;
}

/** One class or enum, top-level or inner, with what it exposes to Lightning components. */
export interface ApexTypeDeclaration {
  /** `RelayModels.Option` for an inner class, `RelayModels` for a top-level one. */
  qualifiedName: string;
  /** Name of the top-level class it belongs to (itself for a top-level class). */
  topLevel: string;
  kind: 'class' | 'enum';
  /** `@AuraEnabled` fields and properties (what the platform serialises). */
  auraMembers: Array<{ name: string; type: ApexType }>;
  /** `@AuraEnabled` static methods. */
  auraMethods: AuraMethod[];
}

class ThrowingListener extends ApexErrorListener {
  constructor(private readonly origin: string) {
    super();
  }
  apexSyntaxError(line: number, column: number, message: string): void {
    throw new Error(`${this.origin}:${line}:${column} ${message}`);
  }
}

/** Reads a typeRef: dotted names, generic arguments and `[]` (which is a List). */
export function readType(context: TypeRefContext): ApexType {
  const names = context.typeName_list();
  const last = names[names.length - 1];
  const args = last?.typeArguments()?.typeList()?.typeRef_list().map(readType) ?? [];
  const name = names
    .map((typeName) => (typeName.id() ? typeName.id().getText() : typeName.getChild(0).getText()))
    .join('.');
  let type: ApexType = { name, args };
  const arrays = context.arraySubscripts()?.LBRACK_list().length ?? 0;
  for (let i = 0; i < arrays; i++) type = { name: 'List', args: [type] };
  return type;
}

/** `List<Map<String, X>>` as written, for messages. */
export function typeText(type: ApexType): string {
  return type.args.length ? `${type.name}<${type.args.map(typeText).join(', ')}>` : type.name;
}

function isAuraEnabled(modifiers: ModifierContext[]): boolean {
  return modifiers.some((modifier) =>
    /^@auraenabled\b/i.test(modifier.annotation()?.getText() ?? ''),
  );
}

function isStatic(modifiers: ModifierContext[]): boolean {
  return modifiers.some((modifier) => Boolean(modifier.STATIC()));
}

function readClass(
  context: ClassDeclarationContext,
  prefix: string,
  topLevel: string,
  found: ApexTypeDeclaration[],
): void {
  const qualifiedName = prefix ? `${prefix}.${context.id().getText()}` : context.id().getText();
  const declaration: ApexTypeDeclaration = {
    qualifiedName,
    topLevel: topLevel || qualifiedName,
    kind: 'class',
    auraMembers: [],
    auraMethods: [],
  };
  found.push(declaration);
  for (const body of context.classBody().classBodyDeclaration_list()) {
    const member = body.memberDeclaration();
    if (!member) continue;
    const modifiers = body.modifier_list();
    const inner = member.classDeclaration();
    if (inner) {
      readClass(inner, qualifiedName, declaration.topLevel, found);
      continue;
    }
    const innerEnum = member.enumDeclaration();
    if (innerEnum) {
      found.push({
        qualifiedName: `${qualifiedName}.${innerEnum.id().getText()}`,
        topLevel: declaration.topLevel,
        kind: 'enum',
        auraMembers: [],
        auraMethods: [],
      });
      continue;
    }
    if (!isAuraEnabled(modifiers)) continue;
    const method = member.methodDeclaration();
    const field = member.fieldDeclaration();
    const property = member.propertyDeclaration();
    if (method && isStatic(modifiers)) {
      declaration.auraMethods.push({
        name: method.id().getText(),
        returnType: method.VOID() ? { name: 'void', args: [] } : readType(method.typeRef()),
        parameters: (
          method.formalParameters().formalParameterList()?.formalParameter_list() ?? []
        ).map((parameter) => ({
          name: parameter.id().getText(),
          type: readType(parameter.typeRef()),
        })),
      });
    } else if (field) {
      for (const variable of field.variableDeclarators().variableDeclarator_list()) {
        declaration.auraMembers.push({
          name: variable.id().getText(),
          type: readType(field.typeRef()),
        });
      }
    } else if (property) {
      declaration.auraMembers.push({
        name: property.id().getText(),
        type: readType(property.typeRef()),
      });
    }
  }
}

/** Every class and enum declared in one Apex source file (top-level and inner). */
export function readDeclarations(source: string, origin = 'source'): ApexTypeDeclaration[] {
  const { parser } = ApexParserFactory.createLexerAndParser(source, new ThrowingListener(origin));
  const unit = parser.compilationUnit().typeDeclaration();
  const found: ApexTypeDeclaration[] = [];
  if (unit.classDeclaration()) {
    readClass(unit.classDeclaration(), '', '', found);
  } else if (unit.enumDeclaration()) {
    const name = unit.enumDeclaration().id().getText();
    found.push({
      qualifiedName: name,
      topLevel: name,
      kind: 'enum',
      auraMembers: [],
      auraMethods: [],
    });
  }
  return found;
}

/** Declarations by lower-case qualified name. */
export type ApexTypeIndex = Map<string, ApexTypeDeclaration>;

export function indexDeclarations(declarations: ApexTypeDeclaration[]): ApexTypeIndex {
  return new Map(
    declarations.map((declaration) => [declaration.qualifiedName.toLowerCase(), declaration]),
  );
}

/** Values the platform serialises as JSON primitives: nothing namespaced can hide in them. */
const PRIMITIVES = new Set([
  'string',
  'id',
  'boolean',
  'integer',
  'long',
  'decimal',
  'double',
  'date',
  'datetime',
  'time',
  'blob',
  'void',
]);
const COLLECTIONS = new Set(['list', 'set']);
/** Suffixes of custom sObject types: records of these carry `<ns>__` keys once packaged. */
const SOBJECT_SUFFIX = /__(c|mdt|e|x|b|kav|share|history|feed)$/i;

/**
 * A class named inside `scope` (a top-level class): an inner class of that scope first, as
 * Apex resolves it, then a top-level class.
 */
function resolve(
  index: ApexTypeIndex,
  name: string,
  scope: string,
): ApexTypeDeclaration | undefined {
  const lower = name.toLowerCase();
  return index.get(`${scope.toLowerCase()}.${lower}`) ?? index.get(lower);
}

/**
 * Why a type cannot travel to a Lightning component as plain JSON with namespace-free keys,
 * or an empty list when it can: primitives, collections of such, and classes in force-app
 * whose `@AuraEnabled` members are such, recursively.
 */
export function lwcTypeProblems(
  index: ApexTypeIndex,
  type: ApexType,
  scope: string,
  where: string,
  visiting: Set<string> = new Set(),
): string[] {
  const lower = type.name.toLowerCase();
  if (PRIMITIVES.has(lower)) return [];
  if (COLLECTIONS.has(lower)) {
    return type.args.flatMap((arg) => lwcTypeProblems(index, arg, scope, where, visiting));
  }
  if (lower === 'map') {
    const [key, value] = type.args;
    const keyProblems =
      key && !PRIMITIVES.has(key.name.toLowerCase())
        ? [`${where}: map key ${typeText(key)} is not a primitive`]
        : [];
    return value
      ? [...keyProblems, ...lwcTypeProblems(index, value, scope, where, visiting)]
      : keyProblems;
  }
  if (lower === 'sobject' || lower === 'object') {
    return [`${where}: ${type.name} may hold sObjects; use a DTO`];
  }
  if (SOBJECT_SUFFIX.test(type.name)) {
    return [`${where}: ${type.name} is an sObject; use a DTO with plain property names`];
  }
  const declaration = resolve(index, type.name, scope);
  if (!declaration) {
    return [
      `${where}: ${type.name} is not a class in force-app (a standard sObject or a system type?); use a DTO`,
    ];
  }
  if (declaration.kind === 'enum' || visiting.has(declaration.qualifiedName)) return [];
  const next = new Set(visiting).add(declaration.qualifiedName);
  if (declaration.auraMembers.length === 0) {
    return [
      `${where}: ${declaration.qualifiedName} has no @AuraEnabled member for the component to read`,
    ];
  }
  return declaration.auraMembers.flatMap((member) =>
    lwcTypeProblems(
      index,
      member.type,
      declaration.topLevel,
      `${where} → ${declaration.qualifiedName}.${member.name}`,
      next,
    ),
  );
}

/** Every problem of what one `@AuraEnabled` method takes from and gives to a component. */
export function auraMethodProblems(
  index: ApexTypeIndex,
  className: string,
  methodName: string,
): string[] {
  const declaration = index.get(className.toLowerCase());
  const methods = (declaration?.auraMethods ?? []).filter(
    (method) => method.name.toLowerCase() === methodName.toLowerCase(),
  );
  if (!declaration || methods.length === 0) {
    return [`${className}.${methodName} is not a static @AuraEnabled method`];
  }
  return methods.flatMap((method) => [
    ...lwcTypeProblems(
      index,
      method.returnType,
      declaration.topLevel,
      `${className}.${methodName} returns ${typeText(method.returnType)}`,
    ),
    ...method.parameters.flatMap((parameter) =>
      lwcTypeProblems(
        index,
        parameter.type,
        declaration.topLevel,
        `${className}.${methodName}(${parameter.name}: ${typeText(parameter.type)})`,
      ),
    ),
  ]);
}
