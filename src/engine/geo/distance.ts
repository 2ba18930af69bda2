/**
 * Distances between two places on a spherical earth (mean radius 6,371 km):
 * haversine (great circle), or the sphere projected to a plane around the
 * two points' mean latitude (equirectangular), which is close for short legs
 * and drifts for long ones, far from the equator.
 */
import { LogInvestigatorError } from '../errors';

export const EARTH_RADIUS_KM = 6371;
export type DistanceMethod = 'haversine' | 'plane';
export const DISTANCE_METHODS: readonly DistanceMethod[] = ['haversine', 'plane'];

const RAD = Math.PI / 180;

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Equirectangular: longitude differences shrink by the cosine of the mean latitude; the shorter way round the antimeridian. */
export function planeKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  let dLon = (lon2 - lon1) % 360;
  if (dLon > 180) dLon -= 360;
  else if (dLon < -180) dLon += 360;
  const x = dLon * RAD * Math.cos(((lat1 + lat2) / 2) * RAD);
  const y = (lat2 - lat1) * RAD;
  return EARTH_RADIUS_KM * Math.sqrt(x * x + y * y);
}

export function distanceFn(method: string): (lat1: number, lon1: number, lat2: number, lon2: number) => number {
  if (method === 'haversine') return haversineKm;
  if (method === 'plane') return planeKm;
  throw new LogInvestigatorError('BAD_OPTION', `distance must be ${DISTANCE_METHODS.join(' or ')}, not ${method}`);
}
