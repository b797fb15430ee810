import ipaddr from 'ipaddr.js';

/**
 * Where outbound requests (webhooks, PromQL queries, scrapes) may go. Pure: it judges one address,
 * the one a socket is about to connect or has connected to, never a name alone, so a name that
 * resolves somewhere else tomorrow (DNS rebinding) is judged by where it points when it is used.
 */
export interface EgressPolicy {
  readonly allowLoopback: boolean;
  /** Link-local addresses, cloud metadata endpoints among them. */
  readonly allowLinkLocal: boolean;
  readonly allowPrivate: boolean;
  /** Empty: any address the classes above do not refuse. Otherwise only these. */
  readonly allowlist: readonly AllowlistEntry[];
}

export type AllowlistEntry =
  | { readonly kind: 'host'; readonly host: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'cidr'; readonly text: string; readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number] };

/** What an address is, as far as the policy cares. */
export type AddressClass = 'loopback' | 'link-local' | 'private' | 'not-unicast' | 'public';

export type EgressVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: EgressRefusalReason; readonly message: string };

export type EgressRefusalReason = Exclude<AddressClass, 'public'> | 'not-allowlisted';

/**
 * Metadata endpoints outside 169.254.0.0/16 and fe80::/10: AWS's IPv6 one, Alibaba's, Oracle's.
 * They belong with link-local, whose allowance is the one an operator gives knowingly.
 */
const metadataAddresses = new Set(['fd00:ec2::254', '100.100.100.200', '192.0.0.192']);

/** What the `EGRESS_*` variables left unset give: loopback and link-local refused, private allowed. */
export const defaultEgressPolicy: EgressPolicy = {
  allowLoopback: false,
  allowLinkLocal: false,
  allowPrivate: true,
  allowlist: [],
};

/** The policy that lets everything through; for tests of code that does not care. */
export const openEgressPolicy: EgressPolicy = {
  allowLoopback: true,
  allowLinkLocal: true,
  allowPrivate: true,
  allowlist: [],
};

/** An address as IPv4 when it carries one (`::ffff:127.0.0.1`, NAT64 `64:ff9b::7f00:1`). */
function unwrap(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const range = v6.range();
  if (range === 'rfc6052' || range === 'rfc6145') {
    const parts = v6.parts;
    const high = parts[6] ?? 0;
    const low = parts[7] ?? 0;
    return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  }
  return v6;
}

function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone (`fe80::1%eth0`) does not change the class.
  const withoutZone = bare.split('%')[0] ?? bare;
  return ipaddr.isValid(withoutZone) ? unwrap(ipaddr.parse(withoutZone)) : undefined;
}

export function classifyAddress(address: string): AddressClass {
  const parsed = parseAddress(address);
  if (parsed === undefined) return 'not-unicast';
  if (metadataAddresses.has(parsed.toNormalizedString()) || metadataAddresses.has(parsed.toString())) {
    return 'link-local';
  }
  // A string: ipaddr.js' types lag its ranges (deprecatedSiteLocal, fec0::/10).
  const range: string = parsed.range();
  switch (range) {
    case 'loopback':
    case 'unspecified': // 0.0.0.0 and :: reach the local host
      return 'loopback';
    case 'linkLocal':
      return 'link-local';
    case 'private':
    case 'carrierGradeNat':
    case 'uniqueLocal':
    case 'deprecatedSiteLocal':
      return 'private';
    case 'multicast':
    case 'broadcast':
      return 'not-unicast';
    default:
      return 'public';
  }
}

const classAllowance: Record<Exclude<AddressClass, 'public' | 'not-unicast'>, keyof EgressPolicy> = {
  loopback: 'allowLoopback',
  'link-local': 'allowLinkLocal',
  private: 'allowPrivate',
};

const variableOf: Record<string, string> = {
  allowLoopback: 'EGRESS_ALLOW_LOOPBACK',
  allowLinkLocal: 'EGRESS_ALLOW_LINK_LOCAL',
  allowPrivate: 'EGRESS_ALLOW_PRIVATE',
};

function hostMatches(entry: AllowlistEntry, host: string): boolean {
  if (entry.kind === 'host') return entry.host === host;
  if (entry.kind === 'suffix') return host.endsWith(entry.suffix) && host.length > entry.suffix.length;
  return false;
}

/**
 * Judges one connection: `host` is the name the URL gave (or the address itself), `address` the
 * address the socket goes to. A refused class is refused whatever the allowlist says: the allowlist
 * only narrows. With an allowlist, the address must fall in one of its CIDRs or the URL's host must
 * be one of its names.
 */
export function egressVerdict(policy: EgressPolicy, host: string, address: string): EgressVerdict {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const where = name === address ? address : `${name} (${address})`;
  const addressClass = classifyAddress(address);
  if (addressClass === 'not-unicast') {
    return {
      allowed: false,
      reason: 'not-unicast',
      message: `${where} is not a unicast address; requests go to one host only`,
    };
  }
  if (addressClass !== 'public') {
    const allowance = classAllowance[addressClass];
    if (policy[allowance] !== true) {
      return {
        allowed: false,
        reason: addressClass,
        message: `${where} is a ${addressClass} address, refused by the egress policy; set ${variableOf[allowance]}=true to allow it`,
      };
    }
  }
  if (policy.allowlist.length === 0) return { allowed: true };
  const parsed = parseAddress(address);
  const inAllowlist = policy.allowlist.some((entry) =>
    entry.kind === 'cidr'
      ? parsed !== undefined && parsed.kind() === entry.range[0].kind() && parsed.match(entry.range)
      : hostMatches(entry, name),
  );
  if (inAllowlist) return { allowed: true };
  return {
    allowed: false,
    reason: 'not-allowlisted',
    message: `${where} is not in EGRESS_ALLOWLIST (${policy.allowlist.map(entryText).join(', ')}); add the host or its address range there, or change the URL`,
  };
}

function entryText(entry: AllowlistEntry): string {
  if (entry.kind === 'host') return entry.host;
  if (entry.kind === 'suffix') return `*${entry.suffix}`;
  return entry.text;
}

const hostPattern = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

/**
 * Reads `EGRESS_ALLOWLIST`: comma-separated hosts (`hooks.slack.com`), suffixes (`*.internal`),
 * addresses (`10.0.0.5`, `::1`) and CIDRs (`10.0.0.0/8`, `fd00::/8`). Throws with every bad entry.
 */
export function parseAllowlist(text: string): AllowlistEntry[] {
  const entries: AllowlistEntry[] = [];
  const bad: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim().toLowerCase();
    if (item === '') continue;
    if (ipaddr.isValidCIDR(item)) {
      entries.push({ kind: 'cidr', text: item, range: ipaddr.parseCIDR(item) });
    } else if (ipaddr.isValid(item)) {
      const address = unwrap(ipaddr.parse(item));
      entries.push({ kind: 'cidr', text: item, range: [address, address.kind() === 'ipv4' ? 32 : 128] });
    } else if (item.startsWith('*.') && hostPattern.test(item.slice(2))) {
      entries.push({ kind: 'suffix', suffix: item.slice(1) });
    } else if (hostPattern.test(item)) {
      entries.push({ kind: 'host', host: item });
    } else {
      bad.push(raw.trim());
    }
  }
  if (bad.length > 0) {
    throw new Error(
      `${bad.map((entry) => JSON.stringify(entry)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not a host, "*.suffix", address or CIDR; expected entries like "hooks.slack.com", "*.internal", "10.0.0.5" or "10.0.0.0/8" (ports are not part of an entry)`,
    );
  }
  return entries;
}
