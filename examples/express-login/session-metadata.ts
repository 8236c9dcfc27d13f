import type { Request } from 'express';
import type { DefaultMetaData } from 'user-session-redis-storage';
import { deviceOf } from './device.js';

type Location = NonNullable<DefaultMetaData['location']>;

const textFields = ['countryCode', 'regionCode', 'city', 'timezone'] as const;
const numberFields = ['latitude', 'longitude'] as const;

/**
 * The location a client sent (e.g. from the browser's geolocation, or a
 * geo-IP lookup done upstream). Only known fields of the right type are kept,
 * and short ones: the session value is stored once per login, so it must not
 * grow with whatever a client decides to send.
 */
export function locationOf(input: unknown): Location | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const source = input as Record<string, unknown>;
  const location: Location = {};
  for (const field of textFields) {
    const value = source[field];
    if (typeof value === 'string' && value.length > 0 && value.length <= 64) location[field] = value;
  }
  for (const field of numberFields) {
    const value = source[field];
    if (typeof value === 'number' && Number.isFinite(value)) location[field] = value;
  }
  return Object.keys(location).length > 0 ? location : undefined;
}

/** An IPv4 client seen on a dual-stack socket shows as "::ffff:1.2.3.4". */
function plainIp(ip: string | undefined): string | undefined {
  return ip?.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** The metadata of a new session, from the login request. */
export function sessionMetadataOf(req: Request, location: unknown): DefaultMetaData {
  const metaData: DefaultMetaData = { device: deviceOf(req.get('user-agent')), createdAt: Date.now() };
  const ip = plainIp(req.ip);
  if (ip) metaData.ip = ip;
  const where = locationOf(location);
  if (where) metaData.location = where;
  return metaData;
}
