/**
 * Finds Apex test methods that make a callout while DML of the same test is still pending:
 * in an org such a test fails with "You have uncommitted work pending" (and blocks a
 * RunLocalTests deploy). A test may do DML, then `Test.startTest()`, then call out; it may not
 * call out after DML without `Test.startTest()` in between.
 *
 * The check reads the Apex with `@apexdevtools/apex-parser` and builds a simple call graph over
 * the classes given to it:
 * - a method *calls out* when it sends an `Http` request or calls a method that calls out;
 * - a call's target is found from its receiver: a class name (static call), a variable, field or
 *   parameter of a known class, `new X(…)`, or a method whose return type is a known class; an
 *   interface fans out to its implementations; a receiver whose type cannot be told (an element
 *   of a list, the result of a platform method) matches every method of that name;
 * - calls into test classes (factories, test helpers, the HTTP mock) are followed in place, so
 *   their DML, `Test.setMock` and `Test.startTest()` count where they happen;
 * - DML is an `insert`/`update`/`upsert`/`delete`/`undelete`/`merge` statement or a
 *   `Database.*` DML method, in the test method or in a test class it calls. DML inside the
 *   package's own classes is not followed (a service that writes after its callout is the
 *   normal order).
 * Only test methods that install an HTTP mock (`Test.setMock`, directly or through a helper)
 * are checked; statements are taken in source order (a loop body counts once).
 */
import { readFileSync } from 'node:fs';
import {
  ApexErrorListener,
  ApexParserFactory,
  CastExpressionContext,
  CatchClauseContext,
  ClassDeclarationContext,
  ConstructorDeclarationContext,
  DeleteStatementContext,
  DotExpressionContext,
  EnhancedForControlContext,
  FieldDeclarationContext,
  FormalParameterContext,
  IdPrimaryContext,
  InsertStatementContext,
  InterfaceDeclarationContext,
  InterfaceMethodDeclarationContext,
  LocalVariableDeclarationContext,
  MergeStatementContext,
  MethodCallExpressionContext,
  MethodDeclarationContext,
  NewExpressionContext,
  PrimaryExpressionContext,
  PropertyDeclarationContext,
  SubExpressionContext,
  ThisPrimaryContext,
  TypeRefContext,
  UndeleteStatementContext,
  UpdateStatementContext,
  UpsertStatementContext,
} from '@apexdevtools/apex-parser';

/** A parse tree node as the ANTLR runtime gives it. */
interface Node {
  children?: Node[] | null;
  getText(): string;
  start?: { line: number };
  symbol?: { line: number };
}

/** One Apex source to analyse. */
export interface ApexSource {
  /** Path or name shown in findings. */
  file: string;
  text: string;
}

/** A test method that calls out while its own DML is pending. */
export interface PendingDmlCallout {
  file: string;
  test: string;
  /** Line and text of the DML (or of the call that did it). */
  dml: string;
  /** Line and text of the call that calls out. */
  callout: string;
}

interface ClassInfo {
  name: string;
  /** Lower-case `outer.inner` or `name`. */
  key: string;
  file: string;
  isTest: boolean;
  isInterface: boolean;
  implementsKeys: string[];
  outer?: ClassInfo;
  fields: Map<string, string>;
  methods: MethodInfo[];
}

interface MethodInfo {
  owner: ClassInfo;
  /** Lower-case name; constructors are `<init>`. */
  name: string;
  /** The name as written. */
  displayName: string;
  returnType?: string;
  isTestMethod: boolean;
  body?: Node;
  variables: Map<string, string>;
  line: number;
}

type Step =
  | { kind: 'dml'; at: string }
  | { kind: 'startTest'; at: string }
  | { kind: 'setMock'; at: string }
  | { kind: 'callout'; at: string }
  | { kind: 'call'; at: string; targets: MethodInfo[] };

/** A receiver's type: a class of the sources, a platform type by name, or unknown. */
type Receiver =
  | { kind: 'class'; cls: ClassInfo; isStatic: boolean }
  | { kind: 'platform'; name: string; isStatic: boolean }
  | { kind: 'unknown' };

const DML_METHODS = new Set(['insert', 'update', 'upsert', 'delete', 'undelete', 'merge']);
const DML_STATEMENTS = [
  InsertStatementContext,
  UpdateStatementContext,
  UpsertStatementContext,
  DeleteStatementContext,
  UndeleteStatementContext,
  MergeStatementContext,
];

