/**
 * A ready-made shape for session metadata, the one most login systems keep.
 * Any value the codec can encode works as MetaData; this one is optional.
 */
export interface DefaultMetaData {
  ip?: string;
  device?: {
    name?: string;
    type?: string;
    client?: string;
    os?: string;
  };
  location?: {
    countryCode?: string;
    regionCode?: string;
    city?: string;
    timezone?: string;
    latitude?: number;
    longitude?: number;
  };
  /** Milliseconds since the epoch. */
  createdAt?: number;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
}
