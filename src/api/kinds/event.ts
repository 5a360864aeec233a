import { Type, type Static } from '@sinclair/typebox';
import { resource } from '../meta.ts';
import { type KindDefinition } from '../kind.ts';

export const EventTypes = ['Normal', 'Warning'] as const;

export const Event = resource(
  'Event',
  {
    involvedObject: Type.Object(
      {
        kind: Type.String(),
        name: Type.String(),
        namespace: Type.Optional(Type.String()),
        uid: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    type: Type.Union(EventTypes.map((t) => Type.Literal(t))),
    reason: Type.String({ minLength: 1 }),
    message: Type.String(),
    count: Type.Optional(Type.Integer({ minimum: 1 })),
    firstTimestamp: Type.Optional(Type.String({ format: 'date-time' })),
    lastTimestamp: Type.Optional(Type.String({ format: 'date-time' })),
    source: Type.Optional(
      Type.Object({ component: Type.String() }, { additionalProperties: false }),
    ),
  },
  'Something that happened to an object, for timelines; repeats are counted.',
);
export type Event = Static<typeof Event>;

export const eventKind: KindDefinition = {
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  schema: Event,
  nameFormat: 'subdomain',
  hasStatus: false,
  columns: [
    { name: 'LAST SEEN', jsonPath: '.lastTimestamp', type: 'date' },
    { name: 'TYPE', jsonPath: '.type' },
    { name: 'REASON', jsonPath: '.reason' },
    { name: 'OBJECT', jsonPath: '.involvedObject.name' },
    { name: 'COUNT', jsonPath: '.count', type: 'integer' },
    { name: 'MESSAGE', jsonPath: '.message' },
  ],
};
