/**
 * A ready-made shape for session metadata, the one most login systems keep.
 * Any value the codec can encode works as MetaData; this one is optional.
 */
export interface DefaultMetaData {
  /** The client's IP address at login. */
  ip?: string;
  /** The device the session was started on, e.g. parsed from the User-Agent. */
  device?: {
    /** Display name, e.g. "Apple iPhone" or "Chrome on Windows". */
    name?: string;
    /** Kind of device, e.g. "desktop", "mobile", "tablet". */
    type?: string;
    /** The client application, e.g. "Chrome 120". */
    client?: string;
    /** The operating system, e.g. "iOS 17.1". */
    os?: string;
  };
  /** Where the session was started, if known. */
  location?: {
    /** ISO 3166-1 alpha-2 country code, e.g. "DE". */
    countryCode?: string;
    /** Region (subdivision) code, e.g. "BE". */
    regionCode?: string;
    /** City name. */
    city?: string;
    /** IANA time zone, e.g. "Europe/Berlin". */
    timezone?: string;
    /** Latitude in degrees. */
    latitude?: number;
    /** Longitude in degrees. */
    longitude?: number;
  };
  /** Milliseconds since the epoch. */
  createdAt?: number;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
}
