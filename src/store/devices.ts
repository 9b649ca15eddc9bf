// Device-plugin allocations from the kubelet's checkpoint file, and NPWG device-info files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceSource } from '../core/sources.js';

interface CheckpointEntry {
  PodUID?: string;
  ResourceName?: string;
  DeviceIDs?: string[] | Record<string, string[]>;
}

export function checkpointDevices(
  checkpointFile: string,
  deviceInfoDir = '/var/run/k8s.cni.cncf.io/devinfo/dp',
): DeviceSource {
  let entries: CheckpointEntry[] | undefined;
  const load = (): CheckpointEntry[] => {
    if (entries) return entries;
    try {
      const parsed = JSON.parse(readFileSync(checkpointFile, 'utf8')) as {
        Data?: { PodDeviceEntries?: CheckpointEntry[] };
      };
      entries = parsed.Data?.PodDeviceEntries ?? [];
    } catch {
      entries = [];
    }
    return entries;
  };
  return {
    deviceIds(podUid, resourceName) {
      const ids = new Set<string>();
      for (const e of load()) {
        if (e.PodUID !== podUid || e.ResourceName !== resourceName || !e.DeviceIDs) continue;
        // kubelet ≥1.20 keys device IDs by NUMA node; older checkpoints hold a plain list.
        const list = Array.isArray(e.DeviceIDs) ? e.DeviceIDs : Object.values(e.DeviceIDs).flat();
        for (const id of list) ids.add(id);
      }
      return [...ids].sort();
    },
    deviceInfo(resourceName, deviceId) {
      const file = join(deviceInfoDir, `${resourceName.replace(/\//g, '-')}-${deviceId}-device.json`);
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}
