import { createRequire } from 'node:module';
import type * as SmppDefs from 'smpp/lib/defs.js';
import { describe, expect, it } from 'vitest';
import {
  bindFailureKind,
  CommandStatus,
  commandStatuses,
  describeCommandStatus,
  isRetryableStatus,
} from '../../../../core/smpp/commandStatus.js';

// Read only to check the table against the library's own list; production code never imports smpp here.
const packageErrors = (createRequire(import.meta.url)('smpp/lib/defs.js') as typeof SmppDefs).errors;

describe('commandStatuses', () => {
  it('covers every status the smpp package knows, under its name or an alias', () => {
    for (const [name, code] of Object.entries(packageErrors)) {
      const info = describeCommandStatus(code);
      expect([info.name, ...(info.aliases ?? [])], `0x${code.toString(16)}`).toContain(name);
    }
    expect(commandStatuses.length).toBe(Object.keys(packageErrors).length);
  });

  it('has one entry per code, in code order, each with a description', () => {
    const codes = commandStatuses.map((s) => s.code);
    expect(codes).toEqual([...new Set(codes)].sort((a, b) => a - b));
    for (const s of commandStatuses) expect(s.description.length).toBeGreaterThan(3);
  });

  it('names each constant after the table entry with that code', () => {
    for (const [name, code] of Object.entries(CommandStatus))
      expect(describeCommandStatus(code).name).toBe(name);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    ['ESME_RTHROTTLED', 0x58],
    ['ESME_RMSGQFUL', 0x14],
    ['ESME_RSYSERR', 0x08],
    ['ESME_RX_T_APPN', 0x64],
    ['ESME_RUNKNOWNERR', 0xff],
    ['ESME_RINVBNDSTS', 0x04],
  ])('retries %s', (_name, code) => {
    expect(isRetryableStatus(code)).toBe(true);
  });

  it.each([
    ['ESME_RINVDSTADR', 0x0b],
    ['ESME_RINVSRCADR', 0x0a],
    ['ESME_RINVSRCTON', 0x48],
    ['ESME_RINVSRCNPI', 0x49],
    ['ESME_RINVDSTTON', 0x50],
    ['ESME_RINVDSTNPI', 0x51],
    ['ESME_RINVMSGLEN', 0x01],
    ['ESME_RINVDCS', 0x104],
    ['ESME_RPROHIBITED', 0x101],
    ['ESME_RX_P_APPN', 0x65],
    ['ESME_RX_R_APPN', 0x66],
    ['ESME_RSUBMITFAIL', 0x45],
    ['ESME_RDELIVERYFAILURE', 0xfe],
  ])('does not retry %s', (_name, code) => {
    expect(isRetryableStatus(code)).toBe(false);
  });

  it('treats unknown and vendor-specific codes as final unless overridden', () => {
    expect(isRetryableStatus(0x401)).toBe(false);
    expect(isRetryableStatus(0x9999)).toBe(false);
    expect(isRetryableStatus(0x401, { 1025: 'retryable' })).toBe(true);
    expect(isRetryableStatus(0x58, { 88: 'final' })).toBe(false);
  });
});

describe('describeCommandStatus', () => {
  it('describes a known status', () => {
    expect(describeCommandStatus(0x58)).toMatchObject({
      code: 0x58,
      name: 'ESME_RTHROTTLED',
      retry: 'retryable',
    });
  });

  it('gives vendor-specific codes a readable name and says they are vendor-specific', () => {
    const info = describeCommandStatus(0x4a2);
    expect(info.name).toBe('UNKNOWN_0x000004A2');
    expect(info.description).toMatch(/vendor-specific/);
    expect(info.retry).toBe('final');
  });

  it('names reserved codes without throwing, even odd values', () => {
    expect(describeCommandStatus(0x09).name).toBe('UNKNOWN_0x00000009');
    expect(describeCommandStatus(0xffffffff).name).toBe('UNKNOWN_0xFFFFFFFF');
    expect(describeCommandStatus(0x09).description).toMatch(/reserved|unknown/i);
  });
});

describe('bindFailureKind', () => {
  it('marks wrong credentials, which never fix themselves', () => {
    expect(bindFailureKind(CommandStatus.ESME_RINVPASWD)).toBe('credentials');
    expect(bindFailureKind(CommandStatus.ESME_RINVSYSID)).toBe('credentials');
  });

  it('marks a generic bind failure as capacity (a full bind count), so it is retried slowly', () => {
    expect(bindFailureKind(CommandStatus.ESME_RBINDFAIL)).toBe('capacity');
    expect(bindFailureKind(CommandStatus.ESME_RALYBND)).toBe('capacity');
  });

  it('marks SMSC faults as transient', () => {
    expect(bindFailureKind(CommandStatus.ESME_RSYSERR)).toBe('transient');
  });

  it('backs off longer on codes it does not know', () => {
    expect(bindFailureKind(0x433)).toBe('capacity');
  });
});
