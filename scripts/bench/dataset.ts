import type { DefaultMetaData } from '../../src/index.js';

/**
 * Deterministic names and metadata: session number i always maps to the same
 * subject, id and metadata, so results can be checked without keeping copies.
 * Session i belongs to subject floor(i / perSubject).
 */
export class Dataset {
  constructor(
    readonly perSubject: number,
    private readonly padBytes: number,
  ) {}

  subject(subjectIndex: number): string {
    return `user:${subjectIndex}@example.com`;
  }

  subjectOf(i: number): string {
    return this.subject(Math.floor(i / this.perSubject));
  }

  sessionId(i: number): string {
    return `s${i.toString(36).padStart(6, '0')}-6f1c2e9a4b7d`;
  }

  /** Session ids of subject s, as inserted: i = s * perSubject + k. */
  sessionIdsOf(subjectIndex: number): string[] {
    return Array.from({ length: this.perSubject }, (_, k) => this.sessionId(subjectIndex * this.perSubject + k));
  }

  ip(i: number): string {
    return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  }

  /** Realistic login metadata (device, location); `version` tells an update from the original. */
  metadata(i: number, version = 0): DefaultMetaData & { version: number; pad?: string } {
    const meta: DefaultMetaData & { version: number; pad?: string } = {
      ip: this.ip(i),
      device: { name: 'iPhone 15 Pro', type: 'mobile', client: 'Safari 17.4', os: 'iOS 17.4.1' },
      location: { countryCode: 'DE', regionCode: 'BE', city: 'Berlin', timezone: 'Europe/Berlin', latitude: 52.520008, longitude: 13.404954 },
      createdAt: 1_764_000_000_000 + i,
      expiresAt: 1_764_003_600_000 + i,
      version,
    };
    if (this.padBytes > 0) meta.pad = 'x'.repeat(this.padBytes);
    return meta;
  }

  /** Whether decoded metadata is that of session i (at this version). */
  matches(meta: unknown, i: number, version = 0): boolean {
    const m = meta as { ip?: unknown; createdAt?: unknown; version?: unknown; location?: { city?: unknown } } | undefined;
    return m?.ip === this.ip(i) && m.createdAt === 1_764_000_000_000 + i && m.version === version && m.location?.city === 'Berlin';
  }
}
