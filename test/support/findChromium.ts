/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH when set, else Debian's or Ubuntu's package, else
 * Google Chrome, else one Playwright installed. None found: an error that says the commands that fix it.
 */
import { existsSync } from 'node:fs';

export const chromiumCandidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export class ChromiumNotFoundError extends Error {
  constructor(tried: readonly string[]) {
    super(
      `no Chromium found (tried ${tried.join(', ')}). The status page is tested in headless Chromium and the ` +
        'test is never skipped: install Debian’s with `sudo apt-get install -y chromium` (.ci/run does on CI), ' +
        'or Playwright’s with `npx playwright-core install chromium`, or set CHROMIUM_PATH to a Chromium or ' +
        'Chrome binary.',
    );
    this.name = 'ChromiumNotFoundError';
  }
}

export function findChromium(
  options: {
    env?: NodeJS.ProcessEnv;
    exists?: (path: string) => boolean;
    playwrightPath?: () => string;
  } = {},
): string {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!exists(fromEnv)) throw new Error(`CHROMIUM_PATH is ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  let playwright: string | undefined;
  try {
    playwright = options.playwrightPath?.();
  } catch {
    // playwright-core throws when it has no browser of its own installed.
  }
  const tried = [...chromiumCandidates, ...(playwright === undefined ? [] : [playwright])];
  const found = tried.find((path) => exists(path));
  if (found === undefined) throw new ChromiumNotFoundError(tried);
  return found;
}
