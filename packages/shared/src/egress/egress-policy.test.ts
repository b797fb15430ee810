import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  defaultEgressPolicy,
  type EgressPolicy,
  egressVerdict,
  parseAllowlist,
} from './egress-policy.ts';

const defaults = defaultEgressPolicy;

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.10.0.3', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'loopback'],
    ['::', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.254.170.2', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'link-local'],
    ['100.100.100.200', 'link-local'],
    ['192.0.0.192', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['224.0.0.1', 'not-unicast'],
    ['255.255.255.255', 'not-unicast'],
    ['ff02::1', 'not-unicast'],
    ['not an address', 'not-unicast'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['[2606:4700::1111]', 'public'],
  ] as const)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('egressVerdict', () => {
  it.each([
    // policy changes, host, address, allowed or the refusal's reason
    [{}, 'example.com', '93.184.215.14', true],
    [{}, 'localhost', '127.0.0.1', 'loopback'],
    [{ allowLoopback: true }, 'localhost', '127.0.0.1', true],
    [{}, '169.254.169.254', '169.254.169.254', 'link-local'],
    [{}, 'metadata.internal', 'fd00:ec2::254', 'link-local'],
    [{ allowLinkLocal: true }, 'metadata.internal', '169.254.169.254', true],
    [{}, 'flags.internal', '10.0.0.5', true],
    [{ allowPrivate: false }, 'flags.internal', '10.0.0.5', 'private'],
    [{ allowLoopback: true, allowLinkLocal: true }, 'x', '224.0.0.1', 'not-unicast'],
    // with an allowlist: names by the URL's host, ranges by the address
    [{ allowlist: 'hooks.slack.com' }, 'hooks.slack.com', '3.3.3.3', true],
    [{ allowlist: 'hooks.slack.com' }, 'HOOKS.SLACK.COM.', '3.3.3.3', true],
    [{ allowlist: 'hooks.slack.com' }, 'evil.example', '3.3.3.3', 'not-allowlisted'],
    [{ allowlist: '*.internal' }, 'flags.internal', '10.0.0.5', true],
    [{ allowlist: '*.internal' }, 'internal', '10.0.0.5', 'not-allowlisted'],
    [{ allowlist: '*.internal' }, 'flags.internal.evil.example', '3.3.3.3', 'not-allowlisted'],
    [{ allowlist: '10.0.0.0/8' }, 'flags.internal', '10.9.9.9', true],
    [{ allowlist: '10.0.0.0/8' }, 'flags.internal', '11.0.0.1', 'not-allowlisted'],
    [{ allowlist: '10.0.0.0/8' }, 'flags.internal', '::ffff:10.0.0.1', true],
    [{ allowlist: 'fd00::/8' }, 'flags.internal', 'fd00::5', true],
    [{ allowlist: 'fd00::/8' }, 'flags.internal', '10.0.0.5', 'not-allowlisted'],
    [{ allowlist: '10.0.0.5' }, '10.0.0.5', '10.0.0.5', true],
    // a listed name that resolves to a refused class is still refused: the allowlist only narrows
    [{ allowlist: 'hooks.example.com' }, 'hooks.example.com', '127.0.0.1', 'loopback'],
    [{ allowlist: 'hooks.example.com' }, 'hooks.example.com', '169.254.169.254', 'link-local'],
    [{ allowlist: '169.254.0.0/16' }, 'x', '169.254.169.254', 'link-local'],
    [{ allowlist: '10.0.0.0/8', allowPrivate: false }, 'x', '10.0.0.5', 'private'],
  ] as const)('%j: %s at %s → %s', (changes, host, address, expected) => {
    const { allowlist, ...flags } = changes as Partial<EgressPolicy> & { allowlist?: string };
    const policy = { ...defaults, ...flags, allowlist: parseAllowlist(allowlist ?? '') };
    const verdict = egressVerdict(policy, host, address);
    expect(verdict.allowed ? true : verdict.reason).toBe(expected);
  });

  it('says what was refused and which variable allows it', () => {
    const verdict = egressVerdict(defaults, 'localhost', '127.0.0.1');
    expect(verdict).toMatchObject({
      message:
        'localhost (127.0.0.1) is a loopback address, refused by the egress policy; set EGRESS_ALLOW_LOOPBACK=true to allow it',
    });
    const listed = egressVerdict(
      { ...defaults, allowlist: parseAllowlist('*.internal,10.0.0.0/8') },
      '3.3.3.3',
      '3.3.3.3',
    );
    expect(listed).toMatchObject({
      message: expect.stringContaining('3.3.3.3 is not in EGRESS_ALLOWLIST (*.internal, 10.0.0.0/8)'),
    });
  });
});

describe('parseAllowlist', () => {
  it('reads hosts, suffixes, addresses and CIDRs, ignoring blanks and case', () => {
    const entries = parseAllowlist(' Hooks.Slack.com, *.internal,,10.0.0.5, 10.0.0.0/8 ,fd00::/8');
    expect(entries.map((entry) => entry.kind)).toEqual(['host', 'suffix', 'cidr', 'cidr', 'cidr']);
    expect(entries[0]).toEqual({ kind: 'host', host: 'hooks.slack.com' });
    expect(entries[1]).toEqual({ kind: 'suffix', suffix: '.internal' });
  });

  it('names every bad entry', () => {
    expect(() => parseAllowlist('10.0.0.5:8080, ok.example, http://x, *.')).toThrow(
      /^"10.0.0.5:8080", "http:\/\/x", "\*." are not a host, "\*.suffix", address or CIDR/,
    );
  });
});
