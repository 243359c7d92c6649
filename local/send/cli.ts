/**
 * `npm run send -- --help`: sends one SMS through the local API (`npm start`) or a deployed one, and with
 * --follow polls it until its receipt. The wiring only: parsing (sendArgs.ts), printing (formatOutput.ts),
 * HTTP (SendApiClient.ts) and the follow loop (followMessage.ts) live beside it. Exit codes: exitCodes.ts.
 */
import { text as readStream } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SendRequestInput } from '../../core/sendRequest.js';
import { SendUsageError } from './errors.js';
import { exitCodeForError, exitCodeForFinalState, sendExitCodes } from './exitCodes.js';
import { type FollowOutcome, followMessage } from './followMessage.js';
import {
  acceptedJson,
  dryRunJson,
  errorJson,
  followOutcomeJson,
  formatAccepted,
  formatDryRun,
  formatError,
  formatFollowOutcome,
  formatStateChange,
  stateChangeJson,
} from './formatOutput.js';
import { SendApiClient } from './SendApiClient.js';
import { parseSendArgs, sendUsage, textFromStdin } from './sendArgs.js';
import { signerFor } from './signerFor.js';

const out = (text: string): void => {
  process.stdout.write(text);
};
const err = (text: string): void => {
  process.stderr.write(text);
};

async function readText(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new SendUsageError('--text - reads the text from stdin, but stdin is a terminal: pipe it in');
  }
  const text = textFromStdin(await readStream(process.stdin));
  if (text === '') throw new SendUsageError('--text - read nothing from stdin');
  return text;
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const command = parseSendArgs(argv, process.env);
    if (command.kind === 'help') {
      out(sendUsage);
      return sendExitCodes.ok;
    }
    const { options } = command;
    const request: SendRequestInput = {
      ...options.request,
      text: options.textFromStdin ? await readText() : (options.request.text ?? ''),
    };
    const signer = signerFor(options.auth);
    const api = new SendApiClient({ baseUrl: options.baseUrl, ...(signer === undefined ? {} : { signer }) });

    const posted = await api.postMessage(request, { dryRun: options.dryRun });
    if (posted.kind === 'dryRun') {
      out(json ? dryRunJson(posted.answer) : formatDryRun(posted.answer));
      return sendExitCodes.ok;
    }
    out(json ? acceptedJson(posted.answer, posted.replayed) : formatAccepted(posted.answer, posted.replayed));
    if (!options.follow) return sendExitCodes.ok;

    // Ctrl-C stops the following, not the message: say so, and where to look later.
    const onInterrupt = () => {
      err(`\nsend: stopped following; the message goes on: ${posted.answer.statusUrl}\n`);
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    let outcome: FollowOutcome;
    try {
      outcome = await followMessage({
        messageId: posted.answer.messageId,
        getMessage: (id) => api.getMessage(id),
        timeoutMs: options.timeoutMs,
        now: Date.now,
        sleep: (ms) => sleep(ms),
        onChange: (change) => out(json ? stateChangeJson(change) : formatStateChange(change)),
        onRetry: (error) => err(`send: ${error.message}; still following\n`),
      });
    } finally {
      process.off('SIGINT', onInterrupt);
    }
    out(json ? followOutcomeJson(outcome) : formatFollowOutcome(outcome, options.timeoutMs));
    return outcome.kind === 'final' ? exitCodeForFinalState(outcome.status) : sendExitCodes.timedOut;
  } catch (error) {
    if (json) out(errorJson(error));
    err(formatError(error));
    return exitCodeForError(error);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    err(`send: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
