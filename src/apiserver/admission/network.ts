// Admission: the address rules a schema cannot state. An IPPool's ranges, gateway and
// excludes must parse and fit its prefix; a ClusterDeployment's spec.network must not
// contradict itself. The same checks run in the controllers (the Valid condition of a
// pool, InvalidNetwork on a cluster) for objects written around the API.
import {
  clusterDeploymentKind,
  clusterNetworkProblems,
  invalid,
  ipPoolKind,
  readIPPoolSpec,
  type ClusterDeployment,
  type FieldCause,
  type IPPool,
} from '../../api/index.ts';
import type { AdmissionContext } from './types.ts';

/** Throws Invalid with every problem's field path; status writes are not checked. */
export function checkNetworkRules(ctx: AdmissionContext): void {
  const { kind, subresource } = ctx.request;
  if (subresource !== undefined) return;
  let causes: FieldCause[] = [];
  // The schema step has run: the spec has the shape of the kind.
  if (kind.kind === ipPoolKind.kind) {
    const read = readIPPoolSpec((ctx.object as IPPool).spec);
    if (!read.ok) causes = read.causes;
  } else if (kind.kind === clusterDeploymentKind.kind) {
    causes = clusterNetworkProblems((ctx.object as ClusterDeployment).spec.network);
  }
  if (causes.length > 0) throw invalid(kind.kind, ctx.object.metadata.name, causes);
}
