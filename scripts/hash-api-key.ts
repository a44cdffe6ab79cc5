/** `npm run hash-key -- <key>`: the form an API key takes in a configuration file's `apiKeys`. */
import { randomBytes } from 'node:crypto';
import { hashApiKey } from '../src/core/tenants.ts';

const given = process.argv[2];
// Without a key, make a new one: 32 random bytes, URL-safe.
const key = given ?? `pg_${randomBytes(32).toString('base64url')}`;
if (!given) console.log(`key:  ${key}`);
console.log(`${given ? '' : 'hash: '}${hashApiKey(key)}`);
