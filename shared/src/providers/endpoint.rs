//! Validation of a user's Azure OpenAI endpoint, which is untrusted input
//! (SSRF): https only, a host under Azure's OpenAI domains, and every
//! address it resolves to public. The caller then pins the connection to
//! the checked addresses (no second DNS lookup), and never follows redirects.

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;

/// Host suffixes an Azure OpenAI resource may live under.
pub const AZURE_HOST_SUFFIXES: &[&str] =
    &[".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"];

/// Why an endpoint is refused. Safe to show to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("endpoint is not a valid URL")]
    NotAUrl,
    #[error("endpoint must use https")]
    NotHttps,
    #[error("endpoint must not contain credentials, a query or a fragment")]
    Decorated,
    #[error("endpoint must use the https port (443)")]
    NotPort443,
    #[error("endpoint host must end in .openai.azure.com, .cognitiveservices.azure.com or .services.ai.azure.com")]
    ForeignHost,
    #[error("endpoint host does not resolve")]
    Unresolvable,
    #[error("endpoint resolves to a private, loopback or link-local address")]
    PrivateAddress,
}

/// A checked endpoint: its URL (normalised, no trailing slash) and the
/// addresses to connect to.
#[derive(Debug, Clone)]
pub struct CheckedEndpoint {
    pub url: Url,
    pub host: String,
    pub addrs: Vec<SocketAddr>,
}

/// Whether an address is one a user-supplied endpoint may never reach.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64/10 carrier-grade NAT
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18/15 benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden_ip(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // Addresses that embed an IPv4 address and reach it through a
            // translator or tunnel: whatever they embed, they are not a
            // public Azure host's own address.
            let nat64 = s[0] == 0x0064 && s[1] == 0xff9b; // 64:ff9b::/96 and 64:ff9b:1::/48
            let six_to_four = s[0] == 0x2002; // 2002::/16
            let teredo = s[0] == 0x2001 && s[1] == 0x0000; // 2001::/32
            let ipv4_compatible = s[..6].iter().all(|x| *x == 0); // ::a.b.c.d (deprecated)
            nat64
                || six_to_four
                || teredo
                || ipv4_compatible
                || v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        }
    }
}

/// Check the URL's shape (no network). `allow_insecure` is the explicit,
/// off-by-default escape hatch for local fakes in tests and development.
pub fn check_shape(raw: &str, allow_insecure: bool) -> Result<Url, EndpointError> {
    let mut url = Url::parse(raw.trim()).map_err(|_| EndpointError::NotAUrl)?;
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(EndpointError::Decorated);
    }
    let scheme_ok = url.scheme() == "https" || (allow_insecure && url.scheme() == "http");
    if !scheme_ok {
        return Err(EndpointError::NotHttps);
    }
    // `Url` drops an explicit :443 for https, so any port left is another one.
    if !allow_insecure && url.port().is_some() {
        return Err(EndpointError::NotPort443);
    }
    let host = url.host_str().ok_or(EndpointError::NotAUrl)?.to_ascii_lowercase();
    let foreign = host.parse::<IpAddr>().is_ok()
        || host.starts_with('[')
        || !AZURE_HOST_SUFFIXES.iter().any(|s| host.ends_with(s) && host.len() > s.len());
    if !allow_insecure && foreign {
        return Err(EndpointError::ForeignHost);
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// Check shape, resolve the host, and refuse private targets.
pub async fn check(raw: &str, allow_insecure: bool) -> Result<CheckedEndpoint, EndpointError> {
    let url = check_shape(raw, allow_insecure)?;
    let host = url.host_str().ok_or(EndpointError::NotAUrl)?.to_owned();
    let port = url.port_or_known_default().ok_or(EndpointError::NotAUrl)?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(|c| c == '[' || c == ']'), port))
        .await
        .map_err(|_| EndpointError::Unresolvable)?
        .collect();
    if addrs.is_empty() {
        return Err(EndpointError::Unresolvable);
    }
    if !allow_insecure && addrs.iter().any(|a| is_forbidden_ip(a.ip())) {
        return Err(EndpointError::PrivateAddress);
    }
    Ok(CheckedEndpoint { url, host, addrs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(check_shape("https://contoso.openai.azure.com", false).is_ok());
        assert!(check_shape("https://contoso.openai.azure.com/", false).is_ok());
        assert!(check_shape("https://x.cognitiveservices.azure.com", false).is_ok());
        assert!(check_shape("https://x.services.ai.azure.com", false).is_ok());
        assert_eq!(check_shape("http://contoso.openai.azure.com", false), Err(EndpointError::NotHttps));
        assert_eq!(check_shape("https://evil.com", false), Err(EndpointError::ForeignHost));
        assert_eq!(check_shape("https://openai.azure.com.evil.com", false), Err(EndpointError::ForeignHost));
        assert!(check_shape("https://.openai.azure.com", false).is_err());
        assert_eq!(check_shape("https://10.0.0.1", false), Err(EndpointError::ForeignHost));
        assert_eq!(check_shape("https://[::1]", false), Err(EndpointError::ForeignHost));
        assert_eq!(check_shape("https://user:pw@x.openai.azure.com", false), Err(EndpointError::Decorated));
        assert_eq!(check_shape("https://x.openai.azure.com/?a=b", false), Err(EndpointError::Decorated));
        assert_eq!(check_shape("file:///etc/passwd", false), Err(EndpointError::NotHttps));
        assert!(check_shape("https://contoso.openai.azure.com:443/x", false).is_ok());
        assert_eq!(check_shape("https://contoso.openai.azure.com:8443", false), Err(EndpointError::NotPort443));
        assert_eq!(check_shape("https://contoso.openai.azure.com:22/", false), Err(EndpointError::NotPort443));
        assert_eq!(check_shape("not a url", false), Err(EndpointError::NotAUrl));
        assert!(check_shape("http://127.0.0.1:9999", true).is_ok(), "the escape hatch admits a local fake");
        assert_eq!(check_shape("ftp://127.0.0.1", true), Err(EndpointError::NotHttps));
    }

    #[test]
    fn forbidden_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",      // NAT64 of 10.0.0.1
            "64:ff9b::808:808",    // NAT64 of a public address: still a translator
            "64:ff9b:1::a00:1",    // local-use NAT64
            "2002:a00:1::1",       // 6to4 of 10.0.0.1
            "2002:808:808::1",     // 6to4 of a public address
            "2001:0:4136:e378::1", // Teredo
            "::10.0.0.1",          // IPv4-compatible
            "::8.8.8.8",           // IPv4-compatible, public
        ] {
            assert!(is_forbidden_ip(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["20.1.2.3", "52.0.0.1", "2603:1030::1"] {
            assert!(!is_forbidden_ip(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[tokio::test]
    async fn localhost_names_are_refused_after_resolution() {
        // A name under an allowed suffix cannot be faked here, so check the
        // resolution step with the escape hatch off on a loopback literal path.
        assert_eq!(check("https://localhost", false).await.err(), Some(EndpointError::ForeignHost));
    }
}
