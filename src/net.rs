//! Which address a request comes from. Behind a proxy or load balancer every request arrives from
//! the proxy; when the connecting address is one of `server.trusted_proxies`, the client is the
//! rightmost address in `X-Forwarded-For` that is not itself a trusted proxy (the addresses left
//! of it could have been written by the client). Rate limits count per client address.

use std::net::IpAddr;

/// An address or a CIDR range (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(s: &str) -> Option<IpRange> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let base: IpAddr = addr.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(IpRange { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> (u128, u8) {
            match ip {
                IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
                IpAddr::V6(a) => (u128::from(a), 128),
            }
        };
        let ip = match ip {
            IpAddr::V6(a) if self.base.is_ipv4() => match a.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            other => other,
        };
        let ((base, width), (addr, addr_width)) = (bits(self.base), bits(ip));
        if width != addr_width {
            return false;
        }
        let shift = u32::from(width - self.prefix);
        shift >= 128 || (base >> shift) == (addr >> shift)
    }
}

/// The client's address: `peer` itself unless it is a trusted proxy, else the rightmost address
/// of `forwarded` (an `X-Forwarded-For` value) that is not a trusted proxy.
pub fn client_ip(peer: IpAddr, forwarded: Option<&str>, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for part in forwarded.unwrap_or("").split(',').rev() {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn ranges_contain_their_addresses() {
        let r = IpRange::parse("10.0.0.0/8").expect("range");
        assert!(r.contains(ip("10.1.2.3")) && !r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.9.9.9")), "IPv4-mapped");
        assert!(IpRange::parse("192.0.2.7").expect("one").contains(ip("192.0.2.7")));
        assert!(!IpRange::parse("192.0.2.7").expect("one").contains(ip("192.0.2.8")));
        assert!(IpRange::parse("0.0.0.0/0").expect("all").contains(ip("8.8.8.8")));
        assert!(IpRange::parse("fd00::/8").expect("v6").contains(ip("fd12::1")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", ""] {
            assert_eq!(IpRange::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_forwarded_address() {
        let trusted = [IpRange::parse("10.0.0.0/8").expect("range")];
        let peer = ip("10.0.0.5");
        assert_eq!(client_ip(peer, Some("203.0.113.9"), &trusted), ip("203.0.113.9"));
        // A client cannot choose its address by sending its own header: the proxy appends.
        assert_eq!(client_ip(peer, Some("1.2.3.4, 203.0.113.9"), &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(peer, Some("203.0.113.9, 10.0.0.7"), &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(peer, None, &trusted), peer);
        assert_eq!(client_ip(peer, Some("junk"), &trusted), peer);
        // Not from a trusted proxy: the header is ignored.
        assert_eq!(client_ip(ip("198.51.100.1"), Some("203.0.113.9"), &trusted), ip("198.51.100.1"));
    }
}
