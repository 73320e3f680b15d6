//! The client's address behind a load balancer. Every limit and audit row keys on the client
//! address; behind a proxy the connection's peer is the proxy, so all employers would share one
//! address (and one lockout). Only a peer listed in `INTERCOM_PROXIES` (addresses or CIDR
//! blocks) is believed: its `X-Forwarded-For` is read from the right, skipping other trusted
//! proxies, and the first address that is not one of them is the client. A header from anyone
//! else is ignored — a client cannot choose its own address.
//!
//! The blocks and the rule; `crate::proxies::resolver` applies them to each request.

use std::net::IpAddr;

/// An address block: an IP and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bloque {
    red: IpAddr,
    bits: u8,
}

impl Bloque {
    pub fn contiene(&self, ip: IpAddr) -> bool {
        match (self.red, normalizar(ip)) {
            (IpAddr::V4(red), IpAddr::V4(ip)) => prefijo(&red.octets(), &ip.octets(), self.bits),
            (IpAddr::V6(red), IpAddr::V6(ip)) => prefijo(&red.octets(), &ip.octets(), self.bits),
            _ => false,
        }
    }
}

/// IPv4 seen through an IPv6 socket (`::ffff:a.b.c.d`) is IPv4.
fn normalizar(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefijo(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (enteros, resto) = ((bits / 8) as usize, bits % 8);
    if a[..enteros] != b[..enteros] {
        return false;
    }
    resto == 0 || {
        let mascara = 0xffu8 << (8 - resto);
        a[enteros] & mascara == b[enteros] & mascara
    }
}

/// `10.0.0.0/8, 192.168.1.10, fd00::/8` → blocks; an error names the bad entry.
pub fn leer(texto: &str) -> Result<Vec<Bloque>, String> {
    texto
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entrada| {
            let (ip, bits) = match entrada.split_once('/') {
                Some((ip, bits)) => (ip, Some(bits)),
                None => (entrada, None),
            };
            let red = normalizar(
                ip.parse::<IpAddr>()
                    .map_err(|_| format!("«{entrada}» no es una dirección IP"))?,
            );
            let maximo = if red.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => maximo,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= maximo)
                    .ok_or_else(|| format!("«{entrada}»: el prefijo va de 0 a {maximo}"))?,
            };
            Ok(Bloque { red, bits })
        })
        .collect()
}

/// The client's address, given the connection's peer and the `X-Forwarded-For` values in order.
pub fn cliente<'a>(
    par: IpAddr,
    confiables: &[Bloque],
    reenviado_por: impl Iterator<Item = &'a str>,
) -> IpAddr {
    let confiable = |ip: IpAddr| confiables.iter().any(|b| b.contiene(ip));
    if !confiable(par) {
        return par;
    }
    let cadena: Vec<&str> = reenviado_por.flat_map(|v| v.split(',')).collect();
    let mut cliente = par;
    for entrada in cadena.iter().rev() {
        match entrada.trim().parse::<IpAddr>() {
            Ok(ip) if confiable(ip) => cliente = normalizar(ip),
            Ok(ip) => return normalizar(ip),
            // A malformed hop: nothing to its left can be trusted.
            Err(_) => return cliente,
        }
    }
    cliente
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lee_direcciones_y_bloques_y_rechaza_lo_demas() {
        let b = leer(" 10.0.0.0/8, 192.168.1.10 ,fd00::/8").unwrap();
        assert!(b[0].contiene(ip("10.200.3.4")));
        assert!(!b[0].contiene(ip("11.0.0.1")));
        assert!(b[1].contiene(ip("192.168.1.10")) && !b[1].contiene(ip("192.168.1.11")));
        assert!(b[2].contiene(ip("fd12::1")) && !b[2].contiene(ip("fe80::1")));
        assert!(b[0].contiene(ip("::ffff:10.1.2.3")), "IPv4 mapeada en IPv6");
        let b = leer("172.16.0.0/12").unwrap();
        assert!(b[0].contiene(ip("172.31.255.255")) && !b[0].contiene(ip("172.32.0.0")));
        assert!(leer("").unwrap().is_empty());
        assert_eq!(
            leer("10.0.0.0/33").unwrap_err(),
            "«10.0.0.0/33»: el prefijo va de 0 a 32"
        );
        assert_eq!(
            leer("balanceador").unwrap_err(),
            "«balanceador» no es una dirección IP"
        );
    }

    #[test]
    fn solo_un_proxy_confiable_puede_nombrar_al_cliente() {
        let confiables = leer("10.0.0.0/8").unwrap();
        // A client talking directly cannot pick its address.
        assert_eq!(
            cliente(ip("203.0.113.9"), &confiables, ["1.2.3.4"].into_iter()),
            ip("203.0.113.9")
        );
        // Through the balancer: the right-most address that is not a trusted proxy.
        assert_eq!(
            cliente(ip("10.0.0.2"), &confiables, ["198.51.100.7"].into_iter()),
            ip("198.51.100.7")
        );
        // A client that sends its own header gets it appended to; its invention is ignored.
        assert_eq!(
            cliente(
                ip("10.0.0.2"),
                &confiables,
                ["6.6.6.6, 198.51.100.7", "10.0.0.3"].into_iter()
            ),
            ip("198.51.100.7")
        );
        // No header, or garbage: the proxy itself (never a made-up address).
        assert_eq!(
            cliente(ip("10.0.0.2"), &confiables, [].into_iter()),
            ip("10.0.0.2")
        );
        assert_eq!(
            cliente(ip("10.0.0.2"), &confiables, ["no-es-ip"].into_iter()),
            ip("10.0.0.2")
        );
        // Nothing configured: the peer, always.
        assert_eq!(
            cliente(ip("10.0.0.2"), &[], ["198.51.100.7"].into_iter()),
            ip("10.0.0.2")
        );
    }
}
