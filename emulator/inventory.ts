/** What the account holds, for tests and the control API: every resource with its state and tags. */
import type { AccountState } from './state.js';

export interface Inventory {
  snapshots: Array<{
    id: string;
    region: string;
    state: string;
    source: string;
    tags: Record<string, string>;
    public: boolean;
  }>;
  images: Array<{
    id: string;
    region: string;
    name: string;
    state: string;
    tags: Record<string, string>;
    public: boolean;
    snapshotIds: string[];
  }>;
  instances: Array<{
    id: string;
    region: string;
    state: string;
    imageId: string;
    tags: Record<string, string>;
  }>;
  objects: Array<{ bucket: string; key: string; size: number }>;
  multipartUploads: Array<{ bucket: string; key: string; uploadId: string }>;
  importTasks: Array<{ id: string; region: string; status: string }>;
}

const tagsObject = (tags: Map<string, string>) => Object.fromEntries(tags);

export function inventoryOf(s: AccountState): Inventory {
  return {
    snapshots: [...s.snapshots.values()].map((snap) => ({
      id: snap.id,
      region: snap.region,
      state: snap.open ? 'pending (open)' : snap.state,
      source: snap.source,
      tags: tagsObject(snap.tags),
      public: snap.createVolumePermission.groups.has('all'),
    })),
    images: [...s.images.values()].map((image) => ({
      id: image.id,
      region: image.region,
      name: image.name,
      state: image.state,
      tags: tagsObject(image.tags),
      public: image.launchPermission.groups.has('all'),
      snapshotIds: image.blockDeviceMappings.flatMap((mapping) =>
        mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : [],
      ),
    })),
    instances: [...s.instances.values()].map((instance) => ({
      id: instance.id,
      region: instance.region,
      state: instance.state,
      imageId: instance.imageId,
      tags: tagsObject(instance.tags),
    })),
    objects: [...s.buckets.values()].flatMap((bucket) =>
      [...bucket.objects].map(([key, object]) => ({ bucket: bucket.name, key, size: object.size })),
    ),
    multipartUploads: [...s.buckets.values()].flatMap((bucket) =>
      [...bucket.uploads.values()].map((upload) => ({
        bucket: bucket.name,
        key: upload.key,
        uploadId: upload.id,
      })),
    ),
    importTasks: [...s.importTasks.values()].map((task) => ({
      id: task.id,
      region: task.region,
      status: task.status,
    })),
  };
}
