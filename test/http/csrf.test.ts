import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server.ts';

describe('CSRF prevention', () => {
  const yoga = createGateway({ connections: new Map() });
  const send = (init: RequestInit, query = '{ __typename }') => yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent(query)}`, init);

  it('refuses a GET without a preflight-forcing header, as a cross-site <img> or link would send it', async () => {
    const response = await send({ headers: { accept: 'application/json' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ errors: [{ message: 'Required CSRF header(s) not present' }] });
  });

  it('refuses a form post (text/plain, urlencoded), which browsers send cross-site without asking', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': contentType }, body: 'query=%7B__typename%7D' });
      expect(response.status).toBe(403);
    }
  });

  it('accepts a GET with the x-graphql-yoga-csrf header', async () => {
    const response = await send({ headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('accepts a JSON POST, as GraphiQL and every GraphQL client send', async () => {
    const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('still serves the GraphiQL page to a browser', async () => {
    const response = await yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('graphiql');
  });
});
