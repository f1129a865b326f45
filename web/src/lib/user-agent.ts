import type { UserAgentClass } from '../../../edge/src/contract';

/** A coarse device class for telemetry; nothing that identifies the person. */
export function userAgentClass(ua: string): UserAgentClass {
  if (/iPad|Tablet|PlayBook|Silk|Android(?!.*Mobile)/i.test(ua)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android/i.test(ua)) return 'mobile';
  if (/Windows|Macintosh|Linux|CrOS/i.test(ua)) return 'desktop';
  return 'other';
}
