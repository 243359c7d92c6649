import { describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, findChromium } from '../../support/findChromium.js';

const only =
  (...present: string[]) =>
  (path: string) =>
    present.includes(path);

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, and names it when it does not exist', () => {
    const env = { CHROMIUM_PATH: '/opt/chrome/chrome' };
    expect(findChromium({ env, exists: only('/opt/chrome/chrome', '/usr/bin/chromium') })).toBe(
      '/opt/chrome/chrome',
    );
    expect(() => findChromium({ env, exists: only('/usr/bin/chromium') })).toThrow(
      /CHROMIUM_PATH is \/opt\/chrome\/chrome/,
    );
  });

  it('then Debian’s, Ubuntu’s, Chrome, and last a browser Playwright installed', () => {
    const playwrightPath = () => '/root/.cache/ms-playwright/chromium-1/chrome-linux/chrome';
    expect(
      findChromium({ env: {}, exists: only('/usr/bin/chromium-browser', playwrightPath()), playwrightPath }),
    ).toBe('/usr/bin/chromium-browser');
    expect(findChromium({ env: {}, exists: only(playwrightPath()), playwrightPath })).toBe(playwrightPath());
  });

  it('says the commands that install one when there is none', () => {
    const noBrowser = () => {
      throw new Error('Executable does not exist');
    };
    expect(() => findChromium({ env: {}, exists: only(), playwrightPath: noBrowser })).toThrow(
      ChromiumNotFoundError,
    );
    expect(() => findChromium({ env: {}, exists: only(), playwrightPath: noBrowser })).toThrow(
      /apt-get install -y chromium.*npx playwright-core install chromium.*CHROMIUM_PATH/,
    );
  });
});
