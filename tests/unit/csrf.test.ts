import { describe, expect, it } from 'vitest';
import { isCrossSite } from '../../server/http/csrf';

describe('CSRF origin check', () => {
  it('trusts Sec-Fetch-Site when present', () => {
    expect(isCrossSite({ 'sec-fetch-site': 'same-origin', host: 'localhost:3000' }, 'http')).toBe(false);
    expect(isCrossSite({ 'sec-fetch-site': 'cross-site', origin: 'http://localhost:3000', host: 'localhost:3000' }, 'http')).toBe(true);
    expect(isCrossSite({ 'sec-fetch-site': 'same-site', host: 'localhost:3000' }, 'http')).toBe(true);
  });

  it('falls back to comparing Origin with our own origin', () => {
    expect(isCrossSite({ origin: 'http://localhost:3000', host: 'localhost:3000' }, 'http')).toBe(false);
    expect(isCrossSite({ origin: 'https://evil.example', host: 'localhost:3000' }, 'http')).toBe(true);
    expect(isCrossSite({ origin: 'null', host: 'localhost:3000' }, 'http')).toBe(true);
    expect(isCrossSite({ origin: 'https://localhost:3000', host: 'localhost:3000' }, 'http')).toBe(true);
  });

  it('lets a request with neither header through (no ambient browser credentials)', () => {
    expect(isCrossSite({ host: 'localhost:3000' }, 'http')).toBe(false);
  });
});
