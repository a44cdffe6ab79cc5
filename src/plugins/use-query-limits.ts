import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE } from '../schema/lists.ts';

/** Every limit a query is held to before it runs; `false` switches one off. */
export interface QueryLimits {
  /** Nesting of fields (fragments counted as they expand; introspection exempt). */
  readonly depth: number | false;
  readonly aliases: number | false;
  readonly directives: number | false;
  /** Lexical tokens of the document: caps the work of parsing it at all. */
  readonly tokens: number | false;
  /** See queryCost(). */
  readonly cost: number | false;
}

export interface QueryLimitsOptions extends Partial<QueryLimits> {
  /** false answers `__schema` and `__type` with INTROSPECTION_DISABLED (and hides "Did you mean" hints). Default true. */
  readonly introspection?: boolean;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { depth: 12, aliases: 30, directives: 20, tokens: 5000, cost: 5000 };

/** The `extensions.code` of each refusal. */
export const LIMIT_CODES = {
  depth: 'DEPTH_LIMIT_EXCEEDED',
  aliases: 'ALIAS_LIMIT_EXCEEDED',
  directives: 'DIRECTIVE_LIMIT_EXCEEDED',
  tokens: 'TOKEN_LIMIT_EXCEEDED',
  cost: 'COST_LIMIT_EXCEEDED',
  introspection: 'INTROSPECTION_DISABLED',
} as const;

/**
 * Refuses abusive documents before any resolver runs, so a refused query costs no vendor
 * call. Depth, aliases, directives and tokens are graphql-armor's checks (tokens while
 * parsing, the others as validation rules), re-coded so that each refusal says which limit
 * it hit. The cost limit is ours, because armor's cost has no notion of page size: a list
 * field multiplies the cost of its selection by its `first` (see queryCost), which needs
 * the request's variables and therefore runs just before execution, not as a validation rule
 * (Yoga caches validation by document, whatever the variables).
 *
 * Validation refusals are `400` for clients that accept `application/graphql-response+json`
 * (and `200` for `application/json`-only clients, as the GraphQL-over-HTTP spec asks).
 */
export function useQueryLimits(options: QueryLimitsOptions = {}): Plugin {
  const limits = { ...DEFAULT_QUERY_LIMITS, ...definedOnly(options) };
  const introspection = options.introspection ?? true;
  const reject = (code: string) => [
    (context: ValidationContext | null, error: GraphQLError) => {
      const message = error.message.replace(/^Syntax Error: /, '');
      // Tokens are counted while parsing, where there is no validation context to report to.
      if (!context) throw createGraphQLError(message, { extensions: { code, http: { status: 400, spec: true } } });
      context.reportError(new GraphQLError(message, { extensions: { code } }));
    },
  ];
  const armor = EnvelopArmorPlugin({
    maxDepth: armorLimit(limits.depth, { onReject: reject(LIMIT_CODES.depth), ignoreIntrospection: true }),
    maxAliases: armorLimit(limits.aliases, { onReject: reject(LIMIT_CODES.aliases) }),
    maxDirectives: armorLimit(limits.directives, { onReject: reject(LIMIT_CODES.directives) }),
    maxTokens: armorLimit(limits.tokens, { onReject: reject(LIMIT_CODES.tokens) }),
    costLimit: { enabled: false },
    // With introspection off, "Did you mean …?" would still reveal the schema field by field.
    blockFieldSuggestion: { enabled: !introspection },
  });
  const { cost } = limits;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(armor as Plugin);
    },
    onValidate({ addValidationRule }) {
      if (!introspection) addValidationRule(noIntrospectionRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      if (cost === false) return;
      const found = queryCost(args.schema, args.document, { operationName: args.operationName, variables: args.variableValues });
      if (found > cost) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(`Query cost limit of ${cost} exceeded, found ${found}. Ask for fewer records per page (\`first\`) or split the query.`, {
              extensions: { code: LIMIT_CODES.cost, cost: { limit: cost, found }, http: { status: 400, spec: true } },
            }),
          ],
        });
      }
    },
  };
}

