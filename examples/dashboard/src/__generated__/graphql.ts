/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** The circuit breaker of a connection. */
export type CircuitState =
  /** Calls go to the vendor. */
  | 'CLOSED'
  /** The open period is over: the next call is a probe that closes the circuit or opens it again. */
  | 'HALF_OPEN'
  /** The vendor failed repeatedly: calls fail at once with VENDOR_CIRCUIT_OPEN, without reaching it. */
  | 'OPEN';

export type CreateSaleInput = {
  connection: string | number;
  customer?: string | number | null | undefined;
  /** Same key and same input: the same result, and the write made once. */
  idempotencyKey: string;
  lines: Array<SaleLineInput>;
  location?: string | number | null | undefined;
  note?: string | null | undefined;
  /** When given, they must add up to the total. */
  payments?: Array<SalePaymentInput> | null | undefined;
};

/** How the gateway learnt of the change. */
export type LiveEventSource =
  /** It was made through this gateway. */
  | 'GATEWAY'
  /** The gateway found it by asking the vendor. */
  | 'POLLING'
  /** The vendor called us (Kash). */
  | 'WEBHOOK';

export type MoneyInput = {
  amount: string;
  currency: string;
};

export type SaleLineInput = {
  /** Taken off this line. */
  discount?: MoneyInput | null | undefined;
  item: string | number;
  /** Greater than 0; fractional for weighed goods. */
  quantity: string;
  /** Defaults to the item's price. */
  unitPrice?: MoneyInput | null | undefined;
};

export type SalePaymentInput = {
  amount: MoneyInput;
  /** A payment method's name at the vendor, or a type: CASH, CARD, CHECK, OTHER. */
  method: string;
};

export type SourceStatus =
  | 'FAILED'
  | 'OK'
  | 'PARTIAL'
  | 'UNSUPPORTED';

export type UserErrorCode =
  | 'IDEMPOTENCY_CONFLICT'
  | 'NOT_FOUND'
  | 'OUTCOME_UNKNOWN'
  | 'UNSUPPORTED'
  | 'VALIDATION'
  | 'VENDOR_REJECTED';

export type Vendor =
  | 'ICASH'
  | 'INCOCLOUD'
  | 'KASH'
  | 'TACTILL';

export type DashboardSaleCreatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardSaleCreatedSubscription = { saleCreated: { eventId: string, occurredAt: string, via: LiveEventSource, sale: { id: string, number: string | null, createdAt: string, total: { amount: string, currency: string }, connection: { id: string, name: string, vendor: Vendor } } } };

export type DashboardConnectionsQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardConnectionsQuery = { connections: Array<{ id: string, name: string, vendor: Vendor, currency: string, capabilities: { sale: { create: boolean } }, health: { state: CircuitState, recentFailures: number, lastError: { code: string, message: string } | null } }> };

export type DaySalesQueryVariables = Exact<{
  from: string;
  to: string;
  after?: string | null | undefined;
}>;


export type DaySalesQuery = { sales: { sources: Array<{ status: SourceStatus, connection: { id: string, name: string, vendor: Vendor }, error: { code: string, message: string } | null }>, edges: Array<{ node: { id: string, createdAt: string, total: { amount: string, currency: string }, connection: { id: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type SearchItemsQueryVariables = Exact<{
  connection: string | number;
  text?: string | null | undefined;
}>;


export type SearchItemsQuery = { items: { sources: Array<{ status: SourceStatus, error: { code: string, message: string } | null }>, edges: Array<{ node: { id: string, name: string, code: string | null, price: { amount: string, currency: string } } }> } };

export type DashboardCreateSaleMutationVariables = Exact<{
  input: CreateSaleInput;
}>;


export type DashboardCreateSaleMutation = { createSale: { sale: { id: string, number: string | null, createdAt: string, total: { amount: string, currency: string }, connection: { id: string, name: string, vendor: Vendor } } | null, errors: Array<{ code: UserErrorCode, field: string | null, message: string }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const DashboardSaleCreatedDocument = new TypedDocumentString(`
    subscription DashboardSaleCreated {
  saleCreated {
    eventId
    occurredAt
    via
    sale {
      id
      number
      createdAt
      total {
        amount
        currency
      }
      connection {
        id
        name
        vendor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardSaleCreatedSubscription, DashboardSaleCreatedSubscriptionVariables>;
export const DashboardConnectionsDocument = new TypedDocumentString(`
    query DashboardConnections {
  connections {
    id
    name
    vendor
    currency
    capabilities {
      sale {
        create
      }
    }
    health {
      state
      recentFailures
      lastError {
        code
        message
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardConnectionsQuery, DashboardConnectionsQueryVariables>;
export const DaySalesDocument = new TypedDocumentString(`
    query DaySales($from: DateTime!, $to: DateTime!, $after: String) {
  sales(first: 100, after: $after, filter: {from: $from, to: $to}) {
    sources {
      connection {
        id
        name
        vendor
      }
      status
      error {
        code
        message
      }
    }
    edges {
      node {
        id
        createdAt
        total {
          amount
          currency
        }
        connection {
          id
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<DaySalesQuery, DaySalesQueryVariables>;
export const SearchItemsDocument = new TypedDocumentString(`
    query SearchItems($connection: ID!, $text: String) {
  items(first: 25, connections: [$connection], filter: {text: $text}) {
    sources {
      status
      error {
        code
        message
      }
    }
    edges {
      node {
        id
        name
        code
        price {
          amount
          currency
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SearchItemsQuery, SearchItemsQueryVariables>;
export const DashboardCreateSaleDocument = new TypedDocumentString(`
    mutation DashboardCreateSale($input: CreateSaleInput!) {
  createSale(input: $input) {
    sale {
      id
      number
      createdAt
      total {
        amount
        currency
      }
      connection {
        id
        name
        vendor
      }
    }
    errors {
      code
      field
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardCreateSaleMutation, DashboardCreateSaleMutationVariables>;