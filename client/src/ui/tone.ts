import type { Severity } from '../generated/graphql.js';

/** How alarming a row looks: its colour and icon. Severities map one to one; statuses pick the nearest. */
export type Tone = 'critical' | 'high' | 'medium' | 'low' | 'ok' | 'neutral';

/** A severity's tone. */
export const severityTone: Record<Severity, Tone> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
};

/** Severities from the most to the least severe, for filters and legends. */
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
