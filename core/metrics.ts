/**
 * The fleet's custom CloudWatch metrics: what the worker publishes (CloudWatch embedded metric format on
 * stdout, which the awslogs driver ships to CloudWatch Logs, where it is extracted) and what the alarms and
 * the dashboard read: one list, so the stack and the worker cannot drift.
 */

export const metricNamespace = 'SmppFleet';

export const metricDimensions = {
  /** The sub-account id from the fleet config. */
  subAccount: 'SubAccount',
  /** A receipt's outcome: one of `receiptOutcomes`. */
  outcome: 'Outcome',
} as const;

export const receiptOutcomes = ['delivered', 'undeliverable', 'expired', 'rejected', 'unknown'] as const;

/** Name → what one data point means. Every metric has the SubAccount dimension except `workerErrors`. */
export const metricNames = {
  /**
   * Unit Count, a gauge: binds this worker holds for the sub-account right now. Each worker emits it once a
   * minute for every sub-account in the config (0 when it holds none), so the fleet total is the Sum over a
   * one-minute period.
   */
  bindsHeld: 'BindsHeld',
  /** Unit Count: submit_sm answered ESME_ROK (one per part). */
  submitsAccepted: 'SubmitsAccepted',
  /** Unit Count: submit_sm answered with a final error status (one per part). */
  submitsRejected: 'SubmitsRejected',
  /** Unit Count: submit_sm answered ESME_RTHROTTLED (0x58). */
  throttled: 'ThrottledResponses',
  /** Unit Count, a gauge: submit_sm awaiting their resp on one bind, sampled. */
  windowInUse: 'WindowInUse',
  /** Unit Milliseconds: from submit_sm_resp to the part's final receipt. */
  receiptLag: 'ReceiptLag',
  /** Unit Count, dimensions SubAccount and Outcome: final receipts by outcome. */
  receipts: 'Receipts',
  /** Unit Count: deliver_sm the worker could not read (kept with their bytes; `SMS Deliver Unreadable`). */
  unreadableDeliverSm: 'UnreadableDeliverSm',
  /** Unit Count, no dimension: errors the worker logged (anything an operator should look at). */
  workerErrors: 'WorkerErrors',
} as const;
export type MetricName = (typeof metricNames)[keyof typeof metricNames];
