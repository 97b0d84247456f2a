// The events.k8s.io/v1 Event object the recorder creates (events.ts): its name, its MicroTime
// and its bounded note.
import type { EventInput } from './events.js';

const MAX_NOTE = 1024;

/** MicroTime: RFC 3339 with exactly six fractional digits (the API server parses no other). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

let sequence = 0;

/**
 * `<object>.<hex>` as client-go names Events (it uses nanoseconds; here the milliseconds and a
 * counter, so two Events of one millisecond differ). `generateName` cannot be used: the API
 * server refuses a prefix that ends with the dot.
 */
export function eventName(object: string, at: number): string {
  sequence = (sequence + 1) % 0x100000;
  return `${object.slice(0, 200)}.${at.toString(16)}${sequence.toString(16).padStart(5, '0')}`;
}

/** The Event to create for `event` first seen at `at`. */
export function eventBody(
  event: EventInput,
  at: number,
  reporter: { controller: string; instance: string },
): object {
  const { regarding } = event;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(regarding.name, at), namespace: regarding.namespace },
    eventTime: microTime(at),
    reportingController: reporter.controller,
    reportingInstance: reporter.instance,
    action: event.action,
    reason: event.reason,
    type: event.type,
    note: event.note.length > MAX_NOTE ? `${event.note.slice(0, MAX_NOTE - 1)}…` : event.note,
    regarding,
    ...(event.related && { related: event.related }),
  };
}
