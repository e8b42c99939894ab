import type { ReactNode } from 'react';
import type { Tone } from './tone.js';

/** Inline SVG icons (no icon font, no network): decorative, so hidden from assistive technology. */

interface IconProps {
  readonly size?: number;
}

const svg = (size: number, children: ReactNode) => (
  <svg
    width={size}
    height={size}
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    strokeWidth={2}
    strokeLinecap="round"
    strokeLinejoin="round"
    aria-hidden="true"
    focusable="false"
  >
    {children}
  </svg>
);

/** The product mark. */
export function ShieldIcon({ size = 24 }: IconProps) {
  return svg(
    size,
    <>
      <path
        d="M12 2.5 4 5.5v6.1c0 5 3.4 9.1 8 10.4 4.6-1.3 8-5.4 8-10.4V5.5l-8-3Z"
        fill="currentColor"
        stroke="none"
      />
      <path d="m8.8 12.2 2.2 2.2 4.3-4.4" stroke="#fff" />
    </>,
  );
}

const TONE_ICONS: Record<Tone, ReactNode> = {
  // Octagon with a bar: stop, now.
  critical: (
    <>
      <path d="M7.9 2.5h8.2l5.4 5.4v8.2l-5.4 5.4H7.9l-5.4-5.4V7.9Z" />
      <path d="M12 7.5v5" />
      <path d="M12 16.5h.01" />
    </>
  ),
  // Warning triangle.
  high: (
    <>
      <path d="M10.3 3.9 2.4 17.5A2 2 0 0 0 4.1 20.5h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" />
      <path d="M12 9v4" />
      <path d="M12 17h.01" />
    </>
  ),
  // Circle with an exclamation mark.
  medium: (
    <>
      <circle cx="12" cy="12" r="9.5" />
      <path d="M12 7.5v5" />
      <path d="M12 16.5h.01" />
    </>
  ),
  // Circle with an "i".
  low: (
    <>
      <circle cx="12" cy="12" r="9.5" />
      <path d="M12 16.5v-5" />
      <path d="M12 7.5h.01" />
    </>
  ),
  ok: (
    <>
      <circle cx="12" cy="12" r="9.5" />
      <path d="m8 12.5 2.7 2.7L16 9.8" />
    </>
  ),
  neutral: (
    <>
      <circle cx="12" cy="12" r="9.5" />
      <path d="M8 12h8" />
    </>
  ),
};

/** The icon for a tone, drawn in the current colour. */
export function ToneIcon({ tone, size = 20 }: IconProps & { readonly tone: Tone }) {
  return svg(size, TONE_ICONS[tone]);
}

/** Notifications. */
export function BellIcon({ size = 16 }: IconProps) {
  return svg(
    size,
    <>
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.9 1.9 0 0 0 3.4 0" />
    </>,
  );
}

/** Sign out. */
export function SignOutIcon({ size = 16 }: IconProps) {
  return svg(
    size,
    <>
      <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4" />
      <path d="m16 17 5-5-5-5" />
      <path d="M21 12H9" />
    </>,
  );
}

/** Done (an acknowledged alert). */
export function CheckIcon({ size = 14 }: IconProps) {
  return svg(size, <path d="M20 6 9 17l-5-5" />);
}
