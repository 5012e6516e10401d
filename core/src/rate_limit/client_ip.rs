//! [`TrustedProxies`] and the client address behind them.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;
use http::{HeaderMap, Request};

/// The proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed.
///
/// The client address of a request is its peer address (axum's
/// [`ConnectInfo<SocketAddr>`](ConnectInfo)), unless the peer is a trusted proxy:
/// then `X-Forwarded-For` is read right to left, trusted hops are skipped, and the
/// first untrusted address is the client. A header from any other peer is ignored,
/// so clients cannot choose their own rate-limit key by forging it.
///
/// ```
/// use strata::rate_limit::TrustedProxies;
///
/// let proxies: TrustedProxies = ["10.0.0.0/8", "127.0.0.1", "::1"].try_into().unwrap();
/// assert!(proxies.contains("10.1.2.3".parse().unwrap()));
/// assert!(!proxies.contains("192.168.0.1".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<IpRange>,
}

/// An address or CIDR range in a [`TrustedProxies`] list was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trusted proxy `{0}` is not an IP address or CIDR range like 10.0.0.0/8")]
#[non_exhaustive]
pub struct InvalidProxy(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxies {
    /// No trusted proxies: the peer address is always the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parse each entry as an address (`10.0.0.1`, `::1`) or a CIDR range
    /// (`10.0.0.0/8`, `fd00::/8`).
    ///
    /// # Errors
    /// The first entry that is neither.
    pub fn parse<I, S>(entries: I) -> Result<Self, InvalidProxy>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let ranges = entries
            .into_iter()
            .map(|entry| entry.as_ref().parse::<IpRange>())
            .collect::<Result<_, _>>()?;
        Ok(Self { ranges })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.ranges.iter().any(|range| range.contains(ip))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The client address of `request`: see the type's docs. `None` when the
    /// server was not started with connect info (e.g. `Router::oneshot` without
    /// a `ConnectInfo` extension).
    pub fn client_ip<B>(&self, request: &Request<B>) -> Option<IpAddr> {
        let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
        Some(self.client_ip_from(peer.ip(), request.headers()))
    }

    /// The client address for a connection from `peer` carrying `headers`.
    pub fn client_ip_from(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        // Every X-Forwarded-For line, in order, is one list; read it backwards.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        for hop in hops.into_iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // Garbage from beyond the last trusted hop: nothing further left
                // can be believed, so the last trusted hop is the client.
                break;
            };
            client = ip.to_canonical();
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

impl<'a, const N: usize> TryFrom<[&'a str; N]> for TrustedProxies {
    type Error = InvalidProxy;

    fn try_from(entries: [&'a str; N]) -> Result<Self, Self::Error> {
        Self::parse(entries)
    }
}

impl IpRange {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = InvalidProxy;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidProxy(text.to_owned());
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text.trim(), None),
        };
        let network = addr
            .parse::<IpAddr>()
            .map_err(|_| invalid())?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(invalid)?,
        };
        Ok(Self { network, prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn ranges_match_by_prefix() {
        let proxies =
            TrustedProxies::parse(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "0.0.0.0/0"]).unwrap();
        assert!(proxies.contains(ip("10.255.0.1")));
        assert!(
            proxies.contains(ip("8.8.8.8")),
            "0.0.0.0/0 matches every IPv4"
        );
        assert!(proxies.contains(ip("fd12::1")));
        assert!(!proxies.contains(ip("fe80::1")));
        let exact = TrustedProxies::parse(["192.168.1.7"]).unwrap();
        assert!(
            exact.contains(ip("::ffff:192.168.1.7")),
            "IPv4-mapped peers"
        );
        assert!(!exact.contains(ip("192.168.1.8")));
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in ["10.0.0.0/33", "nope", "10.0.0.0/x", "::1/129"] {
            assert_eq!(
                TrustedProxies::parse([bad]).unwrap_err(),
                InvalidProxy(bad.into())
            );
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = TrustedProxies::parse(["10.0.0.1"]).unwrap();
        let headers = forwarded(&["1.2.3.4"]);
        assert_eq!(
            proxies.client_ip_from(ip("9.9.9.9"), &headers),
            ip("9.9.9.9")
        );
        assert_eq!(
            TrustedProxies::none().client_ip_from(ip("9.9.9.9"), &headers),
            ip("9.9.9.9")
        );
    }

    #[test]
    fn trusted_hops_are_skipped_right_to_left() {
        let proxies = TrustedProxies::parse(["10.0.0.0/8"]).unwrap();
        // The client forged the leftmost entry; 7.7.7.7 reached our first proxy.
        let headers = forwarded(&["6.6.6.6, 7.7.7.7", "10.0.0.2"]);
        assert_eq!(
            proxies.client_ip_from(ip("10.0.0.1"), &headers),
            ip("7.7.7.7")
        );
        // Only proxies: the leftmost proxy is the best guess.
        let headers = forwarded(&["10.0.0.3, 10.0.0.2"]);
        assert_eq!(
            proxies.client_ip_from(ip("10.0.0.1"), &headers),
            ip("10.0.0.3")
        );
        // Garbage stops the walk at the last trusted hop.
        let headers = forwarded(&["1.1.1.1, junk, 10.0.0.2"]);
        assert_eq!(
            proxies.client_ip_from(ip("10.0.0.1"), &headers),
            ip("10.0.0.2")
        );
        // No header: the proxy itself.
        assert_eq!(
            proxies.client_ip_from(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
    }
}
