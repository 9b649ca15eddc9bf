// Which of a pod's attachments may run at once (issue 9). A network's plugins act on the interface they are given:
// they create or move it into the pod from the host's side. The exception is a plugin told that its link is already
// inside the pod (`linkInContainer`: macvlan, ipvlan and vlan since the reference plugins v1.3; `linksInContainer`:
// bond-cni, whose `links` are other attachments' interfaces): its master is another of the pod's interfaces, made by
// an earlier attachment, so the pod's networks then go strictly in order, ADD forwards and DEL in reverse.
import type { PlannedAttachment } from './plan.js';

/** Whether this attachment's plugins use another of the pod's interfaces. */
export const usesPodLinks = (att: Pick<PlannedAttachment, 'conf'>): boolean =>
  att.conf.plugins.some((p) => p.linkInContainer === true || p.linksInContainer === true);

/** No attachment uses another's interface: each may be added (after the default) and removed at the same time. */
export const independent = (atts: ReadonlyArray<Pick<PlannedAttachment, 'conf'>>): boolean => !atts.some(usesPodLinks);
