/** The network investigations (Zeek and other connection, DNS, HTTP and TLS logs): docs/network.md. */
import type { Analysis } from '../../findings/model';
import { beacons } from './beacons';
import { largeOutbound, longConnections, rarePorts } from './connections';
import { disguisedExecutables, invalidCertificates, rareUserAgents } from './content';
import { rareDestinations } from './rareDestinations';
import { dnsNxdomain, dnsResolvers, dnsServices, dnsTunnel } from './dns';
import { kerberosErrors, zeekNotices, zeekWeird } from './verdicts';

export const NETWORK_ANALYSES: readonly Analysis[] = [
  beacons,
  longConnections,
  largeOutbound,
  rarePorts,
  rareDestinations,
  dnsTunnel,
  dnsNxdomain,
  dnsServices,
  dnsResolvers,
  disguisedExecutables,
  rareUserAgents,
  invalidCertificates,
  zeekNotices,
  zeekWeird,
  kerberosErrors,
];
