/**
 * The requests an emulator served, as moto's request recorder wrote them: one JSON line per request with its
 * method, URL, headers and body (local/aws/AwsEmulator.ts `recordRequestsTo`, or `/moto-api/recorder/*`).
 * Read by the benchmarks (bench/EmulatorCallLog.ts: what a message costs) and by the IAM contract
 * (test/support/iamContract.ts: who called what).
 */
import { readFileSync } from 'node:fs';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Decoded as UTF-8 ('' when there was none). */
  body: string;
}

interface RecorderEntry {
  headers: Record<string, string>;
  method: string;
  url: string;
  body: string | null;
  body_encoded: boolean;
}

export interface RecordedRequests {
  requests: RecordedRequest[];
  /** Lines that could not be read (reported, so a count that is short says so). */
  unreadable: number;
}

/** Every request in the files (a missing file holds none). */
export function readRecordedRequests(paths: readonly string[]): RecordedRequests {
  const requests: RecordedRequest[] = [];
  let unreadable = 0;
  for (const path of paths) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      // Two emulators may append to one file, and moto writes an entry and its newline in two writes: an
      // entry of the other process can land between them, two entries on one line. A JSON string cannot
      // hold an unescaped `}{"headers"`, so that is where one entry ends and the next begins.
      for (const text of line.split(/(?<=\})(?=\{"headers")/)) {
        try {
          const entry = JSON.parse(text) as RecorderEntry;
          requests.push({
            method: entry.method,
            url: entry.url,
            headers: entry.headers,
            body:
              entry.body === null
                ? ''
                : entry.body_encoded
                  ? Buffer.from(entry.body, 'base64').toString('utf8')
                  : entry.body,
          });
        } catch {
          unreadable += 1;
        }
      }
    }
  }
  return { requests, unreadable };
}

/** A header's value, whatever its letter case ('' when absent). */
export function requestHeader(request: RecordedRequest, name: string): string {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) return value;
  return '';
}

/** The access key id a SigV4-signed request was signed with ('' when unsigned). */
export function signingAccessKeyId(request: RecordedRequest): string {
  return /Credential=([^/,\s]+)\//.exec(requestHeader(request, 'Authorization'))?.[1] ?? '';
}

/** The request's JSON body (the JSON protocols: DynamoDB, SQS, EventBridge, Secrets Manager), or {}. */
export function requestJson(request: RecordedRequest): Record<string, unknown> {
  try {
    const parsed = JSON.parse(request.body || '{}') as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