/** Parse trees by source text: several graphs over mostly the same sources parse each once. */
const parsedUnits = new Map<string, Node>();

class SilentListener extends ApexErrorListener {
  apexSyntaxError(): void {
    // Syntax is checked by apex-syntax.test.ts; here a broken file just yields less.
  }
}

function childrenOf(node: Node): Node[] {
  return node.children ?? [];
}

function lineOf(node: Node): number {
  return node.start?.line ?? node.symbol?.line ?? 0;
}

function where(node: Node): string {
  const text = node.getText();
  return `line ${lineOf(node)}: ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** `List<String>` → `list`, `JiraTestFactory.RelayMock` → `jiratestfactory.relaymock`. */
function typeKey(typeRef: TypeRefContext | null | undefined): string | undefined {
  if (!typeRef) return undefined;
  return typeRef
    .typeName_list()
    .map((name) => (name.id()?.getText() ?? name.getText().replace(/<.*$/, '')).toLowerCase())
    .join('.');
}

function annotationsOf(modifiers: Node[]): string[] {
  return modifiers
    .map((modifier) => modifier.getText().toLowerCase())
    .filter((text) => text.startsWith('@') || text === 'testmethod');
}

function isTestModifier(annotations: string[]): boolean {
  return annotations.some((text) => text.startsWith('@istest') || text === 'testmethod');
}

/** The Apex call graph of a set of sources and the pending-DML check over its tests. */
export class ApexCallGraph {
  private readonly classes = new Map<string, ClassInfo>();
  private readonly methodsByName = new Map<string, MethodInfo[]>();
  private readonly steps = new Map<MethodInfo, Step[]>();
  private readonly callsOutMemo = new Map<MethodInfo, boolean>();

  constructor(sources: ApexSource[]) {
    for (const source of sources) this.readSource(source);
    for (const methods of this.methodsByName.values())
      for (const method of methods) this.steps.set(method, this.stepsOf(method));
  }

  /** Reads sources from files. */
  static fromFiles(files: string[]): ApexCallGraph {
    return new ApexCallGraph(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })));
  }

  /** Whether `Class.method` (or any overload) calls out, directly or through its callees. */
  callsOut(classKey: string, methodName: string): boolean {
    return (this.classes.get(classKey.toLowerCase())?.methods ?? [])
      .filter((method) => method.name === methodName.toLowerCase())
      .some((method) => this.methodCallsOut(method, new Set()));
  }

  /** Every test method that calls out while DML of the same test is pending. */
  pendingDmlCallouts(): PendingDmlCallout[] {
    const findings: PendingDmlCallout[] = [];
    for (const cls of this.classes.values()) {
      if (!cls.isTest) continue;
      for (const method of cls.methods) {
        if (!method.isTestMethod) continue;
        const flat = this.flatten(method, new Set());
        if (!flat.some((step) => step.kind === 'setMock')) continue;
        let pendingDml: string | undefined;
        for (const step of flat) {
          if (step.kind === 'startTest') pendingDml = undefined;
          else if (step.kind === 'dml') pendingDml ??= step.at;
          else if (step.kind === 'callout' || (step.kind === 'call' && this.anyCallsOut(step))) {
            if (pendingDml) {
              findings.push({
                file: cls.file,
                test: `${cls.name}.${method.displayName}`,
                dml: pendingDml,
                callout: step.at,
              });
              break;
            }
          }
        }
      }
    }
    return findings;
  }

  private anyCallsOut(step: { targets: MethodInfo[] }): boolean {
    return step.targets.some((target) => this.methodCallsOut(target, new Set()));
  }

  private methodCallsOut(method: MethodInfo, visiting: Set<MethodInfo>): boolean {
    const known = this.callsOutMemo.get(method);
    if (known !== undefined) return known;
    if (visiting.has(method)) return false;
    visiting.add(method);
    const result = (this.steps.get(method) ?? []).some(
      (step) =>
        step.kind === 'callout' ||
        (step.kind === 'call' &&
          step.targets.some((target) => this.methodCallsOut(target, visiting))),
    );
    visiting.delete(method);
    if (visiting.size === 0) this.callsOutMemo.set(method, result);
    return result;
  }

  /** The method's steps with calls into test classes replaced by the steps they take. */
  private flatten(method: MethodInfo, visiting: Set<MethodInfo>): Step[] {
    if (visiting.has(method)) return [];
    visiting.add(method);
    const result: Step[] = [];
    for (const step of this.steps.get(method) ?? []) {
      if (step.kind !== 'call') {
        result.push(step);
        continue;
      }
      const inTests = step.targets.filter((target) => target.owner.isTest);
      const inPackage = step.targets.filter((target) => !target.owner.isTest);
      for (const target of inTests)
        for (const inner of this.flatten(target, visiting))
          result.push(
            inner.kind === 'dml' ? { kind: 'dml', at: `${step.at} (${inner.at})` } : inner,
          );
      if (inPackage.length > 0) result.push({ ...step, targets: inPackage });
    }
    visiting.delete(method);
    return result;
  }

  private readSource(source: ApexSource): void {
    let unit = parsedUnits.get(source.text);
    if (!unit) {
      const { parser } = ApexParserFactory.createLexerAndParser(source.text, new SilentListener());
      unit = parser.compilationUnit() as unknown as Node;
      parsedUnits.set(source.text, unit);
    }
    const declaration = childrenOf(unit)[0];
    if (!declaration) return;
    const modifiers = childrenOf(declaration).filter(
      (child) => child.constructor.name === 'ModifierContext',
    );
    const isTest = isTestModifier(annotationsOf(modifiers));
    for (const child of childrenOf(declaration)) {
      if (child instanceof ClassDeclarationContext || child instanceof InterfaceDeclarationContext)
        this.readType(child, source.file, isTest, undefined);
    }
  }

  private readType(
    declaration: ClassDeclarationContext | InterfaceDeclarationContext,
    file: string,
    isTest: boolean,
    outer: ClassInfo | undefined,
  ): void {
    const name = declaration.id().getText();
    const cls: ClassInfo = {
      name: outer ? `${outer.name}.${name}` : name,
      key: (outer ? `${outer.key}.${name}` : name).toLowerCase(),
      file,
      isTest: outer?.isTest ?? isTest,
      isInterface: declaration instanceof InterfaceDeclarationContext,
      implementsKeys:
        declaration instanceof ClassDeclarationContext && declaration.typeList()
          ? declaration
              .typeList()
              .typeRef_list()
              .map((ref) => typeKey(ref) ?? '')
          : [],
      outer,
      fields: new Map(),
      methods: [],
    };
    this.classes.set(cls.key, cls);
    const body = childrenOf(declaration).find(
      (child) =>
        child.constructor.name === 'ClassBodyContext' ||
        child.constructor.name === 'InterfaceBodyContext',
    );
    for (const member of childrenOf(body ?? { getText: () => '' })) {
      const modifiers = childrenOf(member).filter(
        (child) => child.constructor.name === 'ModifierContext',
      );
      const annotations = annotationsOf(modifiers);
      for (const node of this.descendants(member, 3)) {
        if (
          node instanceof ClassDeclarationContext ||
          node instanceof InterfaceDeclarationContext
        ) {
          this.readType(node, file, cls.isTest, cls);
        } else if (node instanceof MethodDeclarationContext) {
          this.addMethod(cls, {
            owner: cls,
            name: node.id().getText().toLowerCase(),
            displayName: node.id().getText(),
            returnType: typeKey(node.typeRef()),
            isTestMethod: isTestModifier(annotations),
            body: node.block() as unknown as Node,
            variables: new Map(),
            line: lineOf(node as unknown as Node),
          });
        } else if (node instanceof InterfaceMethodDeclarationContext) {
          this.addMethod(cls, {
            owner: cls,
            name: node.id().getText().toLowerCase(),
            displayName: node.id().getText(),
            returnType: typeKey(node.typeRef()),
            isTestMethod: false,
            variables: new Map(),
            line: lineOf(node as unknown as Node),
          });
        } else if (node instanceof ConstructorDeclarationContext) {
          this.addMethod(cls, {
            owner: cls,
            name: '<init>',
            displayName: name,
            returnType: cls.key,
            isTestMethod: false,
            body: node.block() as unknown as Node,
            variables: new Map(),
            line: lineOf(node as unknown as Node),
          });
        } else if (node instanceof FieldDeclarationContext) {
          const type = typeKey(node.typeRef());
          for (const declarator of node.variableDeclarators().variableDeclarator_list())
            if (type) cls.fields.set(declarator.id().getText().toLowerCase(), type);
        } else if (node instanceof PropertyDeclarationContext) {
          const type = typeKey(node.typeRef());
          if (type) cls.fields.set(node.id().getText().toLowerCase(), type);
        }
      }
    }
  }

  /** Nodes below `node` down to `depth` levels (member declarations sit 1–2 levels down). */
  private descendants(node: Node, depth: number): Node[] {
    if (depth === 0) return [];
    return childrenOf(node).flatMap((child) => [child, ...this.descendants(child, depth - 1)]);
  }

  private addMethod(cls: ClassInfo, method: MethodInfo): void {
    cls.methods.push(method);
    const byName = this.methodsByName.get(method.name) ?? [];
    byName.push(method);
    this.methodsByName.set(method.name, byName);
  }

  private stepsOf(method: MethodInfo): Step[] {
    if (!method.body) return [];
    this.collectVariables(method);
    const steps: Step[] = [];
    this.walk(method.body, method, steps);
    return steps;
  }

  private collectVariables(method: MethodInfo): void {
    const visit = (node: Node): void => {
      if (node instanceof LocalVariableDeclarationContext) {
        const type = typeKey(node.typeRef());
        for (const declarator of node.variableDeclarators().variableDeclarator_list())
          if (type) method.variables.set(declarator.id().getText().toLowerCase(), type);
      } else if (
        node instanceof EnhancedForControlContext ||
        node instanceof FormalParameterContext
      ) {
        const type = typeKey(node.typeRef());
        if (type) method.variables.set(node.id().getText().toLowerCase(), type);
      } else if (node instanceof CatchClauseContext) {
        method.variables.set(
          node.id().getText().toLowerCase(),
          node.qualifiedName().getText().toLowerCase(),
        );
      }
      childrenOf(node).forEach(visit);
    };
    // Parameters sit next to the body in the declaration.
    const declaration = (method.body as unknown as { parentCtx?: Node }).parentCtx;
    if (declaration) childrenOf(declaration).forEach(visit);
  }

  /** Walks in evaluation order: a call's receiver and arguments before the call itself. */
  private walk(node: Node, method: MethodInfo, steps: Step[]): void {
    for (const child of childrenOf(node)) this.walk(child, method, steps);
    if (DML_STATEMENTS.some((type) => node instanceof type)) {
      steps.push({ kind: 'dml', at: where(node) });
    } else if (node instanceof DotExpressionContext && node.dotMethodCall()) {
      this.addCall(node, method, steps);
    } else if (node instanceof MethodCallExpressionContext) {
      const call = node.methodCall();
      const name = call.id()?.getText().toLowerCase();
      if (name) {
        steps.push({ kind: 'call', at: where(node), targets: this.ownMethods(method.owner, name) });
      }
    } else if (node instanceof NewExpressionContext) {
      const type = this.resolveType(
        node.creator().createdName().getText().replace(/<.*$/, '').toLowerCase(),
        method.owner,
      );
      if (type.kind === 'class')
        steps.push({
          kind: 'call',
          at: where(node),
          targets: type.cls.methods.filter((target) => target.name === '<init>'),
        });
    }
  }

  private addCall(node: DotExpressionContext, method: MethodInfo, steps: Step[]): void {
    const name = node.dotMethodCall().anyId().getText().toLowerCase();
    const receiver = this.typeOf(node.expression() as unknown as Node, method);
    const at = where(node as unknown as Node);
    if (receiver.kind === 'platform') {
      if (receiver.name === 'test' && name === 'starttest') steps.push({ kind: 'startTest', at });
      else if (receiver.name === 'test' && name === 'setmock') steps.push({ kind: 'setMock', at });
      else if (receiver.name === 'database' && DML_METHODS.has(name))
        steps.push({ kind: 'dml', at });
      else if (receiver.name === 'http' && name === 'send') steps.push({ kind: 'callout', at });
      return;
    }
    const targets =
      receiver.kind === 'class'
        ? this.methodsOf(receiver.cls, name)
        : (this.methodsByName.get(name) ?? []);
    if (targets.length > 0) steps.push({ kind: 'call', at, targets });
  }

  /** Methods of a class (or, for an interface, of its implementations) with a name. */
  private methodsOf(cls: ClassInfo, name: string): MethodInfo[] {
    const classes = cls.isInterface ? this.implementationsOf(cls) : [cls];
    return classes.flatMap((candidate) =>
      candidate.methods.filter((method) => method.name === name),
    );
  }

  private implementationsOf(contract: ClassInfo): ClassInfo[] {
    return [...this.classes.values()].filter((candidate) =>
      candidate.implementsKeys.some((key) => {
        const type = this.resolveType(key, candidate);
        return type.kind === 'class' && type.cls === contract;
      }),
    );
  }

  /** Methods an unqualified call can reach: the class's own, then its outer class's. */
  private ownMethods(cls: ClassInfo, name: string): MethodInfo[] {
    for (let current: ClassInfo | undefined = cls; current; current = current.outer) {
      const found = current.methods.filter((method) => method.name === name);
      if (found.length > 0) return found;
    }
    return [];
  }

  private resolveType(key: string, from: ClassInfo): Receiver {
    for (let scope: ClassInfo | undefined = from; scope; scope = scope.outer) {
      const inner = this.classes.get(`${scope.key}.${key}`);
      if (inner) return { kind: 'class', cls: inner, isStatic: false };
    }
    const direct = this.classes.get(key);
    if (direct) return { kind: 'class', cls: direct, isStatic: false };
    return { kind: 'platform', name: key.replace(/^system\./, ''), isStatic: false };
  }

  private typeOf(expression: Node, method: MethodInfo): Receiver {
    if (expression instanceof PrimaryExpressionContext) {
      const primary = expression.primary() as unknown as Node;
      if (primary instanceof ThisPrimaryContext)
        return { kind: 'class', cls: method.owner, isStatic: false };
      if (primary instanceof IdPrimaryContext) {
        const name = primary.id().getText().toLowerCase();
        const variableType = this.variableType(name, method);
        if (variableType) return this.resolveType(variableType, method.owner);
        const type = this.resolveType(name, method.owner);
        return { ...type, isStatic: true } as Receiver;
      }
      return { kind: 'unknown' };
    }
    if (expression instanceof NewExpressionContext)
      return this.resolveType(
        expression.creator().createdName().getText().replace(/<.*$/, '').toLowerCase(),
        method.owner,
      );
    if (expression instanceof SubExpressionContext)
      return this.typeOf(expression.expression() as unknown as Node, method);
    if (expression instanceof CastExpressionContext) {
      const type = typeKey(expression.typeRef());
      return type ? this.resolveType(type, method.owner) : { kind: 'unknown' };
    }
    if (expression instanceof MethodCallExpressionContext) {
      const name = expression.methodCall().id()?.getText().toLowerCase();
      const target = name ? this.ownMethods(method.owner, name)[0] : undefined;
      return this.returnTypeOf(target);
    }
    if (expression instanceof DotExpressionContext) {
      const receiver = this.typeOf(expression.expression() as unknown as Node, method);
      if (expression.dotMethodCall()) {
        if (receiver.kind !== 'class') return { kind: 'unknown' };
        const name = expression.dotMethodCall().anyId().getText().toLowerCase();
        return this.returnTypeOf(this.methodsOf(receiver.cls, name)[0]);
      }
      const member = expression.anyId()?.getText().toLowerCase();
      if (!member) return { kind: 'unknown' };
      if (receiver.kind === 'class') {
        const inner = this.classes.get(`${receiver.cls.key}.${member}`);
        if (inner && receiver.isStatic) return { kind: 'class', cls: inner, isStatic: true };
        const field = receiver.cls.fields.get(member);
        return field ? this.resolveType(field, receiver.cls) : { kind: 'unknown' };
      }
      if (receiver.kind === 'platform' && receiver.isStatic)
        return { kind: 'platform', name: `${receiver.name}.${member}`, isStatic: true };
    }
    return { kind: 'unknown' };
  }

  private returnTypeOf(target: MethodInfo | undefined): Receiver {
    if (!target?.returnType) return { kind: 'unknown' };
    return this.resolveType(target.returnType, target.owner);
  }

  private variableType(name: string, method: MethodInfo): string | undefined {
    const local = method.variables.get(name);
    if (local) return local;
    for (let scope: ClassInfo | undefined = method.owner; scope; scope = scope.outer) {
      const field = scope.fields.get(name);
      if (field) return field;
    }
    return undefined;
  }
}
