/**
 * What a run has created but not finished (an open snapshot, a staging object, an import task, a
 * test instance). Stages add a resource before they start on it and drop it once it is complete or
 * cleaned up; whatever is left when the main step dies is removed by the post step.
 */
export type PendingResource =
  | { kind: 'snapshot'; region: string; id: string }
  | { kind: 's3-object'; region: string; bucket: string; key: string }
  | { kind: 'import-task'; region: string; id: string }
  | { kind: 'instance'; region: string; id: string };

export function pendingKey(resource: PendingResource): string {
  return resource.kind === 's3-object'
    ? `s3://${resource.bucket}/${resource.key}`
    : `${resource.kind}:${resource.region}:${resource.id}`;
}

export class PendingResources {
  private readonly items = new Map<string, PendingResource>();

  /** `persist` is called with the whole list after every change (the action saves it as step state). */
  constructor(private readonly persist: (items: PendingResource[]) => void = () => undefined) {}

  add(resource: PendingResource): void {
    this.items.set(pendingKey(resource), resource);
    this.persist(this.list());
  }

  remove(resource: PendingResource): void {
    if (this.items.delete(pendingKey(resource))) this.persist(this.list());
  }

  list(): PendingResource[] {
    return [...this.items.values()];
  }
}
