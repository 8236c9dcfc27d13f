import UAParser from 'ua-parser-js';
import type { DefaultMetaData } from 'user-session-redis-storage';

type Device = NonNullable<DefaultMetaData['device']>;

function joined(...parts: (string | undefined)[]): string | undefined {
  const text = parts.filter(Boolean).join(' ');
  return text || undefined;
}

/**
 * What a user sees in "your devices": a User-Agent header parsed by
 * ua-parser-js (hand-written regexes for this go stale within months).
 * ua-parser-js reports no device type for desktops, hence the default.
 */
export function deviceOf(userAgent: string | undefined): Device {
  if (!userAgent) return { name: 'Unknown device', type: 'unknown' };
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const client = joined(browser.name, browser.major);
  const system = joined(os.name, os.version);
  return {
    name: joined(device.vendor, device.model) ?? joined(browser.name, os.name ? `on ${os.name}` : undefined) ?? 'Unknown device',
    type: device.type ?? (browser.name || os.name ? 'desktop' : 'unknown'),
    ...(client ? { client } : {}),
    ...(system ? { os: system } : {}),
  };
}
