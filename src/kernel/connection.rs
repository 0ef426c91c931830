//! The connection file a Jupyter front end writes, the sockets it names,
//! and HMAC-SHA256 message signing.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::diag::Diagnostic;

/// The connection file (`kernel-*.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionInfo {
    #[serde(default = "default_transport")]
    pub transport: String,
    pub ip: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    #[serde(default)]
    pub key: String,
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
}

fn default_transport() -> String {
    "tcp".into()
}

fn default_scheme() -> String {
    "hmac-sha256".into()
}

impl ConnectionInfo {
    /// Reads and checks a connection file.
    pub fn read(path: &Path) -> Result<ConnectionInfo, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(format!(
                "cannot read the connection file {}: {e}",
                path.display()
            ))
        })?;
        let info: ConnectionInfo = serde_json::from_str(&text).map_err(|e| {
            Diagnostic::error(format!("invalid connection file {}: {e}", path.display()))
        })?;
        if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
            return Err(Diagnostic::error(format!(
                "unsupported signature scheme `{}` (dossier signs with hmac-sha256)",
                info.signature_scheme
            )));
        }
        if info.transport != "tcp" && info.transport != "ipc" {
            return Err(Diagnostic::error(format!(
                "unsupported transport `{}` (tcp or ipc)",
                info.transport
            )));
        }
        Ok(info)
    }

    /// The ZeroMQ endpoint for a port.
    pub fn endpoint(&self, port: u16) -> String {
        match self.transport.as_str() {
            "ipc" => format!("ipc://{}-{port}", self.ip),
            _ => format!("tcp://{}:{port}", self.ip),
        }
    }
}

/// Signs and verifies messages with the connection's key (no key: no signature).
#[derive(Clone)]
pub struct Signer {
    mac: Option<Hmac<Sha256>>,
}

impl Signer {
    pub fn new(key: &str) -> Signer {
        Signer {
            mac: (!key.is_empty()).then(|| {
                <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes())
                    .expect("HMAC takes a key of any length")
            }),
        }
    }

    /// The hex signature of the four signed frames.
    pub fn sign(&self, parts: &[&[u8]]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => {
                let mut m = mac.clone();
                for p in parts {
                    m.update(p);
                }
                hex::encode(m.finalize().into_bytes())
            }
        }
    }

    /// Whether `signature` (hex) is right for the parts (constant time).
    pub fn verify(&self, signature: &[u8], parts: &[&[u8]]) -> bool {
        match &self.mac {
            None => true,
            Some(mac) => {
                let Ok(expected) = hex::decode(signature) else {
                    return false;
                };
                let mut m = mac.clone();
                for p in parts {
                    m.update(p);
                }
                m.verify_slice(&expected).is_ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_jupyter_client() {
        // hmac.new(b"key", b"abcd", hashlib.sha256).hexdigest()
        let s = Signer::new("key");
        let sig = s.sign(&[b"ab", b"cd"]);
        assert_eq!(
            sig,
            "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
        );
        assert!(s.verify(sig.as_bytes(), &[b"abc", b"d"]));
        assert!(!s.verify(sig.as_bytes(), &[b"abce"]));
        assert_eq!(Signer::new("").sign(&[b"x"]), "");
    }
}
