import { describe, expect, it } from 'vitest';
import { baseUrlOf, headerValue, readBooleanQuery, readJsonBody } from '../../../lambdas/shared/http.js';
import { proxyEvent } from './fakes.js';

function status(result: ReturnType<typeof readJsonBody>) {
  return result.ok ? 'ok' : `${result.response.statusCode} ${JSON.parse(result.response.body).code}`;
}

describe('readJsonBody', () => {
  const read = (overrides: Parameters<typeof proxyEvent>[0], max = 1_000) =>
    readJsonBody(proxyEvent(overrides), max, 'r');

  it('parses JSON sent as text or base64, with or without a BOM', () => {
    expect(read({ body: '{"a":1}' })).toEqual({ ok: true, value: { a: 1 } });
    expect(read({ body: Buffer.from('\uFEFF{"a":1}').toString('base64'), isBase64Encoded: true })).toEqual({
      ok: true,
      value: { a: 1 },
    });
  });

  it('accepts application/json, +json types, utf-8 charsets and a missing Content-Type', () => {
    for (const type of [
      'application/json',
      'Application/JSON; charset="UTF-8"',
      'application/vnd.api+json',
      undefined,
    ]) {
      const headers = type === undefined ? {} : { 'content-type': type };
      expect(status(read({ headers, body: '{}' })), String(type)).toBe('ok');
    }
  });

  it('answers 415 for other types and charsets', () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ]) {
      expect(status(read({ headers: { 'Content-Type': type }, body: '{}' }))).toBe(
        '415 unsupported_media_type',
      );
    }
  });

  it('answers 400 for a missing, unparseable, badly encoded or badly base64-ed body', () => {
    expect(status(read({ body: null }))).toBe('400 missing_body');
    expect(status(read({ body: '   ' }))).toBe('400 missing_body');
    expect(status(read({ body: '{"a":' }))).toBe('400 invalid_json');
    expect(status(read({ body: '!!!', isBase64Encoded: true }))).toBe('400 invalid_body_encoding');
    expect(status(read({ body: Buffer.from([0xff, 0xfe]).toString('base64'), isBase64Encoded: true }))).toBe(
      '400 invalid_body_encoding',
    );
  });

  it('answers 413 past the limit, counting UTF-8 bytes', () => {
    expect(status(read({ body: `"${'é'.repeat(500)}"` }))).toBe('413 payload_too_large');
    expect(
      status(read({ body: Buffer.from('x'.repeat(2_000)).toString('base64'), isBase64Encoded: true })),
    ).toBe('413 payload_too_large');
    expect(status(read({ body: `"${'e'.repeat(990)}"` }))).toBe('ok');
  });
});

describe('headerValue', () => {
  it('finds a header whatever its case, falling back to multiValueHeaders', () => {
    expect(
      headerValue({ headers: { 'idempotency-KEY': 'a' }, multiValueHeaders: {} }, 'Idempotency-Key'),
    ).toBe('a');
    expect(
      headerValue({ headers: {}, multiValueHeaders: { 'Idempotency-Key': ['a', 'b'] } }, 'idempotency-key'),
    ).toBe('b');
    expect(headerValue({ headers: null as never, multiValueHeaders: null as never }, 'x')).toBeUndefined();
  });
});

describe('readBooleanQuery', () => {
  const flag = (value: string | string[] | undefined) =>
    readBooleanQuery(
      value === undefined
        ? { queryStringParameters: null, multiValueQueryStringParameters: null }
        : {
            queryStringParameters: { dryRun: [value].flat().at(-1) ?? '' },
            multiValueQueryStringParameters: { dryRun: [value].flat() },
          },
      'dryRun',
    );

  it('reads true/false/1/0 and absence', () => {
    expect(flag(undefined)).toEqual({ ok: true, value: false });
    expect(flag('true')).toEqual({ ok: true, value: true });
    expect(flag('1')).toEqual({ ok: true, value: true });
    expect(flag('FALSE')).toEqual({ ok: true, value: false });
    expect(flag('')).toEqual({ ok: true, value: false });
  });

  it('refuses anything else, and a flag given twice', () => {
    expect(flag('yes')).toEqual({
      ok: false,
      error: { field: 'dryRun (query)', message: 'must be true or false' },
    });
    expect(flag(['true', 'false'])).toEqual({
      ok: false,
      error: { field: 'dryRun (query)', message: 'must be given once' },
    });
  });
});

describe('baseUrlOf', () => {
  it('is the execute-api domain with the stage', () => {
    expect(baseUrlOf(proxyEvent(), undefined, '/messages')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    );
  });

  it('keeps a custom domain’s base path', () => {
    const event = proxyEvent({ path: '/v1/messages' });
    event.requestContext.domainName = 'sms.example.com';
    event.requestContext.path = '/v1/messages';
    expect(baseUrlOf(event, undefined, '/messages')).toBe('https://sms.example.com/v1');
  });

  it('prefers the configured public base URL', () => {
    expect(baseUrlOf(proxyEvent(), 'https://api.example.com', '/messages')).toBe('https://api.example.com');
  });

  it('uses http only when the gateway says so, and gives up on a host it cannot trust', () => {
    const local = proxyEvent({ headers: { 'X-Forwarded-Proto': 'http' } });
    local.requestContext.domainName = 'localhost:3000';
    local.requestContext.path = '/messages';
    expect(baseUrlOf(local, undefined, '/messages')).toBe('http://localhost:3000');
    const hostile = proxyEvent();
    hostile.requestContext.domainName = 'evil.com/"><script>';
    expect(baseUrlOf(hostile, undefined, '/messages')).toBe('');
  });
});
