import UAParser from 'ua-parser-js';

/**
 * What a user recognises a device by on "your devices": browser and system
 * from the User-Agent header (ua-parser-js: hand-written regexes for this
 * go stale within months), e.g. "Firefox 140 on Linux".
 */
export function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown device';
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const client = [browser.name, browser.major].filter(Boolean).join(' ');
  const system = [device.vendor, device.model].filter(Boolean).join(' ') || [os.name, os.version].filter(Boolean).join(' ');
  if (client && system) return `${client} on ${system}`;
  return client || system || 'Unknown device';
}
