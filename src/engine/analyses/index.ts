import type { Analysis } from '../findings/model';
import { entityBaseline } from './events/baseline';
import { alumniReading } from './course/alumniReading';
import { barelyActive, busiestResources, cohortOveruse } from './course/course';
import { crossProgram } from './course/crossProgram';
import { spikes } from './course/spikes';
import { suspiciousAccess } from './course/suspiciousAccess';
import { sessionClusters } from './network/clusterSessions';
import { failureBursts } from './login/failureBursts';
import { geoIp } from './events/geoIp';
import { loginAccounts } from './login/loginAccounts';
import { loginDetectors } from './login/loginDetectors';
import { loginOnline } from './login/loginOnline';
import { loginPerIp } from './login/loginPerIp';
import { loginRules } from './login/loginRules';
import { loginSupervised } from './login/loginSupervised';
import { populationOutliers } from './events/population';
import { rulesAnalysis } from './rules/rulesAnalysis';
import { sessions } from './network/sessions';
import { sigmaAnalysis } from './rules/sigmaAnalysis';
import { TEMPLATE_ANALYSES } from './logs/templates';
import { threatListMatches } from './events/threatList';
import { impossibleTravel } from './events/travel';
import { volumeOutliers } from './events/volumeOutliers';
import { workingHours } from './events/workingHours';
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
