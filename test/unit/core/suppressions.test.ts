import { describe, expect, it } from 'vitest';
import { eventDetailSchemas } from '../../../core/events.js';
import { parseFleetConfig } from '../../../core/fleetConfig.js';
import { eventsOfItemChange } from '../../../core/recordChangeEvents.js';
import {
  defaultStopKeywords,
  phoneNumberOfAddress,
  stopKeywordOf,
  suppressionFromItem,
  suppressionItem,
} from '../../../core/suppressions.js';

const account = (extra: Record<string, unknown>) => ({ id: 'acme', password: { env: 'PW' }, ...extra });

describe('optOuts in the fleet config', () => {
  it('is off unless given, and `{}` takes the default keywords', () => {
    expect(parseFleetConfig({ subAccounts: [account({})] }).subAccounts[0]?.optOuts).toBeUndefined();
    expect(parseFleetConfig({ subAccounts: [account({ optOuts: {} })] }).subAccounts[0]?.optOuts).toEqual({
      stopKeywords: [...defaultStopKeywords],
    });
  });

  it('normalises configured keywords to trimmed upper case', () => {
    const parsed = parseFleetConfig({
      subAccounts: [account({ optOuts: { stopKeywords: [' arret ', 'STOP'] } })],
    });
    expect(parsed.subAccounts[0]?.optOuts?.stopKeywords).toEqual(['ARRET', 'STOP']);
  });

  it('refuses a blank keyword and an unknown key, naming the path', () => {
    expect(() => parseFleetConfig({ subAccounts: [account({ optOuts: { stopKeywords: ['  '] } })] })).toThrow(
      /subAccounts\[0\]\.optOuts\.stopKeywords\[0\]: must not be blank/,
    );
    expect(() => parseFleetConfig({ subAccounts: [account({ optOuts: { keywords: ['STOP'] } })] })).toThrow(
      /subAccounts\[0\]\.optOuts/,
    );
  });
});

describe('stopKeywordOf', () => {
  it('matches the whole text, ignoring case and surrounding space', () => {
    expect(stopKeywordOf('  Stop\n', defaultStopKeywords)).toBe('STOP');
    expect(stopKeywordOf('opt-out', defaultStopKeywords)).toBe('OPT-OUT');
    expect(stopKeywordOf('please stop', defaultStopKeywords)).toBeUndefined();
    expect(stopKeywordOf('STOPP', defaultStopKeywords)).toBeUndefined();
  });
});

describe('phoneNumberOfAddress', () => {
  it('reads an international source address as E.164 and refuses an alphanumeric sender', () => {
    expect(phoneNumberOfAddress('6591234567')).toBe('+6591234567');
    expect(phoneNumberOfAddress('+6591234567')).toBe('+6591234567');
    expect(phoneNumberOfAddress('ACME')).toBeUndefined();
    expect(phoneNumberOfAddress('12345')).toBeUndefined();
  });
});

describe('suppression items', () => {
  const suppression = {
    subAccount: 'acme',
    phoneNumber: '+6591234567',
    source: 'inbound-keyword',
    optedOutAt: 1_700_000_000_000,
    keyword: 'STOP',
    inboundMessageId: 'mo-1',
  } as const;

  it('publish one SMS Opted Out when inserted, none when overwritten or deleted', () => {
    const item = suppressionItem(suppression);
    const [event, ...more] = eventsOfItemChange({ newItem: item });
    expect(more).toEqual([]);
    expect(event?.detailType).toBe('SMS Opted Out');
    expect(eventDetailSchemas['SMS Opted Out'].parse(event?.detail)).toMatchObject({
      phoneNumber: '+6591234567',
      source: 'inbound-keyword',
      keyword: 'STOP',
    });
    expect(eventsOfItemChange({ oldItem: item, newItem: item })).toEqual([]);
    expect(eventsOfItemChange({ oldItem: item })).toEqual([]);
  });

  it('read back as the suppression they hold, and other items as none', () => {
    expect(suppressionFromItem(suppressionItem(suppression))).toEqual(suppression);
    expect(suppressionFromItem({ pk: 'MSG#x', sk: 'MSG', subAccount: 'acme' })).toBeUndefined();
  });
});
