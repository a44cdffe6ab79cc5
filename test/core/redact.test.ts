import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../src/core/redact.ts';

describe('redaction', () => {
  it('masks secret query parameters and keeps the rest', () => {
    const url = redactUrl('http://127.0.0.1:4101/server-sim/connect/api/sale?token=abc123&from_date=2026-01-01');
    expect(url).not.toContain('abc123');
    expect(url).toContain('token=[redacted]');
    expect(url).toContain('from_date=2026-01-01');
  });

  it('masks credentials in free text, form bodies and JSON', () => {
    const text = redactText('GET /x?key=k-1&idboutique=4 body api_key=a&signature=ABC&ses=0123 {"token":"t-9"} X-Api-Key v5_secret Bearer abc.def');
    for (const secret of ['k-1', 'ABC', '0123', 't-9', 'v5_secret', 'abc.def']) expect(text).not.toContain(secret);
    expect(text).toContain('idboutique=4');
  });
});
