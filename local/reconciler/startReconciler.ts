/**
 * The reconciler on one machine: the handler the stack deploys (lambdas/reconcileRecords.ts) run on a timer,
 * as the stack's schedule runs it in AWS (infra/constructs/Reconciler.ts). Used by `npm start`.
 *
 *   const reconciler = startReconciler({ env });   // env: the handler's (core/apiEnv.ts)
 *   …
 *   await reconciler.stop();
 *
 * A run starts at once and then every `intervalMs`; runs never overlap (the next is timed from the end of
 * the last). A run that throws is reported and the next one runs as planned, as the schedule would.
 */
import type { ReconcileHandler, ReconcileSummary } from '../../lambdas/reconcileRecords.js';
import { reconcileRecordsHandlerFromEnv } from '../../lambdas/reconcileRecords.js';
import type { Env } from '../../lambdas/shared/apiConfig.js';

export interface StartReconcilerOptions {
  /** The handler's environment: the messages table, the emulator's endpoint and the keys to sign with. */
  env: Env;
  /** @default the deployed handler built from `env` */
  handler?: ReconcileHandler;
  /** @default 15 minutes, the stack's schedule */
  intervalMs?: number;
  onRun?: (summary: ReconcileSummary) => void;
  onError?: (error: unknown) => void;
}

export interface LocalReconciler {
  /** Runs finished so far (failed ones included). */
  readonly runs: number;
  /** Stops the timer and waits for a run in progress. Safe to call twice. */
  stop(): Promise<void>;
}

export const defaultReconcileIntervalMs = 15 * 60_000;

export function startReconciler(options: StartReconcilerOptions): LocalReconciler {
  const handler = options.handler ?? reconcileRecordsHandlerFromEnv(options.env);
  const intervalMs = options.intervalMs ?? defaultReconcileIntervalMs;
  let runs = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = async (): Promise<void> => {
    try {
      // Not `onRun?.(await handler())`: with no onRun that would skip the run itself.
      const summary = await handler();
      options.onRun?.(summary);
    } catch (error) {
      options.onError?.(error);
    } finally {
      runs += 1;
      running = undefined;
      if (!stopped)
        timer = setTimeout(() => {
          running = run();
        }, intervalMs);
    }
  };
  running = run();

  return {
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
