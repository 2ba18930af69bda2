import type { Analysis } from '../findings';
import { entityBaseline } from './baseline';
import { alumniReading } from './alumniReading';
import { barelyActive, busiestResources, cohortOveruse } from './course';
import { crossProgram } from './crossProgram';
import { spikes } from './spikes';
import { suspiciousAccess } from './suspiciousAccess';
import { sessionClusters } from './clusterSessions';
import { failureBursts } from './failureBursts';
import { geoIp } from './geoIp';
import { loginAccounts } from './loginAccounts';
import { loginDetectors } from './loginDetectors';
import { loginOnline } from './loginOnline';
import { loginPerIp } from './loginPerIp';
import { loginRules } from './loginRules';
import { loginSupervised } from './loginSupervised';
import { populationOutliers } from './population';
import { rulesAnalysis } from './rules';
import { sessions } from './sessions';
import { sigmaAnalysis } from './sigma';
import { TEMPLATE_ANALYSES } from './templates';
import { threatListMatches } from './threatList';
import { impossibleTravel } from './travel';
import { volumeOutliers } from './volumeOutliers';
import { workingHours } from './workingHours';
import { NETWORK_ANALYSES } from './network';

/** Every analysis, by id. The investigations add theirs here. */
export const ANALYSES: readonly Analysis[] = [
  volumeOutliers('ip'),
  volumeOutliers('user'),
  volumeOutliers('resource'),
  failureBursts,
  busiestResources,
  cohortOveruse,
  barelyActive,
  suspiciousAccess,
  crossProgram,
  alumniReading,
  spikes,
  sessions,
  sessionClusters,
  rulesAnalysis,
  entityBaseline,
  populationOutliers,
  workingHours,
  geoIp,
  threatListMatches,
  impossibleTravel,
  loginPerIp,
  loginRules,
  loginAccounts,
  loginDetectors,
  loginSupervised,
  loginOnline,
  sigmaAnalysis,
  ...NETWORK_ANALYSES,
  ...TEMPLATE_ANALYSES,
];

export function analysisById(id: string): Analysis | undefined {
  return ANALYSES.find((a) => a.id === id);
}