export interface QueryCostOptions {
  readonly operationName?: string | null;
  /** As sent by the client; coerced here so `first: $n` counts as its value. */
  readonly variables?: Readonly<Record<string, unknown>> | null;
  /** The multiplier of a paged list without `first`. Default: the schema's page size, 20. */
  readonly defaultFirst?: number;
}

/**
 * An upper bound of the objects a query can return, which is what costs vendor calls and
 * memory: each field of object type costs 1, leaves cost 0, and a paged list — a field with a
 * `first` argument (`sales`, `items`, … `Customer.sales`, `Cashbook.payments`) — multiplies
 * the cost of its selection by `first` (default 20); `nodes(ids:)` by the number of ids.
 * Fragments on several types are all counted. So `sales(first: 100) { edges { node { customer
 * { sales(first: 100) { … } } } } }` costs over 10,000 while a page of 100 sales with their
 * lines, items, customers and payments costs under 1,000.
 */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, options: QueryCostOptions = {}): number {
  const operation = getOperationAST(document, options.operationName ?? undefined);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], { ...(options.variables ?? {}) });
  // Variables that do not coerce fail the execution before any resolver: nothing to price.
  if (coerced.errors) return 0;
  const variables = coerced.coerced;
  const defaultFirst = options.defaultFirst ?? DEFAULT_PAGE_SIZE;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, spreading: ReadonlySet<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[selection.name.value];
        // Unknown fields fail validation; introspection is static and costs no vendor call.
        if (!field) continue;
        const type = getNamedType(field.type);
        if (!isCompositeType(type)) continue;
        total += 1 + multiplier(field, selection) * costOf(selection.selectionSet, type, spreading);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += costOf(selection.selectionSet, type, spreading);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle fails validation (NoFragmentCycles); here it only must not recurse forever.
        if (!fragment || spreading.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type && isCompositeType(type)) total += costOf(fragment.selectionSet, type, new Set([...spreading, name]));
      }
    }
    return total;
  };

  const multiplier = (field: Parameters<typeof getArgumentValues>[0], node: Parameters<typeof getArgumentValues>[1]): number => {
    const hasFirst = field.args.some((arg) => arg.name === 'first');
    const idsArg = field.args.find((arg) => arg.name === 'ids' && isListType(isNonNullType(arg.type) ? arg.type.ofType : arg.type));
    if (!hasFirst && !idsArg) return 1;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, node, variables);
    } catch {
      return 1; // the execution refuses the arguments before any resolver runs
    }
    if (hasFirst) {
      const first = values.first;
      return typeof first === 'number' && Number.isFinite(first) ? Math.max(1, Math.floor(first)) : defaultFirst;
    }
    const ids = values.ids;
    return Array.isArray(ids) ? Math.max(1, ids.length) : 1;
  };

  return costOf(operation.selectionSet, root, new Set());
}

/** `__schema` and `__type` refused; `__typename` is not introspection of the schema and stays. */
const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') {
      context.reportError(new GraphQLError(`Introspection is disabled on this server; "${name}" is not available.`, { nodes: node, extensions: { code: LIMIT_CODES.introspection } }));
    }
  },
});

function armorLimit<T extends object>(n: number | false, options: T): T & { enabled: boolean; n?: number; propagateOnRejection: false } {
  return n === false ? { ...options, enabled: false, propagateOnRejection: false } : { ...options, enabled: true, n, propagateOnRejection: false };
}

function definedOnly(options: QueryLimitsOptions): Partial<QueryLimits> {
  const { depth, aliases, directives, tokens, cost } = options;
  return Object.fromEntries(Object.entries({ depth, aliases, directives, tokens, cost }).filter(([, value]) => value !== undefined));
}
