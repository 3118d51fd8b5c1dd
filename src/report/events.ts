import { appendFileSync } from 'node:fs';
import type { PlannedImage } from '../compose/types.js';
import type { Log } from '../log.js';

export type EventTopic = 'image.upload' | 'image.test' | 'image.copy' | 'image.publish';
export type EventStatus = 'started' | 'completed' | 'failed';

/** The message shape fedimg's consumers know (fedimg's image.* messages on the Fedora bus). */
export interface FedimgEvent {
  topic: EventTopic;
  status: EventStatus;
  timestamp: string;
  image_name: string;
  image_url: string;
  destination: string;
  service: 'EC2';
  compose: string;
  architecture: string;
  extra: {
    id?: string;
    virt_type: 'hvm';
    vol_type?: string;
    source_image_id?: string;
    flavour?: string;
    error?: string;
  };
}

/** Appends events as NDJSON; every stage writes to the same file so a job can publish them all. */
export class EventLog {
  constructor(
    readonly path: string | undefined,
    private readonly log: Log,
  ) {}

  emit(
    topic: EventTopic,
    status: EventStatus,
    image: PlannedImage,
    destination: string,
    extra: Omit<FedimgEvent['extra'], 'virt_type'> = {},
  ): FedimgEvent {
    const event: FedimgEvent = {
      topic,
      status,
      timestamp: new Date().toISOString(),
      image_name: image.name,
      image_url: image.url,
      destination,
      service: 'EC2',
      compose: image.compose_id,
      architecture: image.arch,
      extra: { virt_type: 'hvm', ...extra },
    };
    this.log.debug(`event ${topic} ${status}: ${JSON.stringify(event)}`);
    if (this.path) appendFileSync(this.path, `${JSON.stringify(event)}\n`);
    return event;
  }
}
