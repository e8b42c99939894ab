import type { ReactNode } from 'react';
import { ToneIcon } from './icons.js';
import { RelativeTime } from './now.js';
import type { Tone } from './tone.js';

/** One labelled fact under an event's message; empty values are left out. */
export type Fact = readonly [label: string, value: ReactNode];

/** What every row shows, whatever the stream. */
export interface EventCardProps {
  readonly tone: Tone;
  /** The badge: a severity or a status ("Critical", "Terminated"). */
  readonly badge: string;
  /** The kind of event ("Brute force", "Role assigned"). */
  readonly title: string;
  readonly message?: ReactNode;
  readonly facts: readonly Fact[];
  readonly createdAt: string;
  /** A line under the facts, e.g. who acknowledged it. */
  readonly footnote?: ReactNode;
  /** Buttons, and the server's answer when an action failed. */
  readonly actions?: ReactNode;
  /** Dimmed: the event is settled (acknowledged, superseded). */
  readonly settled?: boolean;
}

/** A row of a stream's list: tone icon, badge and title, message, facts, time, actions. */
export function EventCard(props: EventCardProps) {
  const facts = props.facts.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return (
    <li className={`event tone-${props.tone}${props.settled ? ' settled' : ''}`}>
      <div className="event-icon">
        <ToneIcon tone={props.tone} />
      </div>
      <div className="event-main">
        <div className="event-head">
          <span className={`badge tone-${props.tone}`}>{props.badge}</span>
          <span className="event-title">{props.title}</span>
        </div>
        {props.message ? <p className="event-message">{props.message}</p> : null}
        {facts.length > 0 ? (
          <dl className="event-facts">
            {facts.map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        ) : null}
        {props.footnote ? <p className="event-footnote">{props.footnote}</p> : null}
      </div>
      <div className="event-side">
        <RelativeTime iso={props.createdAt} />
        {props.actions ? <div className="event-actions">{props.actions}</div> : null}
      </div>
    </li>
  );
}
