/** What the simulator reports as it runs, as typed events: `simulator.on('submit', (event) => …)`. */
import type { BindMode } from '../../core/fleetConfig.js';
import type { DeliverKind } from './DeliverSmOutbox.js';
import type { SubmittedMessage } from './SubmittedMessage.js';

export type Transport = 'plain' | 'tls';
export type BindRejectReason = 'unknown-system-id' | 'invalid-password' | 'bind-limit' | 'refused';
export type UnbindReason = 'client-unbind' | 'server-unbind' | 'connection-closed';

export interface BindEvent {
  readonly bindId: string;
  readonly connectionId: string;
  readonly systemId: string;
  readonly mode: BindMode;
  readonly transport: Transport;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface BindRejectedEvent {
  readonly connectionId: string;
  readonly systemId: string;
  readonly mode: BindMode;
  readonly transport: Transport;
  readonly reason: BindRejectReason;
  readonly status: number;
}

/** A bind request the `holdBinds` fault keeps unanswered (and undecided) until it is cleared. */
export interface BindHeldEvent {
  readonly connectionId: string;
  readonly systemId: string;
  readonly mode: BindMode;
  readonly transport: Transport;
}

/** A client connection closed, by either side; `bindId` when it was bound at some point. */
export interface ConnectionClosedEvent {
  readonly connectionId: string;
  readonly bindId: string | undefined;
}

export interface UnbindEvent {
  readonly bindId: string;
  readonly systemId: string;
  readonly reason: UnbindReason;
}

/** Every submit_sm on a bound session, whatever its answer. */
export interface SubmitEvent {
  readonly bindId: string;
  readonly systemId: string;
  readonly sequenceNumber: number;
  readonly destination: string;
  /** The submit_sm_resp status decided (sent, or withheld under missingRespRate). */
  readonly status: number;
  readonly respWithheld: boolean;
  /** Set when accepted (status 0). */
  readonly message: SubmittedMessage | undefined;
}

export interface DeliverEvent {
  readonly kind: DeliverKind;
  readonly id: string;
  readonly systemId: string;
  readonly bindId: string;
  readonly redelivery: boolean;
  readonly duplicate: boolean;
}

export interface DeliverRespEvent {
  readonly kind: DeliverKind;
  readonly id: string;
  readonly systemId: string;
  readonly bindId: string;
  readonly status: number;
}

export interface EnquireLinkEvent {
  readonly connectionId: string;
  readonly answered: boolean;
}

export interface ConnectionErrorEvent {
  readonly connectionId: string;
  readonly error: Error;
}

export interface ServerErrorEvent {
  readonly transport: Transport;
  readonly error: Error;
}

export type SimulatorStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface StatusEvent {
  readonly from: SimulatorStatus;
  readonly to: SimulatorStatus;
}

export interface SmscSimulatorEvents {
  status: [StatusEvent];
  bind: [BindEvent];
  'bind-rejected': [BindRejectedEvent];
  'bind-held': [BindHeldEvent];
  unbind: [UnbindEvent];
  submit: [SubmitEvent];
  deliver: [DeliverEvent];
  'deliver-resp': [DeliverRespEvent];
  'enquire-link': [EnquireLinkEvent];
  'connection-error': [ConnectionErrorEvent];
  'connection-closed': [ConnectionClosedEvent];
  'server-error': [ServerErrorEvent];
}
